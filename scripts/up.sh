#!/usr/bin/env bash
# Installs what is needed, builds a release binary and starts `secplat up` (every role in one
# process on SQLite in ./data). The first admin token is written to ./data/admin.token (0600).
#   bash scripts/up.sh                 # listens on 127.0.0.1:8080
#   SECPLAT_SERVER_PORT=9090 bash scripts/up.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release -DSECPLAT_BUILD_TESTS=OFF -DSECPLAT_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset release -j"$(nproc)" --target secplat
exec build/release/src/cmd/secplat up "$@"
