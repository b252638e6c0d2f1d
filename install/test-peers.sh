#!/usr/bin/env bash
# Installs the real test peers from Debian, only what is missing. Idempotent; starts no service.
set -euo pipefail
declare -A pkg_of=(
  [prometheus]=prometheus [promtool]=prometheus [victoria-metrics]=victoria-metrics
  [kamailio]=kamailio [sipsak]=sipsak [chromium]=chromium
  [pdftotext]=poppler-utils [pdftoppm]=poppler-utils
  [prometheus-blackbox-exporter]=prometheus-blackbox-exporter
  [prometheus-alertmanager]=prometheus-alertmanager
  [prometheus-node-exporter]=prometheus-node-exporter
  [openssl]=openssl [ip]=iproute2 [nats-server]=nats-server
  [systemd-analyze]=systemd [shellcheck]=shellcheck
)
# Peers whose binary is not on PATH, checked by absolute path (tests/helpers/postgres.ts starts this one).
declare -A pkg_of_path=(
  [/usr/lib/postgresql/15/bin/postgres]=postgresql
)
missing=()
for bin in "${!pkg_of[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${pkg_of[$bin]}")
done
for path in "${!pkg_of_path[@]}"; do
  [ -x "$path" ] || missing+=("${pkg_of_path[$path]}")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test-peers: all present"
  exit 0
fi
mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "test-peers: missing ${pkgs[*]}; run as root (apt-get install) or install sudo" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
# Debian's packages may enable their services on install; tests start their own copies on loopback.
for svc in prometheus prometheus-node-exporter prometheus-alertmanager prometheus-blackbox-exporter kamailio postgresql nats-server; do
  $SUDO systemctl stop "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
echo "test-peers: installed ${pkgs[*]}"
