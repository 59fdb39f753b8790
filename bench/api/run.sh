#!/usr/bin/env bash
# API ingestion benchmark: secplat api (release build, SQLite in a temp dir) driven by wrk on
# loopback with 64 connections. Reports req/s, findings/s and p50/p99 for the HTTP layer alone
# (/healthz), an authenticated read (/api/v1/me), single upserts (new keys and repeated keys),
# the batch route (1000 findings per request) and a list query.
#   bash bench/api/run.sh [duration_seconds]     # default 10
# Results: bench/results/api.txt (copied into docs/benchmarks.md by hand, with the date).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"
CONNECTIONS=64

bash scripts/install-deps.sh >/dev/null
cmake --preset release -DSECPLAT_BUILD_TESTS=OFF -DSECPLAT_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset release -j"$(nproc)" --target secplat >/dev/null
BIN="$PWD/build/release/src/cmd/secplat"

WORK="$(mktemp -d /tmp/secplat-bench-api-XXXXXX)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

export SECPLAT_STORAGE_DATA_DIR="$WORK/data" SECPLAT_SERVER_PORT=0 SECPLAT_LOG_LEVEL=warn
ADMIN=$("$BIN" token create --role admin --name bench-admin 2>/dev/null)
SERVICE=$("$BIN" token create --role service --name bench-service 2>/dev/null)
"$BIN" api --ready-file "$WORK/port" >"$WORK/api.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$PORT"
curl -sf -o /dev/null -X POST "$URL/api/v1/assets" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"asset_key":"bench-1","kind":"web","url":"https://bench.test/"}'

OUT="bench/results/api.txt"
{
  echo "# secplat api benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores; wrk -t1 -c$CONNECTIONS -d${DURATION}s"
  echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  printf "%-22s %12s %14s %10s %10s\n" scenario "req/s" "findings/s" p50 p99
} >"$OUT"

run() {  # name script findings_per_request
  local name=$1 script=$2 per=$3
  local res
  res=$(SECPLAT_BENCH_TOKEN="$SERVICE" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s "bench/api/$script" "$URL" 2>&1)
  local rps p50 p99 non2xx
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$res" | awk '/Non-2xx/ {print $NF}')
  if [ -n "$non2xx" ]; then echo "$name: $non2xx non-2xx responses" >&2; echo "$res" >&2; exit 1; fi
  local fps
  fps=$(awk -v r="$rps" -v p="$per" 'BEGIN {printf "%.0f", r * p}')
  printf "%-22s %12s %14s %10s %10s\n" "$name" "$rps" "$fps" "$p50" "$p99" | tee -a "$OUT"
}

run healthz healthz.lua 0
run authenticated_me me.lua 0
run upsert_new_key upsert_new.lua 1
run upsert_repeated_key upsert_repeat.lua 1
run batch_1000 batch.lua 1000
run list_100 list.lua 0
echo "results written to $OUT"
