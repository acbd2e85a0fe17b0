"""Peer measurement for the Postgres -> DuckDB ingest benchmark: load ONE table
with dlt's sql_database source (sql_table) into a DuckDB file, and print one
JSON line with the timing.

    PY="$(bash bench/peers/setup-dlt.sh | tail -n1)"
    "$PY" bench/peers/dlt_ingest.py --url "$TRIBUTARY_PG_URL" \\
        --schema public --table bench_ingest_wide_1000000 --duckdb /tmp/dlt.duckdb

Output (stdout, one line):
    {"tool": "dlt", "version": "...", "backend": "pyarrow", "rows": N,
     "seconds": S, "rows_per_second": R}

What is timed: the whole `pipeline.run(...)` (extract + normalize + load,
including dlt's own bookkeeping), with time.perf_counter(). Table reflection
happens when the sql_table resource is built, before the clock starts (it takes
milliseconds). Full load: write_disposition='replace', reflection_level='full',
dataset `dlt_bench`. The loaded row count is checked in DuckDB afterwards and
compared with count(*) in Postgres (both outside the timing); a mismatch exits 1.
dlt's own per-step times (extract / normalize / load) go to stderr.

dlt's pipelines dir, data dir and project dir are a fresh temp directory,
removed at the end, so nothing is written into the repository. The URL (and
its password) is never printed; error messages are redacted.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from urllib.parse import unquote, urlsplit

# Everything dlt writes goes to a temp dir; set before dlt is imported.
_TMP = tempfile.mkdtemp(prefix="tributary-dlt-")
os.environ["DLT_DATA_DIR"] = os.path.join(_TMP, "data")
os.environ["DLT_PROJECT_DIR"] = os.path.join(_TMP, "project")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")

_SECRETS: list = []


def redact(text: str) -> str:
    for s in _SECRETS:
        if s:
            text = text.replace(s, "***")
    return text


def sqlalchemy_url(url: str) -> str:
    """postgres:// or postgresql:// -> postgresql+psycopg2:// (other drivers kept)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("--url is not a URL (scheme://...)")
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg2"
    return f"{scheme}://{rest}"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True, help="PostgreSQL URL (never printed)")
    p.add_argument("--schema", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--duckdb", required=True, help="path of the DuckDB file to load into")
    p.add_argument(
        "--backend",
        default="pyarrow",
        choices=["pyarrow", "sqlalchemy", "pandas", "connectorx"],
        help="dlt sql_database backend (default pyarrow; pandas/connectorx are not installed by setup-dlt.sh)",
    )
    p.add_argument("--chunk-size", type=int, default=100_000)
    p.add_argument("--dataset", default="dlt_bench")
    return p.parse_args(argv)


def main(argv) -> int:
    args = parse_args(argv)
    _SECRETS.append(args.url)
    password = urlsplit(args.url).password
    if password:
        _SECRETS.extend([password, unquote(password)])

    import dlt
    import duckdb
    import sqlalchemy as sa
    from dlt.sources.sql_database import sql_table

    url = sqlalchemy_url(args.url)
    _SECRETS.append(url)
    duckdb_path = os.path.abspath(args.duckdb)

    resource = sql_table(
        credentials=url,
        table=args.table,
        schema=args.schema,
        backend=args.backend,
        chunk_size=args.chunk_size,
        reflection_level="full",
        write_disposition="replace",
    )
    pipeline = dlt.pipeline(
        pipeline_name="tributary_dlt_bench",
        pipelines_dir=os.path.join(_TMP, "pipelines"),
        destination=dlt.destinations.duckdb(duckdb_path),
        dataset_name=args.dataset,
    )

    t0 = time.perf_counter()
    pipeline.run(resource)
    seconds = time.perf_counter() - t0

    # --- checks, outside the timing
    loaded_table = pipeline.default_schema.naming.normalize_table_identifier(args.table)
    dataset = pipeline.dataset_name
    with duckdb.connect(duckdb_path, read_only=True) as con:
        rows = con.execute(f'SELECT count(*) FROM "{dataset}"."{loaded_table}"').fetchone()[0]

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            src = conn.execute(
                sa.select(sa.func.count()).select_from(sa.table(args.table, schema=args.schema))
            ).scalar_one()
    finally:
        engine.dispose()

    out = {
        "tool": "dlt",
        "version": dlt.__version__,
        "backend": args.backend,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds > 0 else None,
    }
    print(json.dumps(out), flush=True)
    # Per-step breakdown from dlt's own trace, on stderr (stdout stays one JSON line).
    trace = pipeline.last_trace
    if trace is not None:
        steps = " ".join(
            f"{st.step}={(st.finished_at - st.started_at).total_seconds():.2f}s"
            for st in trace.steps
            if st.finished_at is not None
        )
        print(f"dlt_ingest: steps {steps}", file=sys.stderr)
    if rows != src:
        print(
            f"dlt_ingest: row count mismatch: DuckDB {dataset}.{loaded_table} has {rows}, "
            f"Postgres {args.schema}.{args.table} has {src}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except SystemExit:
        raise
    except BaseException:  # redact whatever dlt / SQLAlchemy put into the message
        print(redact(traceback.format_exc()), file=sys.stderr)
        code = 1
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)
    sys.exit(code)
