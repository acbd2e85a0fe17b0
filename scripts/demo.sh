#!/usr/bin/env bash
# Build the bundled example warehouse on the embedded DuckDB and show a result.
set -euo pipefail
cd "$(dirname "$0")/.."
models() { node dist/cli/main.js "$@"; }
npm run --silent build
models plan
models run
models query "SELECT project_name, commit_count, active_developer_count FROM oso.code_metrics_by_project_v1 ORDER BY commit_count DESC LIMIT 5"
