"""Check a generated bench project with SQLMesh: it must load, every model must
render, and every column reference must resolve against the parents' schemas.

    ~/.cache/tributary-bench/sqlmesh-venv/bin/python bench/peers/validate-with-sqlmesh.py bench/out/1000

SQLMesh's own load does not fail on an unknown column, so this script qualifies
each rendered query with sqlglot (validate_qualify_columns=True) against the
column types SQLMesh inferred for every model and external table.
Slow: about 80 s per 1,000 models on a 2-core machine.
"""

import os
import sys
import tempfile

os.environ.setdefault("SQLMESH__DISABLE_ANONYMIZED_ANALYTICS", "1")
os.environ.setdefault("SQLMESH__GATEWAYS__LOCAL__STATE_CONNECTION__TYPE", "duckdb")
os.environ.setdefault(
    "SQLMESH__GATEWAYS__LOCAL__STATE_CONNECTION__DATABASE",
    os.path.join(tempfile.mkdtemp(prefix="tributary-bench-"), "state.duckdb"),
)

from sqlglot.optimizer.qualify import qualify  # noqa: E402
from sqlglot.schema import MappingSchema  # noqa: E402
from sqlmesh import Context  # noqa: E402


def main(path: str) -> int:
    ctx = Context(paths=path)
    schema = MappingSchema(dialect="duckdb", normalize=False)
    for name, model in ctx.models.items():
        if model.columns_to_types:
            schema.add_table(name, model.columns_to_types, dialect="duckdb")

    checked = failures = 0
    for name, model in ctx.models.items():
        if model.kind.is_external:
            continue
        checked += 1
        try:
            query = model.render_query_or_raise(optimize=False)
            qualify(
                query.copy(),
                schema=schema,
                dialect="duckdb",
                validate_qualify_columns=True,
                quote_identifiers=False,
            )
        except Exception as ex:  # report and continue
            failures += 1
            if failures <= 20:
                print(f"FAIL {name}: {str(ex)[:300]}")
    externals = len(ctx.models) - checked
    print(f"models checked: {checked} (+{externals} external), failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
