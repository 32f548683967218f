#!/usr/bin/env bash
# Installs what Millwright needs on Debian 12: the Debian packages (apt-get, as root or through
# sudo) and the npm packages of web/ and of the test peers when those folders exist.
# Idempotent: skips what is there and says what it installed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ clang libclang-rt-14-dev cmake ninja-build pkg-config make git clang-format clang-tidy
  # libraries
  libboost-dev libssl-dev libsqlite3-dev libmosquitto-dev libtomlplusplus-dev nlohmann-json3-dev
  libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev mosquitto mosquitto-clients python3 python3-paho-mqtt
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  echo "install-deps: installed ${#missing[@]} Debian package(s)"
else
  echo "install-deps: all ${#packages[@]} Debian packages present"
fi

# npm packages, for folders that have a package.json (the dashboard, test peers).
for dir in web tests/peers; do
  if [[ -f "$dir/package.json" ]]; then
    if [[ ! -d "$dir/node_modules" || "$dir/package.json" -nt "$dir/node_modules" ]]; then
      echo "install-deps: npm install in $dir"
      if [[ -f "$dir/package-lock.json" ]]; then (cd "$dir" && npm ci --no-audit --no-fund); else (cd "$dir" && npm install --no-audit --no-fund); fi
      touch "$dir/node_modules"
    fi
  fi
done
