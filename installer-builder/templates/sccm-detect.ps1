# Muster SCCM/ConfigMgr detection script (muster-installer). ConfigMgr treats
# the application as installed when this writes anything to stdout and exits 0.
# Installed means: the agent and configuration MSIs are registered, and the
# configuration on disk is this installer's, for this group. Values below
# went through enc_ps1.
$ErrorActionPreference = 'SilentlyContinue'
$AgentCode = @@AGENT_CODE_PS1@@
$ConfigCode = @@CONFIG_CODE_PS1@@
$InstallerId = @@INSTALLER_ID_PS1@@
$Group = @@GROUP_PS1@@

$uninst = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\'
if (-not (Test-Path -LiteralPath ($uninst + $AgentCode))) { exit 0 }
if (-not (Test-Path -LiteralPath ($uninst + $ConfigCode))) { exit 0 }
$ini = Join-Path $env:ProgramData 'Muster\install_config.ini'
$lines = [IO.File]::ReadAllLines($ini)
if (($lines -ccontains ('installer_id=' + $InstallerId)) -and ($lines -ccontains ('group=' + $Group))) {
    Write-Output 'Muster installed'
}
exit 0
