#!/usr/bin/env bash
# Creates a Python venv with dlt (DuckDB + sql_database extras, pyarrow backend,
# psycopg2 driver) for the peer half of the Postgres -> DuckDB ingest benchmark.
# The venv lives OUTSIDE the repository.
#
#   bash bench/peers/setup-dlt.sh            # install / verify (idempotent)
#   TRIBUTARY_BENCH_CACHE=/some/dir bash bench/peers/setup-dlt.sh
#
# Then:
#   "$(bash bench/peers/setup-dlt.sh | tail -n1)" bench/peers/dlt_ingest.py \
#       --url "$TRIBUTARY_PG_URL" --schema public --table T --duckdb /tmp/dlt.duckdb
#
# Prints the path of the venv's `python` on the last line.
set -euo pipefail

# Exact pins (newest on PyPI when this was written). duckdb is pinned too: dlt's
# [duckdb] extra only asks for duckdb>=0.9, and the load speed depends on it.
DLT_VERSION="${DLT_VERSION:-1.31.0}"
PYARROW_VERSION="${PYARROW_VERSION:-26.0.1}"
SQLALCHEMY_VERSION="${SQLALCHEMY_VERSION:-2.1.9}"
PSYCOPG2_VERSION="${PSYCOPG2_VERSION:-2.9.13}"
DUCKDB_VERSION="${DUCKDB_VERSION:-2.0.0}"

PYTHON="${PYTHON:-python3}"
CACHE_ROOT="${TRIBUTARY_BENCH_CACHE:-$HOME/.cache/tributary-bench}"
VENV="${DLT_VENV:-$CACHE_ROOT/dlt-venv}"

REQS=(
  "dlt[duckdb,sql_database]==$DLT_VERSION"
  "duckdb==$DUCKDB_VERSION"
  "pyarrow==$PYARROW_VERSION"
  "sqlalchemy==$SQLALCHEMY_VERSION"
  "psycopg2-binary==$PSYCOPG2_VERSION"
)

mkdir -p "$CACHE_ROOT"
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating venv $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
fi

# Installed versions of the pinned distributions, "name==version" per line.
installed() {
  "$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.metadata as m
for name in ("dlt", "duckdb", "pyarrow", "sqlalchemy", "psycopg2-binary"):
    try:
        print(f"{name}=={m.version(name)}")
    except m.PackageNotFoundError:
        print(f"{name}==missing")
EOF
}

want="$(printf '%s\n' "dlt==$DLT_VERSION" "duckdb==$DUCKDB_VERSION" "pyarrow==$PYARROW_VERSION" \
  "sqlalchemy==$SQLALCHEMY_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION")"
if [ "$(installed)" != "$want" ]; then
  echo "installing ${REQS[*]} into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet "${REQS[@]}" >&2
fi

have="$(installed)"
if [ "$have" != "$want" ]; then
  echo "version mismatch after install:" >&2
  echo "$have" >&2
  exit 1
fi
echo "$have" | tr '\n' ' ' >&2
echo >&2
echo "$VENV/bin/python"
