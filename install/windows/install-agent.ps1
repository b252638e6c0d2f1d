<#
.SYNOPSIS
  Vigil agent installer for Windows: the single-file agent as the Windows service "VigilAgent".
.DESCRIPTION
  Idempotent: a second run changes nothing. Run in an elevated Windows PowerShell 5.1 (powershell.exe):
    & ([scriptblock]::Create((irm https://COLLECTOR/install.ps1))) -Collector https://COLLECTOR -Token vet_...
  Installs %ProgramFiles%\Vigil\Agent\vigil-agent.exe (downloaded from COLLECTOR/downloads/vigil-agent-windows-x64.exe,
  SHA-256 checked) and a small service host compiled here from the C# below (a Node program does not speak the
  service control protocol, so it cannot be the service itself); writes %ProgramData%\Vigil\agent.yaml (kept once it
  exists); enrolls (identity in %ProgramData%\Vigil\state\agent.json, readable by SYSTEM and Administrators only);
  registers the service (LocalSystem: Windows gives raw ICMP sockets to administrators only; restarted 5 s after
  any exit) and starts it. Logs: %ProgramData%\Vigil\logs\agent.log. README, "Installing agents".
  -Uninstall removes the service, program, config and logs, and the state too unless -KeepState.
#>
[CmdletBinding()]
param(
  [string]$Collector,
  [string]$Token = $env:VIGIL_ENROLL_TOKEN,
  [string]$TokenFile,
  [string]$Name,
  [string]$Binary,
  [string]$Sha256,
  [switch]$NoService,
  [switch]$Reenroll,
  [switch]$Uninstall,
  [switch]$KeepState
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
$ServiceName = 'VigilAgent'
$ProgramDir = Join-Path $env:ProgramFiles 'Vigil\Agent'
$DataDir = Join-Path $env:ProgramData 'Vigil'
$Exe = Join-Path $ProgramDir 'vigil-agent.exe'
$HostExe = Join-Path $ProgramDir 'vigil-agent-service.exe'
$Config = Join-Path $DataDir 'agent.yaml'
$State = Join-Path $DataDir 'state'
$Logs = Join-Path $DataDir 'logs'
$script:Changes = 0

function Fail([string]$Code, [string]$Message) { throw "VIGIL_ERR_INSTALL_${Code}: $Message" }
function Say([string]$Message) { Write-Output "install-agent: $Message" }
function Did([string]$Message) { $script:Changes++; Say $Message }
function Sha([string]$Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }
function Field([string]$Key) { (Get-Content -Raw -LiteralPath (Join-Path $State 'agent.json') | ConvertFrom-Json).$Key }
function Put([string]$Source, [string]$Dest) {
  # replaced only when the bytes differ (the service is stopped first: Windows locks a running exe)
  if ((Test-Path -LiteralPath $Dest) -and ((Sha $Source) -eq (Sha $Dest))) { return }
  Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
  New-Item -ItemType Directory -Force -Path (Split-Path $Dest) | Out-Null
  Copy-Item -LiteralPath $Source -Destination $Dest -Force
  Did "installed $Dest"
}

# The service host: starts vigil-agent.exe run, copies its output to the log, exits 1 when the agent exits
# (the service's recovery actions restart it), and stops the agent when the service is stopped.
$HostSource = @'
using System; using System.Diagnostics; using System.IO; using System.ServiceProcess;
public class VigilAgentService : ServiceBase {
  Process child; StreamWriter log; volatile bool stopping;
  public static void Main() { ServiceBase.Run(new VigilAgentService()); }
  public VigilAgentService() { ServiceName = "VigilAgent"; CanStop = true; CanShutdown = true; }
  protected override void OnStart(string[] args) {
    string data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "Vigil");
    string logs = Path.Combine(data, "logs"); Directory.CreateDirectory(logs);
    string file = Path.Combine(logs, "agent.log");
    if (File.Exists(file) && new FileInfo(file).Length > 10 * 1024 * 1024) { File.Copy(file, file + ".1", true); File.Delete(file); }
    log = new StreamWriter(file, true); log.AutoFlush = true;
    ProcessStartInfo psi = new ProcessStartInfo(Path.Combine(AppDomain.CurrentDomain.BaseDirectory, "vigil-agent.exe"),
      "run --config \"" + Path.Combine(data, "agent.yaml") + "\"");
    psi.UseShellExecute = false; psi.CreateNoWindow = true; psi.RedirectStandardOutput = true; psi.RedirectStandardError = true;
    child = new Process(); child.StartInfo = psi; child.EnableRaisingEvents = true;
    child.OutputDataReceived += (s, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
    child.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
    child.Exited += (s, e) => {
      if (stopping) return;
      lock (log) log.WriteLine("vigil-agent exited with code " + child.ExitCode + "; Windows restarts the service");
      Environment.Exit(1);
    };
    child.Start(); child.BeginOutputReadLine(); child.BeginErrorReadLine();
  }
  protected override void OnStop() {
    stopping = true;
    try { if (!child.HasExited) { child.Kill(); child.WaitForExit(10000); } } catch (Exception) { }
    lock (log) log.Dispose();
  }
  protected override void OnShutdown() { OnStop(); }
}
'@

$admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
if (-not $admin) { Fail 'ROOT' 'run it in an elevated PowerShell (Run as administrator)' }
if ($PSVersionTable.PSEdition -ne 'Desktop') { Fail 'POWERSHELL' 'run it in Windows PowerShell 5.1 (powershell.exe): it compiles the service host with the .NET Framework' }
if ($env:PROCESSOR_ARCHITECTURE -notin @('AMD64', 'ARM64')) { Fail 'ARCH' "no agent build for $env:PROCESSOR_ARCHITECTURE (windows-x64 exists; ARM64 runs it emulated)" }

if ($Uninstall) {
  if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
    & sc.exe delete $ServiceName | Out-Null
    Did "removed the service $ServiceName"
  }
  foreach ($p in @($ProgramDir, $Config, $Logs)) { if (Test-Path -LiteralPath $p) { Remove-Item -LiteralPath $p -Recurse -Force; Did "removed $p" } }
  if ($KeepState) { Say "kept $State (the agent's identity and spool): a new install takes it over" }
  elseif (Test-Path -LiteralPath $DataDir) { Remove-Item -LiteralPath $DataDir -Recurse -Force; Did "removed $DataDir" }
  Say "uninstalled ($script:Changes changes)"
  return
}

if ($Collector -notmatch '^https?://[A-Za-z0-9.:_~%@+=,/-]{1,500}$') { Fail 'USAGE' '-Collector must be an http(s) URL, e.g. https://collector.example:8460' }
$Collector = $Collector.TrimEnd('/')
if ($Name -and $Name -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$') { Fail 'USAGE' '-Name: letters, digits, . _ - (at most 63)' }
if ($Sha256 -and $Sha256 -notmatch '^[0-9a-f]{64}$') { Fail 'USAGE' '-Sha256 must be 64 lowercase hex digits' }
$work = Join-Path ([IO.Path]::GetTempPath()) ("vigil-install-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $work | Out-Null
try {
  # 1. the program, verified before anything on the system changes
  $download = Join-Path $work 'vigil-agent.exe'
  if ($Binary) {
    if (-not (Test-Path -LiteralPath $Binary)) { Fail 'BINARY' "$Binary does not exist" }
    Copy-Item -LiteralPath $Binary -Destination $download
  } else {
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    $url = "$Collector/downloads/vigil-agent-windows-x64.exe"
    try { Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $download -TimeoutSec 900 } catch { Fail 'DOWNLOAD' "could not download ${url}: $($_.Exception.Message)" }
    if (-not $Sha256) {
      try { $Sha256 = ((Invoke-WebRequest -UseBasicParsing -Uri "$url.sha256" -TimeoutSec 60).Content -split '\s+')[0] } catch { Fail 'DOWNLOAD' "could not download $url.sha256" }
    }
  }
  $got = Sha $download
  if ($Sha256 -and $got -ne $Sha256) { Fail 'CHECKSUM' "the binary's SHA-256 is $got, expected ${Sha256}: not installed" }

  # 2. files: the program, the service host (compiled when its source changed), the config, the state dir
  Put $download $Exe
  $version = & $Exe --version 2>&1
  if ($LASTEXITCODE -ne 0) { Fail 'BINARY' "$Exe does not run on this machine: $version" }
  $hostCs = Join-Path $ProgramDir 'vigil-agent-service.cs'
  if (-not (Test-Path -LiteralPath $HostExe) -or -not (Test-Path -LiteralPath $hostCs) -or ((Get-Content -Raw -LiteralPath $hostCs) -ne $HostSource)) {
    Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
    Add-Type -TypeDefinition $HostSource -ReferencedAssemblies System.ServiceProcess -OutputAssembly $HostExe -OutputType ConsoleApplication
    Set-Content -LiteralPath $hostCs -Value $HostSource -NoNewline
    Did "compiled $HostExe"
  }
  foreach ($d in @($DataDir, $State, $Logs)) { if (-not (Test-Path -LiteralPath $d)) { New-Item -ItemType Directory -Path $d | Out-Null; Did "created $d" } }
  # SYSTEM and Administrators only, by SID (names differ by language); applying the same ACL again changes nothing
  & icacls.exe $State /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' /q | Out-Null
  if (-not (Test-Path -LiteralPath $Config)) {
    $yaml = "# Written by install-agent.ps1 once; yours from now on. Every key: README, `"Agent config`".`n" +
      "# The checks come from the collector (config: central); config: local and checks: for a site managed by hand.`n" +
      "collector: { url: `"$Collector`", config: central }`nstateDir: '$State'`nhost: { enabled: true }`n"
    [IO.File]::WriteAllText($Config, $yaml)
    Did "wrote $Config"
  }

  # 3. the identity: enrolled once (the token is never printed)
  if ($TokenFile) { $Token = (Get-Content -Raw -LiteralPath $TokenFile).Trim() }
  if ((Test-Path -LiteralPath (Join-Path $State 'agent.json')) -and -not $Reenroll) {
    Say "already enrolled as $(Field 'agentId') (-Reenroll to enroll again)"
  } else {
    if (-not $Token) { Fail 'USAGE' 'an enrollment token is needed: -Token T, -TokenFile F or VIGIL_ENROLL_TOKEN' }
    if ($Token -notmatch '^[A-Za-z0-9_-]{8,256}$') { Fail 'USAGE' 'the enrollment token has characters a token never has' }
    $enrollArgs = @('enroll', '--collector', $Collector, '--token', $Token, '--state-dir', $State)
    if ($Name) { $enrollArgs += @('--name', $Name) }
    $out = & $Exe @enrollArgs 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { Fail 'ENROLL' ($out.Replace($Token, '<token>').Trim()) }
    Did "enrolled as $(Field 'agentId')"
  }

  # 4. the service
  if (-not $NoService) {
    $path = "`"$HostExe`""
    $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='$ServiceName'"
    if (-not $svc) {
      New-Service -Name $ServiceName -BinaryPathName $path -DisplayName 'Vigil agent' -Description 'Vigil site agent (SLA probes)' -StartupType Automatic | Out-Null
      Did "registered the service $ServiceName"
    } elseif ($svc.PathName -ne $path -or $svc.StartMode -ne 'Auto') {
      & sc.exe config $ServiceName binPath= $path start= auto | Out-Null
      Did "updated the service $ServiceName"
    }
    & sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/5000/restart/5000 | Out-Null
    & sc.exe failureflag $ServiceName 1 | Out-Null
    if ((Get-Service -Name $ServiceName).Status -ne 'Running') { Start-Service -Name $ServiceName; Did "started $ServiceName" }
    elseif ($script:Changes -gt 0) { Restart-Service -Name $ServiceName; Did "restarted $ServiceName" }
  }
  Say "agent $(Field 'agentId') (client $(Field 'clientId'), site $(Field 'siteId')), $version, reporting to $Collector"
  if ($NoService) { Say "not registered (-NoService): run it with `"$Exe`" run --config `"$Config`"" }
  else { Say "check it:  Get-Service $ServiceName; Get-Content -Wait `"$Logs\agent.log`"" }
  Say "try the checks once: & `"$Exe`" run-once --config `"$Config`"   (the checks: $Config)"
  if ($script:Changes -eq 0) { Say 'up to date: nothing changed' } else { Say "done ($script:Changes changes)" }
} finally {
  Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
