#!/usr/bin/env bash
# The production shape on one machine, without Docker: PostgreSQL 15 and Redis 7 on loopback in
# a state directory, then every role as its own process (api, scheduler, two workers, deriver,
# and the notifier when SECPLAT_NOTIFIER_ROUTES_FILE names a routes file),
# each on the real engines. The local equivalent of `docker compose up`.
#
#   bash scripts/split.sh start [DIR]    # DIR default: ./split (created); prints the API URL
#   bash scripts/split.sh status [DIR]   # which recorded processes are alive
#   bash scripts/split.sh stop [DIR]     # stops every recorded process (roles first), by PID
#
# Needs a built binary: build/release/src/cmd/secplat, or SECPLAT_BIN=/path/to/secplat.
# PIDs are recorded in DIR/pids (name pid per line), logs in DIR/logs/<name>.log, the admin
# token in DIR/admin.token and the roles' service token in DIR/service.token (both 0600).
# Ports are random free ports on 127.0.0.1 (SECPLAT_SERVER_PORT pins the API's).
# As root, PostgreSQL runs as the `postgres` user (initdb refuses root), so DIR must be
# reachable by that user: the default ./split under /root is not, so root gets /tmp/secplat-split.
set -euo pipefail

cmd="${1:-}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$(id -u)" -eq 0 ]; then default_dir=/tmp/secplat-split; else default_dir="$ROOT/split"; fi
DIR="$(mkdir -p "${2:-$default_dir}" && cd "${2:-$default_dir}" && pwd)"
BIN="${SECPLAT_BIN:-$ROOT/build/release/src/cmd/secplat}"
PGBIN=/usr/lib/postgresql/15/bin

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

record() { echo "$1 $2" >>"$DIR/pids"; }

wait_for() {  # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2
  shift 2
  for _ in $(seq $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "split: $what did not come up; see $DIR/logs" >&2
  return 1
}

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  [ -x "$BIN" ] || { echo "split: no binary at $BIN (build it or set SECPLAT_BIN)" >&2; exit 2; }
  if [ -s "$DIR/pids" ]; then echo "split: $DIR/pids exists; run stop first" >&2; exit 2; fi
  mkdir -p "$DIR/logs" "$DIR/redis" "$DIR/data"
  chmod 700 "$DIR/data"

  # PostgreSQL: a fresh cluster owned by the postgres user, socket and data in DIR/pg.
  local pg_port redis_port
  pg_port=$(free_port)
  rm -rf "$DIR/pg" && mkdir -p "$DIR/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DIR/pg"; chmod 755 "$DIR"; fi
  as_pg "$PGBIN/initdb" -D "$DIR/pg/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
    >"$DIR/logs/initdb.log" 2>&1
  as_pg "$PGBIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/pg.log" -w \
    -o "-p $pg_port -k $DIR/pg -c listen_addresses=127.0.0.1" start >"$DIR/logs/pg_ctl.log" 2>&1
  record postgres "$(head -1 "$DIR/pg/data/postmaster.pid")"
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE secplat" \
    >>"$DIR/logs/pg_ctl.log" 2>&1

  # Redis with AOF (every write synced), so a restart loses no queued job.
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$DIR/redis" --save '' \
    --appendonly yes --appendfsync always --daemonize no >"$DIR/logs/redis.log" 2>&1 &
  record redis $!
  wait_for redis 10 redis-cli -p "$redis_port" ping

  export SECPLAT_STORAGE_DATA_DIR="$DIR/data"
  export SECPLAT_STORAGE_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/secplat"
  export SECPLAT_QUEUE_URL="redis://127.0.0.1:$redis_port"
  local api_port="${SECPLAT_SERVER_PORT:-$(free_port)}"
  export SECPLAT_SERVER_PORT="$api_port"

  # Tokens straight on the store (operator tool), before anything serves.
  "$BIN" token create --role admin --name split-admin 2>/dev/null >"$DIR/admin.token"
  "$BIN" token create --role service --name split-roles 2>/dev/null >"$DIR/service.token"
  chmod 600 "$DIR/admin.token" "$DIR/service.token"

  "$BIN" api --ready-file "$DIR/api.port" >"$DIR/logs/api.log" 2>&1 &
  record api $!
  wait_for api 20 test -s "$DIR/api.port"

  export SECPLAT_PLATFORM_API_URL="http://127.0.0.1:$api_port"
  SECPLAT_PLATFORM_TOKEN="$(cat "$DIR/service.token")"
  export SECPLAT_PLATFORM_TOKEN
  for role in scheduler worker-1 worker-2 deriver; do
    "$BIN" "${role%-*}" >"$DIR/logs/$role.log" 2>&1 &
    record "$role" $!
  done
  # The notifier needs a routes file (deploy/notifier.example.yaml) and the channels' secrets in
  # the environment; without SECPLAT_NOTIFIER_ROUTES_FILE it is not started.
  if [ -n "${SECPLAT_NOTIFIER_ROUTES_FILE:-}" ]; then
    "$BIN" notifier >"$DIR/logs/notifier.log" 2>&1 &
    record notifier $!
  else
    echo "split: notifier not started (set SECPLAT_NOTIFIER_ROUTES_FILE to a routes file)"
  fi
  {
    echo "SECPLAT_PLATFORM_API_URL=$SECPLAT_PLATFORM_API_URL"
    echo "SECPLAT_STORAGE_DATABASE_URL=$SECPLAT_STORAGE_DATABASE_URL"
    echo "SECPLAT_QUEUE_URL=$SECPLAT_QUEUE_URL"
  } >"$DIR/env"
  echo "split: api on http://127.0.0.1:$api_port (admin token in $DIR/admin.token)"
  echo "split: PostgreSQL :$pg_port, Redis :$redis_port; processes in $DIR/pids, logs in $DIR/logs"
}

status() {
  [ -s "$DIR/pids" ] || { echo "split: nothing recorded in $DIR"; return 0; }
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then echo "$name $pid running"; else echo "$name $pid gone"; fi
  done <"$DIR/pids"
}

stop() {
  [ -s "$DIR/pids" ] || { echo "split: nothing recorded in $DIR"; return 0; }
  # Roles first (newest first), then Redis, then PostgreSQL.
  tac "$DIR/pids" | while read -r name pid; do
    [ "$name" = postgres ] && continue
    kill "$pid" 2>/dev/null || true
  done
  tac "$DIR/pids" | while read -r name pid; do
    [ "$name" = postgres ] && continue
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >>"$DIR/logs/pg_ctl.log" 2>&1 || true
  fi
  : >"$DIR/pids"
  echo "split: stopped"
}

case "$cmd" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
