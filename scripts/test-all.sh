#!/usr/bin/env bash
# The whole test suite — what `npm test` and CI run:
#   1. build, 2. unit tests (no servers), 3. the local Trino + Nessie stack and the local PostgreSQL test
#   server (each started here, or reused when already up), 4. integration tests against them.
#   Whatever was started here is stopped at the end; a reused server is left running.
# Set TRIBUTARY_SKIP_INTEGRATION=1 to run only 1-2 (e.g. on a machine without Java downloads).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npx vitest run

if [[ "${TRIBUTARY_SKIP_INTEGRATION:-}" == 1 ]]; then
  echo "integration tests skipped (TRIBUTARY_SKIP_INTEGRATION=1)" >&2
  exit 0
fi

stack_started=0
pg_started=0
cleanup() {
  if [[ $pg_started == 1 ]]; then bash scripts/pg.sh down || true; fi
  if [[ $stack_started == 1 ]]; then bash scripts/stack.sh down || true; fi
}
trap cleanup EXIT

if bash scripts/stack.sh status >/dev/null 2>&1; then
  echo "== reusing the running Trino + Nessie stack"
else
  echo "== starting the Trino + Nessie stack"
  stack_started=1
  bash scripts/stack.sh up
fi

if bash scripts/pg.sh status >/dev/null 2>&1; then
  echo "== reusing the running PostgreSQL test server"
else
  echo "== starting the PostgreSQL test server"
  pg_started=1
  bash scripts/pg.sh up >/dev/null   # stdout is the export lines, password included: keep it out of CI logs
fi

eval "$(bash scripts/stack.sh env)"
eval "$(bash scripts/pg.sh env)"
npx vitest run --config vitest.integration.config.ts
