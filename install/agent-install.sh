#!/bin/sh
# Vigil agent installer for Linux with systemd. POSIX sh (dash); idempotent: a second run changes nothing.
#   curl -fsSL https://COLLECTOR/install.sh | sudo sh -s -- --collector https://COLLECTOR --token vet_…
# Creates the system user, installs the agent in /opt/vigil-agent, writes /etc/vigil/agent.yaml (kept
# once it exists), enrolls (identity in /var/lib/vigil-agent/agent.json, 0600, owned by the user), writes
# and starts the hardened unit /etc/systemd/system/vigil-agent.service. README, "Installing agents".
# VIGIL_INSTALL_ROOT=DIR (tests and packaging): every path, and every path written into the files, lies
# under DIR, so the installed agent runs from there; the system user is still the machine's. Needs --no-service.
set -eu
umask 022
usage() {
  cat <<'EOF'
usage: agent-install.sh --collector URL [--token T | --token-file F] [options]
       agent-install.sh --uninstall [--keep-state] [--user NAME] [--no-service]
  --collector URL    the collector (https://…); the agent binary is downloaded from URL/downloads/
  --token T          enrollment token (`vigil token create`); or --token-file F, or env VIGIL_ENROLL_TOKEN
  --name N           agent name (default: the hostname)
  --binary PATH      install this single-file agent instead of downloading it
  --bundle DIR       install DIR/bin/vigil-agent + DIR/dist/agent (a built checkout) to run on the system node
  --sha256 HEX       the binary's expected SHA-256 (default: URL/downloads/…​.sha256)
  --user NAME        the service user (default vigil-agent)
  --no-service       write the unit but do not enable or start it (systemd not running, images)
  --reenroll         enroll again even though an identity exists
  --uninstall        remove user, program, config, unit and state; --keep-state keeps the state dir
EOF
}
die() { printf 'agent-install: VIGIL_ERR_INSTALL_%s: %s\n' "$1" "$2" >&2; exit "${3:-1}"; }
say() { printf 'agent-install: %s\n' "$*"; }
changes=0
quiet=0
did() { changes=$((changes + 1)); [ "$quiet" = 1 ] || say "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

collector='' token=${VIGIL_ENROLL_TOKEN:-} token_file='' name='' binary='' bundle='' sha='' user=vigil-agent
no_service=0 uninstall=0 keep_state=0 reenroll=0
while [ $# -gt 0 ]; do
  case $1 in
    --no-service) no_service=1 ;;
    --uninstall) uninstall=1 ;;
    --keep-state) keep_state=1 ;;
    --reenroll) reenroll=1 ;;
    -h | --help) usage; exit 0 ;;
    --collector | --token | --token-file | --name | --binary | --bundle | --sha256 | --user)
      [ $# -ge 2 ] || die USAGE "$1 needs a value" 2
      case $1 in
        --collector) collector=${2%/} ;; --token) token=$2 ;; --token-file) token_file=$2 ;; --name) name=$2 ;;
        --binary) binary=$2 ;; --bundle) bundle=${2%/} ;; --sha256) sha=$2 ;; --user) user=$2 ;;
      esac
      shift ;;
    *) usage >&2; die USAGE "unknown argument: $1" 2 ;;
  esac
  shift
done
matches() { printf '%s' "$1" | grep -Eq "$2"; }
if ! matches "$user" '^[a-z_][a-z0-9_-]{0,30}$' || [ "$user" = root ]; then die USAGE "--user must be a plain user name (not root)" 2; fi
ROOT=${VIGIL_INSTALL_ROOT:-}
[ -z "$ROOT" ] || case $ROOT in /*) [ "$no_service" = 1 ] || die USAGE "VIGIL_INSTALL_ROOT needs --no-service" 2 ;; *) die USAGE "VIGIL_INSTALL_ROOT must be an absolute path" 2 ;; esac
PREFIX=$ROOT/opt/vigil-agent BIN=$ROOT/opt/vigil-agent/bin/vigil-agent CONF=$ROOT/etc/vigil/agent.yaml
STATE=$ROOT/var/lib/vigil-agent UNIT=$ROOT/etc/systemd/system/vigil-agent.service
[ "$(id -u)" = 0 ] || die ROOT "run it as root: … | sudo sh -s -- --collector URL --token T"
[ "$(uname -s)" = Linux ] || die OS "this installer is for Linux; macOS: install/macos/install-agent.sh, Windows: install/windows/install-agent.ps1"
case $(uname -m) in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) die ARCH "no agent build for $(uname -m) (linux-x64 and linux-arm64 exist)" ;; esac
systemd_up() { [ -d /run/systemd/system ]; }
[ "$no_service" = 1 ] || systemd_up || die SYSTEMD "systemd is not running here (PID 1: $(cat /proc/1/comm 2>/dev/null)); add --no-service to install without starting the service"
abs() { case $1 in '' | /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
binary=$(abs "$binary") bundle=$(abs "$bundle") token_file=$(abs "$token_file") # absolute before the cd below
cd /
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

user_exists() { getent passwd "$1" >/dev/null 2>&1; }
as_user() {
  if have setpriv; then setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
  elif have runuser; then runuser -u "$user" -- "$@"
  else die TOOL "setpriv or runuser (util-linux) is needed to run the agent as $user"; fi
}
mode_of() { stat -c '%a %U:%G' "$1"; }
# ensure_dir DIR MODE OWNER: created or fixed only where it differs
ensure_dir() {
  if [ ! -d "$1" ]; then
    mkdir -p "$1" && chmod "$2" "$1" && chown "$3" "$1"
    did "created $1 ($2 $3)"
  elif [ "$(mode_of "$1")" != "$2 $3" ]; then
    chmod "$2" "$1" && chown "$3" "$1"
    if [ "$1" = "$STATE" ]; then chown -R "$3" "$1"; fi # a kept state dir of a former install
    did "set $1 to $2 $3"
  fi
}
# put SRC DEST MODE [OWNER]: replaced (atomically) only when the bytes differ
put() {
  o=${4:-root:root}
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    [ "$(mode_of "$2")" = "$3 $o" ] || { chmod "$3" "$2"; chown "$o" "$2"; did "set $2 to $3 $o"; }
    return 0
  fi
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.new" && chmod "$3" "$2.new" && chown "$o" "$2.new" && mv -f "$2.new" "$2"
  did "installed $2"
}
sha256_of() { if have sha256sum; then sha256sum "$1" | cut -d' ' -f1; else openssl dgst -sha256 -r "$1" | cut -d' ' -f1; fi; }
fetch() {
  if have curl; then curl -fsSL --proto '=https,http' --connect-timeout 15 --max-time 900 --max-filesize 536870912 -o "$2" "$1"
  elif have wget; then wget -q -T 30 -O "$2" "$1"
  else die TOOL "curl or wget is needed to download the agent (or pass --binary PATH)"; fi
}
json_field() { sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -n 1; }

if [ "$uninstall" = 1 ]; then
  if [ "$no_service" = 0 ] && systemd_up && [ -f "$UNIT" ]; then systemctl disable --now --quiet vigil-agent.service || true; fi
  [ ! -f "$UNIT" ] || { rm -f "$UNIT"; did "removed $UNIT"; [ "$no_service" = 1 ] || ! systemd_up || systemctl daemon-reload; }
  [ ! -d "$PREFIX" ] || { rm -rf "$PREFIX"; did "removed $PREFIX"; }
  [ ! -f "$CONF" ] || { rm -f "$CONF"; rmdir "$(dirname "$CONF")" 2>/dev/null || true; did "removed $CONF"; }
  if [ "$keep_state" = 1 ]; then say "kept $STATE (the agent's identity and spool): a new install takes it over"
  elif [ -d "$STATE" ]; then rm -rf "$STATE"; did "removed $STATE"; fi
  if user_exists "$user"; then
    if have userdel; then userdel "$user" || die USER "userdel $user failed: stop its processes first"; else deluser "$user"; fi
    did "removed user $user"
  fi
  ! getent group "$user" >/dev/null 2>&1 || groupdel "$user" 2>/dev/null || delgroup "$user" 2>/dev/null || true
  say "uninstalled ($changes changes)"
  exit 0
fi

# 1. the program, verified before anything on the system changes
matches "$collector" '^https?://[A-Za-z0-9.:_~%@+=,/-]{1,500}$' || die USAGE "--collector must be an http(s) URL, e.g. https://collector.example:8460" 2
case $collector in http://127.* | http://localhost* | http://\[::1\]* | https://*) ;; *) say "warning: $collector is plain HTTP: the binary and the token cross the network unencrypted" >&2 ;; esac
[ -z "$name" ] || matches "$name" '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' || die USAGE "--name: letters, digits, . _ - (at most 63)" 2
[ -z "$sha" ] || matches "$sha" '^[0-9a-f]{64}$' || die USAGE "--sha256 must be 64 lowercase hex digits" 2
[ -z "$binary" ] || [ -z "$bundle" ] || die USAGE "--binary and --bundle exclude each other" 2
enroll=1
if [ -f "$STATE/agent.json" ] && [ "$reenroll" = 0 ]; then enroll=0; fi
[ -z "$token_file" ] || { [ -r "$token_file" ] || die USAGE "cannot read --token-file $token_file" 2; token=$(head -c 512 "$token_file" | tr -d ' \r\n'); }
if [ "$enroll" = 1 ]; then
  [ -n "$token" ] || die USAGE "an enrollment token is needed: --token T, --token-file F or VIGIL_ENROLL_TOKEN" 2
  matches "$token" '^[A-Za-z0-9_-]{8,256}$' || die USAGE "the enrollment token has characters a token never has" 2
fi
if [ -n "$bundle" ]; then
  for f in bin/vigil-agent dist/agent/vigil-agent.mjs node_modules/net-ping/index.js node_modules/raw-socket/index.js; do
    [ -f "$bundle/$f" ] || die BUNDLE "$bundle/$f is missing: --bundle takes a checkout after npm ci && npm run build"
  done
  node=$(command -v node) || die NODE "--bundle runs on the system's node, and there is none on PATH: install Node >= 20.19 or use a single-file binary"
  "$node" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' || die NODE "$node is Node $("$node" --version); the agent needs >= 20.19"
else
  if [ -n "$binary" ]; then
    [ -f "$binary" ] || die BINARY "$binary does not exist"
    cp "$binary" "$work/vigil-agent"
  else
    url=$collector/downloads/vigil-agent-linux-$arch
    fetch "$url" "$work/vigil-agent" || die DOWNLOAD "could not download $url (is the collector serving agent builds? see README, Installing agents)"
    if [ -z "$sha" ]; then
      fetch "$url.sha256" "$work/sum" || die DOWNLOAD "could not download $url.sha256"
      sha=$(cut -d' ' -f1 "$work/sum")
    fi
  fi
  got=$(sha256_of "$work/vigil-agent")
  [ -z "$sha" ] || [ "$got" = "$sha" ] || die CHECKSUM "the binary's SHA-256 is $got, expected $sha: not installed"
fi

# 2. the user, the directories, the files
if ! user_exists "$user"; then
  nologin=$(command -v nologin || echo /usr/sbin/nologin)
  if have useradd; then useradd --system --user-group --no-create-home --home-dir "$STATE" --shell "$nologin" "$user"
  else addgroup -S "$user" && adduser -S -D -H -h "$STATE" -s "$nologin" -G "$user" "$user"; fi
  did "created system user $user"
fi
[ "$(id -u "$user")" != 0 ] || die USER "$user has uid 0; pick another --user"
ensure_dir "$PREFIX" 755 root:root
ensure_dir "$PREFIX/bin" 755 root:root
ensure_dir "$(dirname "$CONF")" 755 root:root
ensure_dir "$STATE" 700 "$user:$user"
if [ -n "$bundle" ]; then
  bundle_files() {
    printf '%s\n' bin/vigil-agent dist/agent/vigil-agent.mjs
    for p in net-ping raw-socket systeminformation vigil-agent-native; do
      [ ! -e "$bundle/node_modules/$p" ] || (cd "$bundle" && find -L "node_modules/$p" -type f ! -path '*/example/*' \( -path "*/build/Release/*.node" ! -path '*/obj.target/*' -o ! -path '*/build/*' \( -name '*.js' -o -name '*.cjs' -o -name '*.json' -o -name 'LICENSE*' \) \))
    done
  }
  bundle_files >"$work/files"
  before=$changes quiet=1
  while IFS= read -r f; do
    case $f in bin/*) m=755 ;; *) m=644 ;; esac
    put "$bundle/$f" "$PREFIX/$f" "$m"
  done <"$work/files"
  quiet=0
  [ "$changes" = "$before" ] || say "installed $((changes - before)) of the $(wc -l <"$work/files") files of $bundle in $PREFIX"
  env_line="Environment=VIGIL_NODE=$node
"
else
  put "$work/vigil-agent" "$BIN" 755
  for d in "$PREFIX/dist" "$PREFIX/node_modules"; do [ ! -d "$d" ] || { rm -rf "$d"; did "removed $d (was a --bundle install)"; }; done
  # a Node SEA takes no node flags on its command line: the heap and malloc settings of bin/vigil-agent
  # come from the environment (docs/agent-footprint.md, "The single-file agent")
  env_line='Environment=MALLOC_ARENA_MAX=2
Environment=GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65537
Environment="NODE_OPTIONS=--max-semi-space-size=1 --max-old-space-size=64"
'
fi
version=$(as_user "$BIN" --version 2>&1) || die BINARY "$BIN does not run on this machine: $version"
if [ -f "$CONF" ]; then
  cur=$(sed -n 's/^collector: *{ *url: *"\([^"]*\)".*/\1/p' "$CONF")
  [ "$cur" = "$collector" ] || say "warning: kept $CONF as it is, and it names the collector '$cur', not $collector" >&2
else
  cat >"$work/agent.yaml" <<EOF
# Written by agent-install.sh once; yours from now on (the installer never rewrites it).
# Every key: README, "Agent config". Check it: $BIN check-config -c $CONF
# The checks come from the collector (README, "Central configuration and the fleet"); for a site
# managed by hand, set config: local and list them under checks:.
collector: { url: "$collector", config: central }
stateDir: $STATE
host: { enabled: true }
EOF
  put "$work/agent.yaml" "$CONF" 640 "root:$user"
fi

# 3. the identity: enrolled once, as the service user (the token is never printed)
if [ "$enroll" = 0 ]; then
  say "already enrolled as $(json_field agentId "$STATE/agent.json") (--reenroll to enroll again)"
else
  # the token goes in the environment, not on a command line other local users can read in ps
  export VIGIL_ENROLL_TOKEN="$token"
  if ! as_user "$BIN" enroll --collector "$collector" --state-dir "$STATE" ${name:+--name "$name"} >"$work/enroll" 2>&1; then
    die ENROLL "$(sed "s/$token/<token>/g" "$work/enroll" | tail -n 5)"
  fi
  unset VIGIL_ENROLL_TOKEN
  chmod 600 "$STATE/agent.json" && chown "$user:$user" "$STATE/agent.json"
  did "enrolled as $(json_field agentId "$STATE/agent.json")"
fi

# 4. the unit (install/systemd/vigil-agent.service is this text with the default paths)
cat >"$work/unit" <<EOF
# Written by install/agent-install.sh; run it again to update. Checks: $CONF
[Unit]
Description=Vigil site agent (SLA probes)
Documentation=https://github.com/vigil/vigil#readme
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$user
Group=$user
${env_line}ExecStartPre=$BIN check-config --config $CONF
ExecStart=$BIN run --config $CONF
Restart=always
RestartSec=5
StateDirectory=vigil-agent
StateDirectoryMode=0700
UMask=0077
# ICMP probes need raw sockets: that one capability, nothing else.
AmbientCapabilities=CAP_NET_RAW
CapabilityBoundingSet=CAP_NET_RAW
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
PrivateMounts=yes
RemoveIPC=yes
ProtectProc=invisible
LockPersonality=yes
SystemCallArchitectures=native
# AF_NETLINK: the host metrics list the network interfaces. No MemoryDenyWriteExecute: V8 compiles code.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
MemoryMax=128M

[Install]
WantedBy=multi-user.target
EOF
before=$changes
put "$work/unit" "$UNIT" 644
if [ "$no_service" = 0 ]; then
  [ "$changes" = "$before" ] || systemctl daemon-reload
  systemctl is-enabled --quiet vigil-agent.service || { systemctl enable --quiet vigil-agent.service; did "enabled vigil-agent.service"; }
  if ! systemctl is-active --quiet vigil-agent.service; then systemctl start vigil-agent.service; did "started vigil-agent.service"
  elif [ "$changes" != 0 ]; then systemctl restart vigil-agent.service; did "restarted vigil-agent.service"; fi
fi

id=$(json_field agentId "$STATE/agent.json")
run_as="setpriv --reuid=$user --regid=$user --init-groups --inh-caps=+net_raw --ambient-caps=+net_raw"
say "agent $id (client $(json_field clientId "$STATE/agent.json"), site $(json_field siteId "$STATE/agent.json")), $version, reporting to $collector"
if [ "$no_service" = 0 ]; then
  say "check it:  systemctl status vigil-agent; journalctl -u vigil-agent -f"
else
  say "not started (--no-service); to run it as the unit would: $run_as $BIN run --config $CONF"
fi
say "try the checks once: $run_as $BIN run-once --config $CONF   (the checks: $CONF)"
if [ "$changes" = 0 ]; then say "up to date: nothing changed"; else say "done ($changes changes)"; fi
