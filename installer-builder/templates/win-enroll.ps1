# Muster enrollment for Windows (muster-installer; run by the configuration
# MSI and by the all-in-one bootstrapper, as SYSTEM). Reads install_config.ini
# beside it (or in -ConfigDir), enrolls with the server over HTTPS trusting
# only the embedded CA, retries, logs to <ConfigDir>\logs\enroll.log.
# The only value templated in is the installer id, through enc_ps1; everything
# else is read from the INI at run time. Exit 0 enrolled, 1 failed.
param([string]$ConfigDir = $PSScriptRoot)
$ErrorActionPreference = 'Stop'
$ExpectedInstaller = @@INSTALLER_ID_PS1@@

# The configuration holds the token (and maybe a client key): SYSTEM and
# Administrators only, whatever %ProgramData% would let it inherit.
& icacls.exe $ConfigDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null

$logDir = Join-Path $ConfigDir 'logs'
New-Item -ItemType Directory -Force -Path $logDir | Out-Null
$log = Join-Path $logDir 'enroll.log'
function Log([string]$msg) {
    Add-Content -Path $log -Value ((Get-Date -Format o) + ' ' + $msg)
}

# Strict INI reader: [section], key=value, ; comments; nothing else.
$ini = @{}
$section = ''
foreach ($line in [IO.File]::ReadAllLines((Join-Path $ConfigDir 'install_config.ini'))) {
    if ($line -eq '' -or $line.StartsWith(';')) { continue }
    if ($line -match '^\[([a-z_]+)\]$') { $section = $Matches[1]; continue }
    $eq = $line.IndexOf('=')
    if ($eq -lt 1) { Log 'event=config-bad'; exit 1 }
    $ini[$section + '.' + $line.Substring(0, $eq)] = $line.Substring($eq + 1)
}
if ($ini['enrollment.installer_id'] -ne $ExpectedInstaller) {
    Log 'event=config-mismatch'
    exit 1
}

$caPath = Join-Path $ConfigDir $ini['server.ca_file']
$ca = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [IO.File]::ReadAllBytes($caPath))
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
# Trust exactly the embedded CA: the chain must end in it, and the name match.
[Net.ServicePointManager]::ServerCertificateValidationCallback = {
    param($sender, $cert, $chain, $errors)
    if (($errors -band [Net.Security.SslPolicyErrors]::RemoteCertificateNameMismatch) -ne 0) { return $false }
    $c = New-Object System.Security.Cryptography.X509Certificates.X509Chain
    $c.ChainPolicy.RevocationMode = 'NoCheck'
    $c.ChainPolicy.VerificationFlags = 'AllowUnknownCertificateAuthority'
    [void]$c.ChainPolicy.ExtraStore.Add($ca)
    if (-not $c.Build([System.Security.Cryptography.X509Certificates.X509Certificate2]$cert)) { return $false }
    $root = $c.ChainElements[$c.ChainElements.Count - 1].Certificate
    return $root.Thumbprint -eq $ca.Thumbprint
}

$cs = Get-CimInstance Win32_ComputerSystem
$os = Get-CimInstance Win32_OperatingSystem
$macs = @(Get-CimInstance Win32_NetworkAdapter -Filter 'PhysicalAdapter=True' |
    Where-Object { $_.MACAddress } | Select-Object -First 16 -ExpandProperty MACAddress)
$ipv4 = @(Get-CimInstance Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=True' |
    ForEach-Object { $_.IPAddress } | Where-Object { $_ -match '^\d+\.\d+\.\d+\.\d+$' } |
    Select-Object -First 16)
$body = @{
    token     = $ini['enrollment.token']
    hostname  = $env:COMPUTERNAME
    domain    = $cs.Domain
    macs      = $macs
    ipv4      = $ipv4
    os        = @{ family = 'windows'; name = $os.Caption; version = $os.Version }
    group     = $ini['enrollment.group']
    installer = $ini['enrollment.installer_id']
} | ConvertTo-Json -Compress
$hostPart = $ini['server.host']
if ($hostPart.Contains(':')) { $hostPart = '[' + $hostPart + ']' }
$uri = 'https://' + $hostPart + ':' + $ini['server.port'] + '/api/v1/enroll'

for ($attempt = 1; $attempt -le 6; $attempt++) {
    try {
        $r = Invoke-RestMethod -Uri $uri -Method Post -ContentType 'application/json' `
            -Body ([Text.Encoding]::UTF8.GetBytes($body)) -UseBasicParsing -TimeoutSec 30
        Log ('event=enrolled status=' + $r.status + ' attempt=' + $attempt)
        Set-Content -Path (Join-Path $ConfigDir 'enrolled') -Value $r.status
        exit 0
    } catch {
        $code = 0
        if ($_.Exception.Response) { $code = [int]$_.Exception.Response.StatusCode }
        Log ('event=enroll-failed attempt=' + $attempt + ' http=' + $code)
        # 4xx: the server refused the token; retrying will not help.
        if ($code -ge 400 -and $code -lt 500) { exit 1 }
        Start-Sleep -Seconds ([Math]::Min(60, 5 * $attempt * $attempt))
    }
}
exit 1
