#!/usr/bin/env bash
# Installs what is needed, builds with the `ci` preset (warnings are errors) and runs every test:
# unit, integration and e2e. Servers the tests need (redis-server, and the secplat binary
# itself) are started by the tests on 127.0.0.1 with random ports in temp dirs.
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -L unit    # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$(nproc)"
ctest --preset ci -j"$(nproc)" --timeout 600 "$@"
