@echo off
rem Muster GPO computer startup script (muster-installer, installer @@INSTALLER_ID_CMD@@).
rem Installs the agent MSI and the configuration MSI from the folder this script
rem is in, each only when its product code is not registered yet. Every value
rem below went through enc_cmd (a strict whitelist); nothing is expanded twice.
setlocal EnableExtensions DisableDelayedExpansion
set "AGENT_MSI=@@AGENT_MSI_CMD@@"
set "AGENT_CODE={@@AGENT_GUID_CMD@@}"
set "PRODUCT_MSI=@@PRODUCT_MSI_CMD@@"
set "PRODUCT_CODE={@@PRODUCT_GUID_CMD@@}"
set "CONFIG_MSI=@@CONFIG_MSI_CMD@@"
set "CONFIG_CODE={@@CONFIG_GUID_CMD@@}"
set "SRC=%~dp0"
set "UNINST=HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
set "LOGDIR=%ProgramData%\Muster\logs"
if not exist "%LOGDIR%" mkdir "%LOGDIR%"
set "RC=0"

call :install "%AGENT_MSI%" "%AGENT_CODE%" gpo-agent.log
if not "%RC%"=="0" goto :done
if defined PRODUCT_MSI call :install "%PRODUCT_MSI%" "%PRODUCT_CODE%" gpo-product.log
if not "%RC%"=="0" goto :done
call :install "%CONFIG_MSI%" "%CONFIG_CODE%" gpo-config.log
:done
echo MUSTER-RESULT status=%STATUS% code=%RC% installer=@@INSTALLER_ID_CMD@@
exit /b %RC%

:install
reg query "%UNINST%\%~2" >nul 2>&1
if not errorlevel 1 (
	set "STATUS=ok"
	exit /b 0
)
msiexec.exe /i "%SRC%%~1" /qn /norestart /l*v "%LOGDIR%\%~3"
set "RC=%ERRORLEVEL%"
if "%RC%"=="3010" set "RC=0"
if "%RC%"=="0" (set "STATUS=ok") else (set "STATUS=install-failed")
exit /b 0
