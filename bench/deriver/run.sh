#!/usr/bin/env bash
# Full posture sweep through the API on SQLite (issue 5, target: 100,000 assets in <= 10 s).
#   cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build/rel secplat deriver_sweep_bench
#   bash bench/deriver/run.sh build/rel [assets] [seed_clients]      # default 100000, 8
#   PERF_OUT=/tmp/api.perf bash bench/deriver/run.sh ...   # also profile the api during the sweep
#
# 1. `secplat api` (SQLite in a temp dir, port 0, log level warn) with an admin and a service
#    token from `secplat token create`.
# 2. Seeding (not measured): `deriver_sweep_bench seed` creates the assets through
#    POST /api/v1/assets (no bulk asset route exists, so 8 parallel keep-alive clients) and gives
#    each a posture record through PUT /api/v1/posture/{asset_key}: `up` after 20 results that
#    ended an hour ago, so every record's check_by has passed and all of them are due.
# 3. The api is stopped and the seeded data directory kept aside; the seeding's writes are
#    flushed (sync) first, so their writeback is not measured with a sweep.
# 4. Measured, REPEATS times (default 3; a shared machine's speed drifts within minutes, so one
#    run says little): a copy of the seeded data, a freshly started api (its peak RSS
#    covers the sweep only), and `secplat deriver --once` (a full pass through the API with the
#    service token) under /usr/bin/time: wall time, assets/s, peak RSS; the api's requests by
#    route (from its /metrics) and its peak RSS (VmHWM). Every asset goes up -> stale: one
#    posture.changed event and one record write each.
# 5. After each sweep, `deriver_sweep_bench verify`: N assets stale and N posture.changed events,
#    through the API. The last line gives every run's wall time and their median.
# Results: bench/results/deriver-sweep.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:?usage: run.sh <release build dir> [assets] [seed_clients]}"
ASSETS="${2:-100000}"
CLIENTS="${3:-8}"
REPEATS="${REPEATS:-3}"
BIN="$BUILD/src/cmd/secplat"
DRIVER="$BUILD/bench/deriver/deriver_sweep_bench"
for b in "$BIN" "$DRIVER"; do
  [ -x "$b" ] || { echo "missing $b (ninja -C $BUILD secplat deriver_sweep_bench)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/secplat-bench-sweep-XXXXXX)"
PID=""
stop_api() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi
}
cleanup() { stop_api; rm -rf "$WORK"; }
trap cleanup EXIT

export SECPLAT_STORAGE_DATA_DIR="$WORK/data" SECPLAT_SERVER_PORT=0 SECPLAT_LOG_LEVEL=warn
export SECPLAT_SERVER_LISTEN_ADDRESS=127.0.0.1
ADMIN=$("$BIN" token create --role admin --name bench-admin 2>/dev/null)
SERVICE=$("$BIN" token create --role service --name bench-service 2>/dev/null)

start_api() {
  rm -f "$WORK/port"
  "$BIN" api --ready-file "$WORK/port" >>"$WORK/api.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 400); do [ -s "$WORK/port" ] && break; sleep 0.05; done
  [ -s "$WORK/port" ] || { echo "api did not start:" >&2; cat "$WORK/api.log" >&2; exit 1; }
  URL="http://127.0.0.1:$(cat "$WORK/port")"
}

OUT="bench/results/deriver-sweep.txt"
mkdir -p bench/results
TMP_OUT="$WORK/out.txt"
{
  echo "# deriver sweep benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
  echo "# $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# secplat api + secplat deriver --once on SQLite in $WORK, log level warn, build $BUILD"
} | tee "$TMP_OUT"

start_api
"$DRIVER" seed --url "$URL" --admin-token "$ADMIN" --service-token "$SERVICE" \
  --assets "$ASSETS" --clients "$CLIENTS" | tee -a "$TMP_OUT"
stop_api
echo "db size after seeding: $(du -sh "$WORK/data" | cut -f1)" | tee -a "$TMP_OUT"
# The seeding wrote ~1 GB: flush it to disk now, so that its writeback (kernel CPU and I/O on
# these 2 cores) is not charged to a sweep.
mv "$WORK/data" "$WORK/seeded"
sync

WALLS=()
for RUN in $(seq 1 "$REPEATS"); do
  rm -rf "$WORK/data"
  cp -r "$WORK/seeded" "$WORK/data"
  sync
  start_api
  echo "## run $RUN of $REPEATS: load average before the sweep $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$TMP_OUT"
  PERF_PID=""
  if [ -n "${PERF_OUT:-}" ]; then  # optional: profile the api during the sweep (perf report -i)
    perf record -F 499 ${PERF_ARGS:--g} -p "$PID" -o "$PERF_OUT.$RUN" >/dev/null 2>&1 &
    PERF_PID=$!
    sleep 0.5
  fi
  set +e
  SECPLAT_PLATFORM_API_URL="$URL" SECPLAT_PLATFORM_TOKEN="$SERVICE" \
    /usr/bin/time -f 'time_wall_s %e user_s %U sys_s %S max_rss_kb %M' -o "$WORK/time.txt" \
    "$BIN" deriver --once >"$WORK/deriver.out" 2>"$WORK/deriver.err"
  RC=$?
  set -e
  if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; fi
  LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
  API_HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
  API_CPU=$(awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$PID/stat")
  METRICS=$(curl -sf -H "Authorization: Bearer $SERVICE" "$URL/metrics")
  if [ "$RC" -ne 0 ]; then
    echo "deriver --once exited $RC:" >&2; cat "$WORK/deriver.out" "$WORK/deriver.err" >&2
    tail -20 "$WORK/api.log" >&2
    exit 1
  fi
  read -r _ WALL _ USER _ SYS _ DRV_RSS_KB <"$WORK/time.txt"
  WALLS+=("$WALL")
  REQS=$(echo "$METRICS" | awk -F'[{}]' '/^secplat_http_requests_total\{/ && $2 !~ /route="metrics"/ {split($3, v, " "); s += v[1]} END {printf "%d", s}')
  {
    echo "deriver: $(cat "$WORK/deriver.out")"
    echo "sweep_assets $ASSETS"
    echo "sweep_wall_s $WALL"
    awk -v n="$ASSETS" -v w="$WALL" 'BEGIN {printf "sweep_assets_per_s %.0f\n", n / w}'
    echo "deriver_cpu_s user $USER sys $SYS"
    echo "deriver_peak_rss_mb $(awk -v k="$DRV_RSS_KB" 'BEGIN {printf "%.1f", k / 1024}')"
    echo "api_cpu_s_since_restart $API_CPU"
    echo "api_peak_rss_mb $(awk -v k="$API_HWM_KB" 'BEGIN {printf "%.1f", k / 1024}') (VmHWM since the restart before the sweep)"
    echo "api_requests $REQS"
    echo "api_requests_by_route:"
    echo "$METRICS" | awk -F'[{}]' '/^secplat_http_requests_total\{/ && $2 !~ /route="metrics"/ {split($3, v, " "); print "  " $2, v[1]}'
    echo "api_time_by_route (seconds spent handling, requests; from secplat_http_request_duration_seconds):"
    echo "$METRICS" | awk '/^secplat_http_request_duration_seconds_(sum|count)\{/ && !/route="metrics"/ {
        match($0, /route="[^"]*"/); r = substr($0, RSTART + 7, RLENGTH - 8)
        if ($0 ~ /_sum\{/) sum[r] = $NF; else cnt[r] = $NF }
      END {for (r in sum) printf "  %-22s %9.1f s %9d\n", r, sum[r], cnt[r]}'
    echo "store_time_by_operation (seconds, calls; from secplat_store_operation_duration_seconds):"
    echo "$METRICS" | awk '/^secplat_store_operation_duration_seconds_(sum|count)\{/ {
        match($0, /operation="[^"]*"/); r = substr($0, RSTART + 11, RLENGTH - 12)
        if ($0 ~ /_sum\{/) sum[r] = $NF; else cnt[r] = $NF }
      END {for (r in sum) printf "  %-22s %9.1f s %9d\n", r, sum[r], cnt[r]}'
    echo "# load average after the sweep $LOAD_AFTER"
  } | tee -a "$TMP_OUT"
  "$DRIVER" verify --url "$URL" --token "$SERVICE" --assets "$ASSETS" | tee -a "$TMP_OUT"
  stop_api
done
MEDIAN=$(printf '%s\n' "${WALLS[@]}" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
echo "sweep_wall_s runs: ${WALLS[*]}; median $MEDIAN (target <= 10)" | tee -a "$TMP_OUT"
cp "$TMP_OUT" "$OUT"
echo "results written to $OUT"
