#!/usr/bin/env bash
# The test command: Debian packages the tests need, a build, then every test (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-debian-deps.sh test
npx tsc -b
npx jest --ci "$@"
