#!/usr/bin/env bash
# PgStore benchmark: starts its own PostgreSQL 15 on loopback in a temp dir (initdb as the
# postgres user when root; fsync=off, as in the tests), runs pg_store_benchmark against a fresh
# database over TCP, and writes bench/results/postgres.txt.
#
#   cmake -S . -B build/h-pg-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DSECPLAT_BUILD_TESTS=OFF
#   cmake --build build/h-pg-rel --target pg_store_benchmark
#   bench/postgres/run.sh [build-dir]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/h-pg-rel}
BIN=$BUILD/bench/postgres/pg_store_benchmark
OUT=$ROOT/bench/results/postgres.txt
PGBIN=/usr/lib/postgresql/15/bin
BATCHES=${BATCHES:-50}
BATCH_SIZE=${BATCH_SIZE:-1000}
SINGLES=${SINGLES:-5000}
THREADS=${THREADS:-8}

if [[ ! -x $BIN ]]; then
  echo "missing $BIN; build it in Release first (see the header of this script)" >&2
  exit 2
fi
if [[ ! -x $PGBIN/postgres ]]; then
  echo "PostgreSQL 15 is not installed ($PGBIN)" >&2
  exit 2
fi

# As root, initdb and postgres run as the postgres user in a dir it owns (not under /root).
TMP=$(mktemp -d /tmp/secplat-pgbench-XXXXXX)
AS=()
if [[ $(id -u) == 0 ]]; then
  chown postgres: "$TMP"
  AS=(runuser -u postgres --)
fi
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${AS[@]}" "$PGBIN/initdb" -D "$TMP/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
  >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; exit 1; }
"${AS[@]}" "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/pg.log" -w \
  -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
  start >/dev/null
PG_PID=$(head -1 "$TMP/data/postmaster.pid")
cleanup() {
  kill -INT "$PG_PID" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.05; done
  rm -rf "$TMP"
}
trap cleanup EXIT
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc 'CREATE DATABASE bench' >/dev/null
URL=postgres://postgres@127.0.0.1:$PORT/bench

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
RESULT=$("$BIN" --url "$URL" --batches "$BATCHES" --batch-size "$BATCH_SIZE" --singles "$SINGLES" \
  --threads "$THREADS")
{
  echo "# PgStore benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo "# machine: $(nproc) cores, $(uname -r); $("$PGBIN/postgres" --version)"
  echo "# load average before the run: $LOAD (figures from a busy machine understate the store)"
  echo "# commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); build: $BUILD"
  echo "# server: loopback TCP, fsync=off, full_page_writes=off, defaults otherwise; one fresh database"
  echo "# every call is one transaction with its audit row; batch = $BATCH_SIZE findings per UpsertFindings"
  echo
  echo "$RESULT"
} | tee "$OUT"
