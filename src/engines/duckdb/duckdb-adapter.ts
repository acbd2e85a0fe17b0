/**
 * `EngineAdapter` for an embedded DuckDB database (a file or `:memory:`), over a small pool of
 * connections of one DuckDB instance.
 */
import { existsSync, realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { EngineError, QueryError } from '../../errors.js'
import type { ColumnDef } from '../../project/model.js'
import type { EngineAdapter, ExecOptions, Row, TableRef, TimeWindow, WriteOptions } from '../engine-adapter.js'
import { toOpenError, toQueryError } from './duckdb-errors.js'
import { DuckDbConnectionPool } from './duckdb-pool.js'
import * as sql from './duckdb-sql.js'
import { toPlainRow } from './duckdb-values.js'

/** Options of {@link DuckDbAdapter.open}. */
export interface DuckDbAdapterOptions {
  /** Database file, or `':memory:'` for a private in-memory database. */
  path: string
  /** DuckDB worker threads for the whole instance. Default: DuckDB's (number of cores). */
  threads?: number
  /** Size of the connection pool, i.e. how many statements/transactions run at once. Default 4. */
  connections?: number
  /**
   * Statements run on every pooled connection right after it opens, in order (e.g. the
   * `CREATE MACRO` shims of `SqlService.duckdbPrelude()`). They run once per connection and again
   * on every open of a file, so they must be idempotent (`CREATE OR REPLACE [TEMP] MACRO`).
   * Default: none.
   */
  prelude?: readonly string[]
}

/** Files opened by an adapter of this process (DuckDB's file lock does not guard within one process). */
const openFiles = new Set<string>()

function fileKey(path: string): string | undefined {
  if (path === '' || path.startsWith(':memory:')) return undefined
  const abs = resolve(path)
  return existsSync(abs) ? realpathSync(abs) : abs
}

/**
 * DuckDB implementation of `EngineAdapter`. All times are UTC: every connection runs
 * `SET TimeZone = 'UTC'`. Errors from DuckDB are wrapped once as `QueryError` (message = DuckDB's
 * message, `sql` = the failing statement).
 *
 * @example
 * const db = await DuckDbAdapter.open({ path: 'warehouse.duckdb', connections: 4 })
 * await db.replaceTable({ schema: 'oso', name: 'x' }, 'SELECT 1 AS a')
 * await db.close()
 */
export class DuckDbAdapter implements EngineAdapter {
  /** Always `'duckdb'`. */
  readonly dialect = 'duckdb' as const
  private ddlQueue: Promise<unknown> = Promise.resolve()
  private closing: Promise<void> | undefined

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly pool: DuckDbConnectionPool,
    /** The path given to `open()`. */
    readonly path: string,
    private readonly key: string | undefined,
  ) {}

  /**
   * Open (or create) the database and its connection pool.
   * @throws QueryError when the file is locked by another process (the message says it is in use
   *   by another process, then DuckDB's message), when the file is already open by another adapter
   *   of this process, or when a prelude statement fails.
   */
  static async open(opts: DuckDbAdapterOptions): Promise<DuckDbAdapter> {
    const size = opts.connections ?? 4
    if (!Number.isInteger(size) || size < 1) {
      throw new EngineError('OPTION_INVALID', `DuckDB connections must be a positive integer, got ${size}`)
    }
    const key = fileKey(opts.path)
    if (key !== undefined && openFiles.has(key)) {
      throw new QueryError(`DuckDB database file "${opts.path}" is already open in this process; reuse that adapter`, '')
    }
    if (key !== undefined) openFiles.add(key)
    let instance: DuckDBInstance
    try {
      const config = opts.threads === undefined ? undefined : { threads: String(opts.threads) }
      instance = await DuckDBInstance.create(opts.path, config)
    } catch (e) {
      if (key !== undefined) openFiles.delete(key)
      throw toOpenError(e, opts.path)
    }
    const conns: DuckDBConnection[] = []
    try {
      for (let i = 0; i < size; i++) {
        const conn = await instance.connect()
        conns.push(conn)
        for (const stmt of ["SET TimeZone = 'UTC'", ...(opts.prelude ?? [])]) await run(conn, stmt)
      }
    } catch (e) {
      for (const c of conns) c.disconnectSync()
      instance.closeSync()
      if (key !== undefined) openFiles.delete(key)
      throw toQueryError(e, '')
    }
    return new DuckDbAdapter(instance, new DuckDbConnectionPool(conns), opts.path, key)
  }

  /**
   * Run statements (several allowed, `;`-separated) with no result, in autocommit mode. Do not
   * leave a transaction open (the connection goes back to the pool): use `transaction()`.
   */
  async execute(statement: string, opts?: ExecOptions): Promise<void> {
    await this.pool.use(statement, (conn) => run(conn, statement, opts?.signal), opts?.signal)
  }

  /**
   * Run a query and return its rows as plain JSON-safe objects. Values follow `toPlainValue`
   * (duckdb-values.ts): BIGINT/HUGEINT -> number when safe, else decimal string; DECIMAL ->
   * number; DATE -> 'YYYY-MM-DD'; TIMESTAMP -> 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC); LIST ->
   * array; STRUCT -> object.
   */
  query(statement: string, opts?: ExecOptions): Promise<Row[]> {
    return this.read(statement, [], opts)
  }

  /** Quote an identifier: `a"b` -> `"a""b"`. */
  quoteIdent(name: string): string {
    return sql.quoteIdent(name)
  }

  /** `"catalog"."schema"."name"` (catalog only when set). */
  quoteTable(t: TableRef): string {
    return sql.quoteTable(t)
  }

  /** Columns (name and DuckDB type text, e.g. `DECIMAL(10,2)`, `INTEGER[]`) of a table or view, in order. */
  async describeTable(t: TableRef): Promise<ColumnDef[] | undefined> {
    const rows = await this.read(
      `SELECT column_name, data_type FROM information_schema.columns WHERE ${INFO_SCHEMA_MATCH} ORDER BY ordinal_position`,
      [t.catalog ?? '', t.schema, t.name],
    )
    if (rows.length === 0) return undefined
    return rows.map((r) => ({ name: String(r['column_name']), type: String(r['data_type']) }))
  }

  /** True when a table or a view with this name exists (names match case-insensitively). */
  async tableExists(t: TableRef): Promise<boolean> {
    const rows = await this.read(`SELECT 1 AS found FROM information_schema.tables WHERE ${INFO_SCHEMA_MATCH}`, [
      t.catalog ?? '',
      t.schema,
      t.name,
    ])
    return rows.length > 0
  }

  /**
   * `CREATE SCHEMA IF NOT EXISTS`. Calls are serialized inside the adapter: DuckDB reports a
   * catalog write-write conflict when two transactions create the same schema at once.
   * @param catalog attached database to create it in; default the current database.
   */
  createSchema(schema: string, catalog?: string): Promise<void> {
    const name = catalog === undefined ? sql.quoteIdent(schema) : `${sql.quoteIdent(catalog)}.${sql.quoteIdent(schema)}`
    const next = this.ddlQueue.then(() => this.execute(`CREATE SCHEMA IF NOT EXISTS ${name}`))
    this.ddlQueue = next.catch(() => undefined)
    return next
  }

  /** `CREATE OR REPLACE TABLE t AS select`, in a transaction (verified before commit). */
  replaceTable(t: TableRef, select: string, opts?: WriteOptions): Promise<void> {
    return this.transaction([sql.replaceTableSql(t, select)], opts)
  }

  /** `CREATE TABLE IF NOT EXISTS t AS SELECT * FROM (select) LIMIT 0`; an existing table is left as is. */
  createEmptyTable(t: TableRef, select: string, opts?: ExecOptions): Promise<void> {
    return this.execute(sql.createEmptyTableSql(t, select), opts)
  }

  /**
   * One transaction: `DELETE` rows with `timeColumn >= start AND timeColumn < end`, then
   * `INSERT INTO t BY NAME` the rows of `select`. Any error (or an abort) rolls both back.
   */
  replaceWindow(t: TableRef, select: string, window: TimeWindow, opts?: WriteOptions): Promise<void> {
    return this.transaction(sql.replaceWindowSql(t, select, window), opts)
  }

  /**
   * One `MERGE INTO` statement: rows whose keys match (NULL matches NULL) are updated by column
   * name, the others inserted. If `select` has several rows with the same key, DuckDB applies one
   * of them without raising an error: callers must deduplicate.
   * @throws EngineError('OPTION_INVALID') when `keys` is empty.
   */
  async mergeByKey(t: TableRef, select: string, keys: readonly string[], opts?: WriteOptions): Promise<void> {
    await this.transaction([sql.mergeByKeySql(t, select, keys)], opts)
  }

  /** `CREATE OR REPLACE VIEW v AS select`, in a transaction (verified before commit). */
  replaceView(v: TableRef, select: string, opts?: WriteOptions): Promise<void> {
    return this.transaction([`CREATE OR REPLACE VIEW ${sql.quoteTable(v)} AS\n${sql.stripTrailingSemicolons(select)}\n`], opts)
  }

  /** `DROP VIEW IF EXISTS` (fails if the name is a table). */
  dropView(v: TableRef): Promise<void> {
    return this.execute(`DROP VIEW IF EXISTS ${sql.quoteTable(v)}`)
  }

  /** `DROP TABLE IF EXISTS` (fails if the name is a view). */
  dropTable(t: TableRef): Promise<void> {
    return this.execute(`DROP TABLE IF EXISTS ${sql.quoteTable(t)}`)
  }

  /**
   * Atomically replace `t` with a CSV file (header row, `,` separator, `"` quote and escape; quoted
   * commas, quotes and newlines load as data). The path is a bound parameter, resolved against the
   * process working directory; DuckDB expands glob characters (`*`, `?`, `[`) in it. With
   * `columns`, exactly those columns are loaded, in that order, each typed by its header name;
   * without, all columns are loaded with inferred types. Empty fields load as NULL.
   */
  async loadCsv(t: TableRef, csvPath: string, columns: readonly ColumnDef[] | undefined, opts?: WriteOptions): Promise<void> {
    await this.transaction([sql.loadCsvSql(t, columns)], opts, [csvPath])
  }

  /** `TIMESTAMP '2024-01-01 00:00:00.000000'` for a UTC instant in epoch milliseconds. */
  timestampLiteral(epochMs: number): string {
    return sql.timestampLiteral(epochMs)
  }

  /**
   * Borrow one pooled connection for `fn` (bulk loads through the appender, multi-step
   * transactions the caller controls). The caller must end any transaction it begins.
   */
  withConnection<T>(label: string, fn: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.pool.use(label, fn, signal)
  }

  /**
   * Run `statements` in order in one transaction on one connection: `BEGIN`, the statements,
   * `opts.verify` (which reads through the same open transaction), `COMMIT`; `ROLLBACK` when any
   * of them fails, verify throws, or `opts.signal` aborts in between. `values` are bound to the
   * first statement.
   */
  transaction(statements: readonly string[], opts?: WriteOptions, values: DuckDBValue[] = []): Promise<void> {
    const signal = opts?.signal
    const label = statements.join(';\n')
    return this.pool.use(
      label,
      async (conn) => {
        await run(conn, 'BEGIN TRANSACTION')
        try {
          for (const [i, stmt] of statements.entries()) {
            if (signal?.aborted) throw new QueryError('Query cancelled', stmt, signal.reason)
            await interruptible(conn, stmt, signal, () => conn.run(stmt, i === 0 ? values : []))
          }
          if (opts?.verify) {
            await opts.verify(async (q) => {
              const reader = await interruptible(conn, q, signal, () => conn.runAndReadAll(q))
              return reader.getRowObjects().map(toPlainRow)
            })
          }
          await run(conn, 'COMMIT')
        } catch (e) {
          // A failed COMMIT has already ended the transaction; the ROLLBACK error is not the news.
          await run(conn, 'ROLLBACK').catch(() => undefined)
          throw e
        }
      },
      signal,
    )
  }

  /**
   * Wait for running statements, disconnect every connection and close the instance, so the
   * file can be opened by another process. Idempotent; later calls on the adapter fail.
   */
  close(): Promise<void> {
    this.closing ??= this.pool.close().then(() => {
      this.instance.closeSync()
      if (this.key !== undefined) openFiles.delete(this.key)
    })
    return this.closing
  }

  private read(statement: string, values: DuckDBValue[], opts?: ExecOptions): Promise<Row[]> {
    const signal = opts?.signal
    return this.pool.use(
      statement,
      async (conn) => {
        const reader = await interruptible(conn, statement, signal, () => conn.runAndReadAll(statement, values))
        return reader.getRowObjects().map(toPlainRow)
      },
      signal,
    )
  }
}

/** Matches catalog (default: current database), schema and name of information_schema rows to $1..$3. */
const INFO_SCHEMA_MATCH =
  "lower(table_catalog) = lower(coalesce(nullif($1, ''), current_database())) AND lower(table_schema) = lower($2) AND lower(table_name) = lower($3)"

function run(conn: DuckDBConnection, statement: string, signal?: AbortSignal): Promise<unknown> {
  return interruptible(conn, statement, signal, () => conn.run(statement))
}

/** Run `fn` on `conn`, interrupting the connection if `signal` aborts meanwhile; wrap errors once. */
async function interruptible<T>(
  conn: DuckDBConnection,
  statement: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new QueryError('Query cancelled', statement, signal.reason)
  const onAbort = (): void => conn.interrupt()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await fn()
  } catch (e) {
    throw toQueryError(e, statement)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}
