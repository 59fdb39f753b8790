#!/usr/bin/env bash
# Prober benchmark: CurlProber vs prometheus-blackbox-exporter on the same loopback nginx, side by
# side in one run (HTTP, then fresh-connection HTTPS with an EC P-256 leaf), plus the prober's
# peak RSS at 1,000 checks in flight. Builds nothing: pass a configured Release build dir.
#   cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build/rel probe_bench
#   bash bench/probe/run.sh build/rel [duration_seconds] [in_flight] [wrk_connections] [rounds] \
#       [--threads N] [--handshakes N] [--verify-cache-ttl SECONDS]   (prober options)
# Each side runs `rounds` times, alternating, and the medians are compared (shared machine).
# The prober runs with its defaults (one loop thread per core, 64 TLS handshakes per loop, chain
# verdicts cached 10 s) unless the options after `rounds` say otherwise.
# Needs nginx, prometheus-blackbox-exporter, wrk, curl and openssl (Debian packages).
# Results: bench/results/probe.txt (or $PROBE_RESULTS).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:?usage: run.sh <release build dir> [duration] [in_flight] [wrk_connections]}"
DURATION="${2:-10}"
IN_FLIGHT="${3:-1000}"
WRK_CONNECTIONS="${4:-200}"
ROUNDS="${5:-3}"
EXTRA=("${@:6}")
BIN="$BUILD/bench/probe/probe_bench"
[ -x "$BIN" ] || { echo "missing $BIN (ninja -C $BUILD probe_bench)" >&2; exit 1; }
for tool in /usr/sbin/nginx /usr/bin/prometheus-blackbox-exporter /usr/bin/wrk /usr/bin/curl; do
  [ -x "$tool" ] || { echo "missing $tool" >&2; exit 1; }
done
mkdir -p bench/results
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg); $(/usr/sbin/nginx -v 2>&1); $(curl-config --version 2>/dev/null || true)"
  "$BIN" --duration "$DURATION" --concurrency "$IN_FLIGHT" --wrk-connections "$WRK_CONNECTIONS" --rounds "$ROUNDS" "${EXTRA[@]}"
} | tee "${PROBE_RESULTS:-bench/results/probe.txt}"
