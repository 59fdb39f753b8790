#!/usr/bin/env bash
# Job queue benchmark, side by side in one run: SecPlat's queue on Redis Streams and on the
# embedded SQLite backend (1 and 4 consumers), then Celery and RQ with an empty job against the
# same redis-server (Debian's python3-celery / python3-rq via /usr/bin/python3), and the ratios.
# Writes bench/results/jobqueue.txt.
#
#   cmake -S . -B build/h-queue-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DSECPLAT_BUILD_TESTS=OFF
#   cmake --build build/h-queue-rel --target jobqueue_queue_benchmark
#   bench/jobqueue/run.sh [build-dir]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/h-queue-rel}
BIN=$BUILD/bench/jobqueue/jobqueue_queue_benchmark
OUT=$ROOT/bench/results/jobqueue.txt
PY=/usr/bin/python3
JOBS_REDIS=${JOBS_REDIS:-200000}
JOBS_EMBEDDED=${JOBS_EMBEDDED:-100000}
CELERY_JOBS=${CELERY_JOBS:-3000}
RQ_JOBS=${RQ_JOBS:-300}
RQ_SIMPLE_JOBS=${RQ_SIMPLE_JOBS:-1000}

if [[ ! -x $BIN ]]; then
  echo "missing $BIN; build it in Release first (see the header of this script)" >&2
  exit 2
fi
if ! $PY -c 'import celery, rq, redis' 2>/dev/null; then
  echo "installing python3-celery python3-rq" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y python3-celery python3-rq >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-celery python3-rq >/dev/null; }
fi

TMP=$(mktemp -d)
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Started directly (not in a subshell), so $! is the PID of the listening redis-server.
/usr/bin/redis-server --port "$PORT" --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly no \
  --daemonize no --logfile "$TMP/redis.log" &
REDIS_PID=$!
cleanup() {
  kill "$REDIS_PID" 2>/dev/null || true
  wait "$REDIS_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
for _ in $(seq 100); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.05
done
URL=redis://127.0.0.1:$PORT
export BENCH_REDIS_URL=$URL

echo "== secplat job queue (publish -> consume -> ack)" >&2
"$BIN" --redis-url "$URL" --dir "$TMP/embedded" --jobs-redis "$JOBS_REDIS" \
  --jobs-embedded "$JOBS_EMBEDDED" | tee "$TMP/ours.txt" >&2
redis-cli -p "$PORT" flushall >/dev/null

echo "== Celery $($PY -c 'import celery; print(celery.__version__)') / RQ $($PY -c 'import rq; print(rq.__version__)')" >&2
CELERY1=$($PY "$ROOT/bench/jobqueue/peer_bench.py" celery "$CELERY_JOBS" 1)
CELERY4=$($PY "$ROOT/bench/jobqueue/peer_bench.py" celery "$CELERY_JOBS" 4)
RQFORK=$($PY "$ROOT/bench/jobqueue/peer_bench.py" rq "$RQ_JOBS" fork)
RQSIMPLE=$($PY "$ROOT/bench/jobqueue/peer_bench.py" rq "$RQ_SIMPLE_JOBS" simple)

rate() { awk -v b="$1" -v c="$2" '$1 == b && $2 == c { print $4 }' "$TMP/ours.txt"; }
R1=$(rate redis 1); R4=$(rate redis 4); E1=$(rate embedded 1); E4=$(rate embedded 4)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0fx", a / b; else print "n/a" }'; }

mkdir -p "$(dirname "$OUT")"
{
  echo "# Job queue benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo "# machine: $(nproc) cores, $(uname -r); $(/usr/bin/redis-server --version | cut -d' ' -f1-3)"
  echo "# commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); build: $BUILD"
  echo "# end to end publish -> consume -> ack; 'saturated' = publisher and consumers flat out"
  echo "# (latency includes queueing); 'paced' = 1,000 single publishes/s. Consumers are separate"
  echo "# clients (own connections, consumer names) in one process; batch 64, concurrency 1 each."
  echo
  cat "$TMP/ours.txt"
  echo
  echo "peer                               jobs/s"
  printf "celery 5 (solo pool, 1 worker)     %s\n" "$CELERY1"
  printf "celery 5 (prefork, concurrency 4)  %s\n" "$CELERY4"
  printf "rq 1.13 (Worker, fork per job)     %s\n" "$RQFORK"
  printf "rq 1.13 (SimpleWorker)             %s\n" "$RQSIMPLE"
  echo
  echo "ratios (secplat / peer)"
  printf "redis 1 consumer  vs celery solo:      %s\n" "$(ratio "$R1" "$CELERY1")"
  printf "redis 4 consumers vs celery prefork 4: %s\n" "$(ratio "$R4" "$CELERY4")"
  printf "redis 1 consumer  vs rq Worker:        %s\n" "$(ratio "$R1" "$RQFORK")"
  printf "redis 1 consumer  vs rq SimpleWorker:  %s\n" "$(ratio "$R1" "$RQSIMPLE")"
  printf "embedded 1 consumer vs celery solo:    %s\n" "$(ratio "$E1" "$CELERY1")"
  printf "embedded 4 consumers vs celery prefork 4: %s\n" "$(ratio "$E4" "$CELERY4")"
  echo
  echo "targets: redis >= 50000 jobs/s, embedded >= 10000 jobs/s"
} > "$OUT"
cat "$OUT"
