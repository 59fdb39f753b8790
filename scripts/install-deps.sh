#!/usr/bin/env bash
# Installs every Debian package that building, testing and running SecPlat needs.
# Idempotent: packages already present are left alone. Run as root (or with sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake ninja-build pkg-config git clang-format
  # libraries (see docs/architecture.md for which adapter uses which)
  libboost-dev libcurl4-openssl-dev libssl-dev libhiredis-dev libpqxx-dev libpq-dev
  libsqlite3-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  prometheus-cpp-dev libsodium-dev libgtest-dev libgmock-dev libbenchmark-dev
  # servers and tools the tests and benchmarks start on loopback
  redis-server postgresql nginx openssl curl wrk prometheus python3 python3-jsonschema
  sslscan prometheus-blackbox-exporter testssl.sh
  procps iproute2
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts these services on install on some images; the project starts its own on
# loopback with random ports, so stop any system instance that came up.
for svc in redis-server postgresql nginx prometheus prometheus-blackbox-exporter; do
  $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
  $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
done
echo "install-deps: done"
