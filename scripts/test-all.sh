#!/usr/bin/env bash
# The whole test suite — what `npm test` and CI run:
#   1. build, 2. unit tests (no servers), 3. the local Trino + Nessie stack (started here, or reused
#   when one is already up), 4. integration tests against it. A stack started here is stopped at the end.
# Set TRIBUTARY_SKIP_INTEGRATION=1 to run only 1-2 (e.g. on a machine without Java downloads).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npx vitest run

if [[ "${TRIBUTARY_SKIP_INTEGRATION:-}" == 1 ]]; then
  echo "integration tests skipped (TRIBUTARY_SKIP_INTEGRATION=1)" >&2
  exit 0
fi

started=0
if bash scripts/stack.sh status >/dev/null 2>&1; then
  echo "== reusing the running Trino + Nessie stack"
else
  echo "== starting the Trino + Nessie stack"
  bash scripts/stack.sh up
  started=1
fi
cleanup() { if [[ $started == 1 ]]; then bash scripts/stack.sh down || true; fi; }
trap cleanup EXIT
eval "$(bash scripts/stack.sh env)"
npx vitest run --config vitest.integration.config.ts
