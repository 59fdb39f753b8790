#!/usr/bin/env bash
# Notifier throughput: webhook notifications/s with limits lifted, rendered (JSON + Standard
# Webhooks HMAC signature) and sent through CurlSender (libcurl multi, keep-alive) to the
# loopback webhook receiver (tests/support/receivers.*, Beast server), which verifies every
# signature, timestamp and payload. Target: >= 5,000 notifications/s. Writes
# bench/results/notify.txt.
#
#   cmake -S . -B build/h-notify-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/h-notify-rel --target notify_webhook_benchmark
#   bench/notify/run.sh [build-dir]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/h-notify-rel}
BIN=$BUILD/bench/notify/notify_webhook_benchmark
OUT=$ROOT/bench/results/notify.txt
N=${N:-50000}

if [[ ! -x $BIN ]]; then
  echo "missing $BIN; build it in Release first (see the header of this script)" >&2
  exit 2
fi

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
for cfg in "1 1" "16 2000" "64 2000" "256 2000"; do
  set -- $cfg
  "$BIN" --n "$N" --in-flight "$1" --batch "$2" --io-threads 4 | tee -a "$TMP" >&2
done

mkdir -p "$(dirname "$OUT")"
{
  echo "# Notifier webhook benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo "# machine: $(nproc) cores, $(uname -r); $(curl --version | head -1 | cut -d' ' -f1-2)"
  echo "# commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); build: $BUILD"
  echo "# render (v4 JSON + HMAC-SHA256 signature) + send via CurlSender (curl multi, keep-alive) to"
  echo "# the loopback receiver (Beast, 4 io threads) which verifies signature, timestamp and body;"
  echo "# rate limits lifted; sender and receiver share the machine (one process). latency = per"
  echo "# request (curl, ms). per_cpu_s = notifications per CPU-second of that process (sender +"
  echo "# receiver), independent of other load; load average at start: $LOAD"
  echo
  echo "in_flight batch notifications seconds notifications_per_s per_cpu_s render_us p50_ms p99_ms invalid"
  cat "$TMP"
  echo
  echo "target: >= 5000 notifications/s"
} > "$OUT"
cat "$OUT"
