#!/usr/bin/env bash
# Creates a Python venv with SQLMesh (DuckDB extra) for the peer half of the
# planning benchmark. The venv lives OUTSIDE the repository.
#
#   bash bench/peers/setup-sqlmesh.sh            # install / verify
#   SQLMESH_VERSION=0.xyz.0 bash bench/peers/setup-sqlmesh.sh
#
# Prints the path of the `sqlmesh` executable on the last line.
set -euo pipefail

SQLMESH_VERSION="${SQLMESH_VERSION:-0.236.4}"
PYTHON="${PYTHON:-python3}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/tributary-bench"
VENV="${SQLMESH_VENV:-$CACHE_ROOT/sqlmesh-venv}"

mkdir -p "$CACHE_ROOT"
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating venv $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
fi

have="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sqlmesh"))' 2>/dev/null || true)"
if [ "$have" != "$SQLMESH_VERSION" ]; then
  echo "installing sqlmesh[duckdb]==$SQLMESH_VERSION into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet "sqlmesh[duckdb]==$SQLMESH_VERSION" >&2
fi

"$VENV/bin/sqlmesh" --version >&2
echo "$VENV/bin/sqlmesh"
