#!/usr/bin/env bash
# Installs what Millwright needs on Debian 12: the Debian packages (apt-get, as root or through
# sudo) and the npm packages of web/ and of the test peers when those folders exist.
# Idempotent: skips what is there and says what it installed.
#
#   scripts/install-deps.sh            what the build, the tests and the demo need
#   scripts/install-deps.sh --bench    and the packages only the benchmarks need (`make bench`):
#                                      InfluxDB 1.6 and VictoriaMetrics, the historian's peers.
# The bench-only packages ship daemons; the benchmark starts its own instances on loopback ports,
# so no service may be left running: while apt-get runs, /usr/sbin/policy-rc.d forbids every
# service start (exit 101), and is put back as it was afterwards, even on failure; a daemon of
# those packages that got started anyway is stopped (and, under systemd, disabled).
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install-deps: unknown option '$arg' (only --bench)" >&2
      exit 2
      ;;
  esac
done

packages=(
  # toolchain
  g++ clang libclang-rt-14-dev cmake ninja-build pkg-config make git clang-format clang-tidy
  # libraries
  libboost-dev libssl-dev libsqlite3-dev libmosquitto-dev libtomlplusplus-dev nlohmann-json3-dev
  libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev libfftw3-dev
  libprotobuf-dev protobuf-compiler libmodbus-dev libxgboost-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev mosquitto mosquitto-clients python3 python3-paho-mqtt
)
# Only for the benchmarks (--bench): the historian's peers. Each comes with a service that must
# not run; see guard_services below. "service:binary" pairs.
bench_packages=(influxdb victoria-metrics python3-sklearn)
bench_daemons=(influxdb:/usr/bin/influxd victoria-metrics:/usr/bin/victoria-metrics)
if ((bench)); then
  packages+=("${bench_packages[@]}")
fi

# --- bench only: no service may start while the bench packages are installed -----------------
# invoke-rc.d and deb-systemd-invoke ask /usr/sbin/policy-rc.d first; exit 101 means "forbidden".
# An existing policy-rc.d (Docker images have one) is moved aside and put back by unguard_services,
# which also runs on any exit (apt-get failure, Ctrl-C). A copy left by an interrupted run is put
# back first.
policy=/usr/sbin/policy-rc.d
policy_saved=/usr/sbin/policy-rc.d.millwright-saved
guarded=0
daemons_before=""

# PIDs of running bench daemons, by executable ("pid:binary" per line).
bench_daemon_pids() {
  local entry exe pid
  for pid in /proc/[0-9]*; do
    exe=$(readlink "$pid/exe" 2>/dev/null) || continue
    for entry in "${bench_daemons[@]}"; do
      [[ "$exe" == "${entry#*:}" ]] && echo "${pid#/proc/}:$exe"
    done
  done
  return 0
}

guard_services() {
  daemons_before=$(bench_daemon_pids)
  if [[ -e "$policy_saved" ]]; then
    $sudo mv -f "$policy_saved" "$policy"
  fi
  if [[ -e "$policy" ]]; then
    $sudo mv -f "$policy" "$policy_saved"
  fi
  guarded=1
  trap unguard_services EXIT
  trap 'exit 130' INT TERM
  printf '#!/bin/sh\n# written by millwright scripts/install-deps.sh --bench while it installs\nexit 101\n' |
    $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
}

unguard_services() {
  ((guarded)) || return 0
  guarded=0
  $sudo rm -f "$policy"
  if [[ -e "$policy_saved" ]]; then
    $sudo mv -f "$policy_saved" "$policy"
  fi
}

# Stops what the packages just installed may have started anyway: under systemd, their units
# (disabled too, so that they do not come back at boot); elsewhere, by PID, only processes of
# those binaries that were not running before the install.
stop_bench_daemons() {
  local entry line pid
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    for entry in "${bench_daemons[@]}"; do
      if systemctl list-unit-files "${entry%%:*}.service" >/dev/null 2>&1; then
        $sudo systemctl disable --now "${entry%%:*}.service" >/dev/null 2>&1 || true
      fi
    done
  fi
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    grep -qxF "$line" <<<"$daemons_before" && continue
    pid=${line%%:*}
    echo "install-deps: stopping ${line#*:} (pid $pid), started by its package"
    $sudo kill -TERM "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [[ -d /proc/$pid ]] || break
      sleep 0.5
    done
    [[ -d /proc/$pid ]] && $sudo kill -KILL "$pid" 2>/dev/null
  done < <(bench_daemon_pids)
  return 0
}

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
  if ((bench)); then guard_services; fi
  if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if ((bench)); then
    unguard_services
    stop_bench_daemons
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
