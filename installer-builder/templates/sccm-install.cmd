@echo off
rem Muster SCCM/ConfigMgr install program (muster-installer, installer @@INSTALLER_ID_CMD@@).
rem Application deployment type, "Install for system":
rem     command line: cmd.exe /c sccm-install.cmd
rem     detection:    the script sccm-detect.ps1 (PowerShell)
rem Installs the agent MSI, the optional product MSI and the configuration MSI
rem from the content folder. Exit 0 ok, 3010 ok with a reboot pending, else the
rem failing msiexec code. Values below went through enc_cmd.
setlocal EnableExtensions DisableDelayedExpansion
set "AGENT_MSI=@@AGENT_MSI_CMD@@"
set "PRODUCT_MSI=@@PRODUCT_MSI_CMD@@"
set "CONFIG_MSI=@@CONFIG_MSI_CMD@@"
set "SRC=%~dp0"
set "LOGDIR=%ProgramData%\Muster\logs"
if not exist "%LOGDIR%" mkdir "%LOGDIR%"
set "REBOOT=0"

call :msi "%AGENT_MSI%" sccm-agent.log || goto :failed
if defined PRODUCT_MSI call :msi "%PRODUCT_MSI%" sccm-product.log || goto :failed
call :msi "%CONFIG_MSI%" sccm-config.log || goto :failed
if "%REBOOT%"=="1" (
	echo MUSTER-RESULT status=ok code=3010 installer=@@INSTALLER_ID_CMD@@
	exit /b 3010
)
echo MUSTER-RESULT status=ok code=0 installer=@@INSTALLER_ID_CMD@@
exit /b 0

:failed
echo MUSTER-RESULT status=install-failed code=%RC% installer=@@INSTALLER_ID_CMD@@
exit /b %RC%

:msi
msiexec.exe /i "%SRC%%~1" /qn /norestart /l*v "%LOGDIR%\%~2"
set "RC=%ERRORLEVEL%"
if "%RC%"=="3010" set "REBOOT=1"
if "%RC%"=="3010" exit /b 0
if "%RC%"=="0" exit /b 0
exit /b 1
