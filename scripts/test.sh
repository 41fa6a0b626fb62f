#!/usr/bin/env bash
# The test command: Debian packages the tests need, a build, then every test (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-debian-deps.sh test
npx tsc -b
# Tests run through ts-jest without type checks (isolatedModules); check their types here once.
npx tsc -p tsconfig.tests.json
npx jest --ci "$@"
