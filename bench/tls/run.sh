#!/usr/bin/env bash
# tls_headers benchmark, side by side in one run: the full tls_headers scan of one site (4
# version handshakes + the HTTPS GET, graded, through the real CurlProber) against sslscan and
# testssl on the same nginx site, and whether all three agree on the accepted TLS versions.
# Writes bench/results/tls.txt.
#
#   bench/tls/run.sh [build-dir]        # default build/h-tls-rel (configured here if missing)
#   RUNS=50 PEER_RUNS=5 TESTSSL_SITES=tls12_only,legacy_tls CONCURRENT=500 bench/tls/run.sh
#
# Not like for like: sslscan and testssl enumerate every cipher per version (and testssl runs its
# vulnerability checks); tls_headers reads one negotiated suite per version. The row shows what
# each tool costs for the question "which versions, which certificate, which grade".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/h-tls-rel}
OUT=$ROOT/bench/results/tls.txt
RUNS=${RUNS:-30}
PEER_RUNS=${PEER_RUNS:-3}
TESTSSL_SITES=${TESTSSL_SITES:-tls12_only,legacy_tls}
CONCURRENT=${CONCURRENT:-200}

for tool in /usr/sbin/nginx /usr/bin/sslscan /usr/bin/testssl /usr/bin/openssl; do
  [[ -x $tool ]] || { echo "missing $tool (apt-get install nginx sslscan testssl.sh openssl)" >&2; exit 2; }
done
if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSECPLAT_BUILD_TESTS=ON \
    -DSECPLAT_BUILD_BENCHMARKS=ON >/dev/null
fi
cmake --build "$BUILD" --target tls_scan_bench >/dev/null
BIN=$BUILD/bench/tls/tls_scan_bench

{
  echo "# bench/tls/run.sh  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# $(nproc) cores; $(nginx -v 2>&1); sslscan $(sslscan --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1); testssl $(testssl --version 2>/dev/null | grep -oE '3\.[0-9]+\.[0-9]+' | head -1); $(openssl version)"
  echo "# build: $BUILD (Release); nginx 1 worker on 127.0.0.1; one prober loop thread"
  echo "# load before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other builds on the machine inflate every column, testssl most)"
  echo "# tls_headers ms = wall time of one whole scan, sequential; sslscan ms = median of $PEER_RUNS runs;"
  echo "# testssl = one default run. sslscan/testssl enumerate every cipher, tls_headers one per version."
  echo
  "$BIN" --runs "$RUNS" --peer-runs "$PEER_RUNS" --testssl-sites "$TESTSSL_SITES" \
    --concurrent "$CONCURRENT"
} | tee "$OUT"
