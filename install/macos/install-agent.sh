#!/bin/sh
# Vigil agent installer for macOS (launchd). POSIX sh; idempotent: a second run changes nothing.
#   curl -fsSL https://COLLECTOR/install-macos.sh | sudo sh -s -- --collector https://COLLECTOR --token vet_…
# Installs the single-file agent in /Library/Vigil/bin, writes /Library/Vigil/agent.yaml (kept once it
# exists), enrolls (identity in /Library/Vigil/state/agent.json, 0600), writes the launch daemon
# /Library/LaunchDaemons/com.vigil.agent.plist (install/macos/com.vigil.agent.plist with these paths),
# and starts it with launchctl bootstrap. Logs: /Library/Logs/Vigil/agent.log, rotated by newsyslog.
# The daemon runs as root: macOS gives raw ICMP sockets to root only. README, "Installing agents".
# VIGIL_INSTALL_ROOT=DIR (tests and packaging): every path lies under DIR, no launchctl; needs --no-service.
set -eu
umask 022
die() { printf 'install-agent: VIGIL_ERR_INSTALL_%s: %s\n' "$1" "$2" >&2; exit "${3:-1}"; }
say() { printf 'install-agent: %s\n' "$*"; }
changes=0
did() { changes=$((changes + 1)); say "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
matches() { printf '%s' "$1" | grep -Eq "$2"; }

collector='' token=${VIGIL_ENROLL_TOKEN:-} token_file='' name='' binary='' sha=''
no_service=0 uninstall=0 keep_state=0 reenroll=0 print_plist=0
while [ $# -gt 0 ]; do
  case $1 in
    --no-service) no_service=1 ;;
    --uninstall) uninstall=1 ;;
    --keep-state) keep_state=1 ;;
    --reenroll) reenroll=1 ;;
    --print-plist) print_plist=1 ;;
    -h | --help) sed -n '2,9p' "$0" 2>/dev/null || true; echo 'options: --collector URL --token T|--token-file F [--name N] [--binary PATH] [--sha256 HEX] [--no-service] [--reenroll] | --uninstall [--keep-state]'; exit 0 ;;
    --collector | --token | --token-file | --name | --binary | --sha256)
      [ $# -ge 2 ] || die USAGE "$1 needs a value" 2
      case $1 in
        --collector) collector=${2%/} ;; --token) token=$2 ;; --token-file) token_file=$2 ;;
        --name) name=$2 ;; --binary) binary=$2 ;; --sha256) sha=$2 ;;
      esac
      shift ;;
    *) die USAGE "unknown argument: $1 (--help lists them)" 2 ;;
  esac
  shift
done
ROOT=${VIGIL_INSTALL_ROOT:-}
[ -z "$ROOT" ] || case $ROOT in /*) [ "$no_service" = 1 ] || [ "$print_plist" = 1 ] || die USAGE "VIGIL_INSTALL_ROOT needs --no-service" 2 ;; *) die USAGE "VIGIL_INSTALL_ROOT must be an absolute path" 2 ;; esac
LABEL=com.vigil.agent PREFIX=$ROOT/Library/Vigil LOGS=$ROOT/Library/Logs/Vigil
BIN=$PREFIX/bin/vigil-agent CONF=$PREFIX/agent.yaml STATE=$PREFIX/state
PLIST=$ROOT/Library/LaunchDaemons/$LABEL.plist ROTATE=$ROOT/etc/newsyslog.d/vigil-agent.conf

plist() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by install/macos/install-agent.sh to /Library/LaunchDaemons; run it again to update. -->
<!-- Runs as root: macOS grants raw ICMP sockets to root only, and has no per-capability grant. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>$LABEL</string>
  <key>ProgramArguments</key>
  <array>
    <string>$BIN</string>
    <string>run</string>
    <string>--config</string>
    <string>$CONF</string>
  </array>
  <key>WorkingDirectory</key>
  <string>$PREFIX</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <true/>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>ProcessType</key>
  <string>Background</string>
  <key>Umask</key>
  <integer>63</integer>
  <key>StandardOutPath</key>
  <string>$LOGS/agent.log</string>
  <key>StandardErrorPath</key>
  <string>$LOGS/agent.log</string>
</dict>
</plist>
EOF
}
if [ "$print_plist" = 1 ]; then plist; exit 0; fi

[ "$(id -u)" = 0 ] || die ROOT "run it as root: … | sudo sh -s -- --collector URL --token T"
[ "$(uname -s)" = Darwin ] || [ -n "$ROOT" ] || die OS "this installer is for macOS; Linux: install/agent-install.sh (GET /install.sh)"
case $(uname -m) in x86_64) arch=x64 ;; arm64 | aarch64) arch=arm64 ;; *) die ARCH "no agent build for $(uname -m)" ;; esac
abs() { case $1 in '' | /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
binary=$(abs "$binary") token_file=$(abs "$token_file") # absolute before the cd below
cd /
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
loaded() { [ "$no_service" = 0 ] && launchctl print "system/$LABEL" >/dev/null 2>&1; }
unload() {
  launchctl bootout "system/$LABEL" 2>/dev/null || true
  i=0 # bootout returns before the job is gone; bootstrap fails until it is
  while launchctl print "system/$LABEL" >/dev/null 2>&1 && [ $i -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
}
# numeric owner: root's group is wheel here and root on Linux (where the tests run it under a root dir)
mode_of() { stat -c '%a %u:%g' "$1" 2>/dev/null || stat -f '%Lp %u:%g' "$1"; }
ensure_dir() {
  if [ ! -d "$1" ]; then mkdir -p "$1" && chmod "$2" "$1" && chown 0:0 "$1"; did "created $1"
  elif [ "$(mode_of "$1")" != "$2 0:0" ]; then chmod "$2" "$1" && chown 0:0 "$1"; did "set $1 to $2 root"; fi
}
put() { # SRC DEST MODE: replaced only when the bytes differ
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    [ "$(mode_of "$2")" = "$3 0:0" ] || { chmod "$3" "$2"; chown 0:0 "$2"; did "set $2 to $3 root"; }
    return 0
  fi
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.new" && chmod "$3" "$2.new" && chown 0:0 "$2.new" && mv -f "$2.new" "$2"
  did "installed $2"
}
sha256_of() { if have shasum; then shasum -a 256 "$1" | cut -d' ' -f1; else sha256sum "$1" | cut -d' ' -f1; fi; }
json_field() { sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -n 1; }

if [ "$uninstall" = 1 ]; then
  if loaded; then unload; did "stopped $LABEL"; fi
  for f in "$PLIST" "$ROTATE" "$BIN" "$CONF"; do [ ! -f "$f" ] || { rm -f "$f"; did "removed $f"; }; done
  rm -rf "${PREFIX:?}/bin" "$LOGS"
  if [ "$keep_state" = 1 ]; then say "kept $STATE (the agent's identity and spool): a new install takes it over"
  elif [ -d "$PREFIX" ]; then rm -rf "$PREFIX"; did "removed $PREFIX"; fi
  say "uninstalled ($changes changes)"
  exit 0
fi

matches "$collector" '^https?://[A-Za-z0-9.:_~%@+=,/-]{1,500}$' || die USAGE "--collector must be an http(s) URL, e.g. https://collector.example:8460" 2
[ -z "$name" ] || matches "$name" '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' || die USAGE "--name: letters, digits, . _ - (at most 63)" 2
[ -z "$sha" ] || matches "$sha" '^[0-9a-f]{64}$' || die USAGE "--sha256 must be 64 lowercase hex digits" 2
enroll=1
if [ -f "$STATE/agent.json" ] && [ "$reenroll" = 0 ]; then enroll=0; fi
[ -z "$token_file" ] || { [ -r "$token_file" ] || die USAGE "cannot read --token-file $token_file" 2; token=$(head -c 512 "$token_file" | tr -d ' \r\n'); }
if [ "$enroll" = 1 ]; then
  [ -n "$token" ] || die USAGE "an enrollment token is needed: --token T, --token-file F or VIGIL_ENROLL_TOKEN" 2
  matches "$token" '^[A-Za-z0-9_-]{8,256}$' || die USAGE "the enrollment token has characters a token never has" 2
fi
if [ -n "$binary" ]; then
  [ -f "$binary" ] || die BINARY "$binary does not exist"
  cp "$binary" "$work/vigil-agent"
else
  url=$collector/downloads/vigil-agent-darwin-$arch
  curl -fsSL --proto '=https,http' --connect-timeout 15 --max-time 900 --max-filesize 536870912 -o "$work/vigil-agent" "$url" ||
    die DOWNLOAD "could not download $url (is the collector serving agent builds? README, Installing agents)"
  if [ -z "$sha" ]; then
    curl -fsSL --proto '=https,http' --max-time 60 -o "$work/sum" "$url.sha256" || die DOWNLOAD "could not download $url.sha256"
    sha=$(cut -d' ' -f1 "$work/sum")
  fi
fi
got=$(sha256_of "$work/vigil-agent")
[ -z "$sha" ] || [ "$got" = "$sha" ] || die CHECKSUM "the binary's SHA-256 is $got, expected $sha: not installed"

ensure_dir "$PREFIX" 755
ensure_dir "$PREFIX/bin" 755
ensure_dir "$STATE" 700
ensure_dir "$LOGS" 750
put "$work/vigil-agent" "$BIN" 755
version=$("$BIN" --version 2>&1) || die BINARY "$BIN does not run here: $version (a build for another CPU, or unsigned on Apple silicon: codesign --sign - $BIN)"
if [ ! -f "$CONF" ]; then
  printf '# Written by install-agent.sh once; yours from now on. Every key: README, "Agent config".\n# The checks come from the collector (config: central); config: local and checks: for a site managed by hand.\ncollector: { url: "%s", config: central }\nstateDir: %s\nhost: { enabled: true }\n' "$collector" "$STATE" >"$work/agent.yaml"
  put "$work/agent.yaml" "$CONF" 600
fi

if [ "$enroll" = 0 ]; then
  say "already enrolled as $(json_field agentId "$STATE/agent.json") (--reenroll to enroll again)"
else
  "$BIN" enroll --collector "$collector" --token "$token" --state-dir "$STATE" ${name:+--name "$name"} >"$work/enroll" 2>&1 ||
    die ENROLL "$(sed "s/$token/<token>/g" "$work/enroll" | tail -n 5)"
  chmod 600 "$STATE/agent.json"
  did "enrolled as $(json_field agentId "$STATE/agent.json")"
fi

plist >"$work/plist"
put "$work/plist" "$PLIST" 644
printf '# logfilename  mode count size(KB) when flags\n%s/agent.log  640  5  10240  *  J\n' "$LOGS" >"$work/rotate"
put "$work/rotate" "$ROTATE" 644
if [ "$no_service" = 0 ]; then
  if loaded && [ "$changes" != 0 ]; then unload; fi
  launchctl enable "system/$LABEL" # a disabled label cannot be bootstrapped
  if ! loaded; then launchctl bootstrap system "$PLIST" || die SERVICE "launchctl bootstrap system $PLIST failed"; did "started $LABEL"; fi
fi

say "agent $(json_field agentId "$STATE/agent.json") (client $(json_field clientId "$STATE/agent.json"), site $(json_field siteId "$STATE/agent.json")), $version, reporting to $collector"
if [ "$no_service" = 1 ]; then say "not started (--no-service): sudo launchctl bootstrap system $PLIST"
else say "check it:  sudo launchctl print system/$LABEL; tail -f $LOGS/agent.log"; fi
say "try the checks once: sudo $BIN run-once --config $CONF   (the checks: $CONF)"
if [ "$changes" = 0 ]; then say "up to date: nothing changed"; else say "done ($changes changes)"; fi
