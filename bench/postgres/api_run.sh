#!/usr/bin/env bash
# The findings batch route on PostgreSQL, through the API: `secplat api` (release build) on a
# PostgreSQL 15 started in a temp dir (initdb as the postgres user when root, as in
# scripts/split.sh and bench/postgres/run.sh), driven by wrk on loopback with bench/api/batch.lua
# (1000 new findings per POST /api/v1/findings/batch) at several connection counts. Reports
# req/s, findings/s and p50/p99 per run, checks that the findings table holds every finding the
# responses acknowledged, and writes bench/results/api-postgres.txt.
#
#   cmake --preset release && cmake --build --preset release --target secplat
#   bash bench/postgres/api_run.sh [duration_seconds]       # default 10
#
# Environment: SECPLAT_BIN (default build/release/src/cmd/secplat), CONNECTIONS (default
# "4 16 64"), FSYNC=on to run PostgreSQL with fsync and full_page_writes on (default off, as
# the store benchmark and the tests run it), OUT (default bench/results/api-postgres.txt).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DURATION=${1:-10}
CONNECTIONS=${CONNECTIONS:-4 16 64}
FSYNC=${FSYNC:-off}
BIN=${SECPLAT_BIN:-$ROOT/build/release/src/cmd/secplat}
PGBIN=/usr/lib/postgresql/15/bin
OUT=${OUT:-$ROOT/bench/results/api-postgres.txt}

if [[ ! -x $BIN ]]; then
  echo "missing $BIN; build it first (see the header of this script) or set SECPLAT_BIN" >&2
  exit 2
fi
[[ -x $PGBIN/postgres ]] || { echo "PostgreSQL 15 is not installed ($PGBIN)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

TMP=$(mktemp -d /tmp/secplat-pgapi-bench-XXXXXX)
AS=()
if [[ $(id -u) == 0 ]]; then
  chown postgres: "$TMP"
  chmod 755 "$TMP"
  AS=(runuser -u postgres --)
fi
API_PID=""
PG_PID=""
cleanup() {
  if [[ -n $API_PID ]]; then kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; fi
  if [[ -n $PG_PID ]]; then
    kill -INT "$PG_PID" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

PG_PORT=$(free_port)
"${AS[@]}" "$PGBIN/initdb" -D "$TMP/pgdata" -U postgres -A trust -E UTF8 --no-locale --no-sync \
  >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; exit 1; }
"${AS[@]}" "$PGBIN/pg_ctl" -D "$TMP/pgdata" -l "$TMP/pg.log" -w \
  -o "-p $PG_PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=$FSYNC -c full_page_writes=$FSYNC" \
  start >/dev/null
PG_PID=$(head -1 "$TMP/pgdata/postmaster.pid")
psql_q() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -qAtc "$2"; }
psql_q postgres 'CREATE DATABASE secplat' >/dev/null

mkdir -p "$TMP/data"
export SECPLAT_STORAGE_DATA_DIR="$TMP/data" SECPLAT_SERVER_PORT=0 SECPLAT_LOG_LEVEL=warn
export SECPLAT_STORAGE_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/secplat"
ADMIN=$("$BIN" token create --role admin --name bench-admin 2>/dev/null)
SERVICE=$("$BIN" token create --role service --name bench-service 2>/dev/null)
"$BIN" api --ready-file "$TMP/port" >"$TMP/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 200); do [[ -s $TMP/port ]] && break; sleep 0.05; done
[[ -s $TMP/port ]] || { echo "api did not start:" >&2; cat "$TMP/api.log" >&2; exit 1; }
URL="http://127.0.0.1:$(cat "$TMP/port")"
curl -sf -o /dev/null -X POST "$URL/api/v1/assets" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"asset_key":"bench-1","kind":"web","url":"https://bench.test/"}'

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# secplat api on PostgreSQL: findings batch route ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $("$PGBIN/postgres" --version)"
  echo "# load average before the run: $LOAD (api, PostgreSQL and wrk share the machine)"
  echo "# commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) (+ working tree); binary: $BIN"
  echo "# PostgreSQL: loopback TCP, fsync=$FSYNC, full_page_writes=$FSYNC, defaults otherwise; api: default config (4 io threads, pool of 8)"
  echo "# wrk -t1 -d${DURATION}s --timeout 60s -s bench/api/batch.lua: 1000 new findings per request (new keys in every run), one transaction each"
  printf "%-22s %10s %12s %10s %10s\n" scenario "req/s" "findings/s" p50 p99
} >"$OUT"

total_requests=0
for c in $CONNECTIONS; do
  res=$(SECPLAT_BENCH_TOKEN="$SERVICE" SECPLAT_BENCH_RUN="c$c-" wrk -t1 -c"$c" -d"${DURATION}s" --timeout 60s --latency \
        -s bench/api/batch.lua "$URL" 2>&1)
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  requests=$(echo "$res" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$res" | awk '/Non-2xx/ {print $NF}')
  errors=$(echo "$res" | awk '/Socket errors/')
  if [[ -n $non2xx || -n $errors ]]; then
    echo "batch c=$c: ${non2xx:-0} non-2xx responses; $errors" >&2; echo "$res" >&2; exit 1
  fi
  total_requests=$((total_requests + requests))
  fps=$(awk -v r="$rps" 'BEGIN {printf "%.0f", r * 1000}')
  printf "%-22s %10s %12s %10s %10s\n" "batch_1000 c=$c" "$rps" "$fps" "$p50" "$p99" | tee -a "$OUT"
done

# Every acknowledged finding is a row (wrk may cut off requests still in flight at the end,
# which the server may still have committed: rows >= acknowledged).
rows=$(psql_q secplat 'SELECT count(*) FROM findings')
echo "# findings rows after the runs: $rows (acknowledged by 2xx responses: $((total_requests * 1000)))" \
  | tee -a "$OUT"
if (( rows < total_requests * 1000 )); then
  echo "fewer rows than acknowledged findings" >&2
  exit 1
fi
echo "results written to $OUT"
