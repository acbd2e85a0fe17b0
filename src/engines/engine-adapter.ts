import type { Dialect } from '../sql/dialect.js'
import type { ColumnDef } from '../project/model.js'

/** A table or view in the engine: `schema.name` (catalog optional). Never quoted here. */
export interface TableRef {
  catalog?: string
  schema: string
  name: string
}

/** Options for one statement. */
export interface ExecOptions {
  /** Abort a long-running statement (best effort: the engine interrupts the query). */
  signal?: AbortSignal
}

/** A reader over the writer's open transaction: sees the rows it wrote before they commit. */
export type TxQuery = (sql: string) => Promise<Row[]>

/**
 * Options of every write. `verify` runs after the write and before it is published (inside the
 * transaction on DuckDB; on a work branch on Trino/Nessie): throwing from it discards the write,
 * so readers never see data that failed verification (write-audit-publish).
 */
export interface WriteOptions extends ExecOptions {
  verify?: (query: TxQuery) => Promise<void>
  /** Physical layout of a table this write creates (engines that cannot use a hint ignore it). */
  layout?: TableLayout
}

/** Table layout hints from the model header, mapped to the engine's table properties. */
export interface TableLayout {
  /** `partitioned_by` expressions (Iceberg: `partitioning`, e.g. `day(ts)`). */
  partitionedBy?: readonly string[]
  /** Columns rows are ordered by (Iceberg: `sorted_by`, from the model's `grain`). */
  sortedBy?: readonly string[]
}

/** One time window for a time-range batch, with the time values as SQL literals of the engine. */
export interface TimeWindow {
  /** Output time column to delete by. */
  timeColumn: string
  /** Inclusive start, e.g. `TIMESTAMP '2024-01-01 00:00:00'`. */
  startLiteral: string
  /** Exclusive end, e.g. `TIMESTAMP '2024-01-08 00:00:00'`. */
  endLiteral: string
}

/** A row as returned by `query()`: column name -> JSON-safe value (see EngineAdapter.query). */
export type Row = Record<string, unknown>

/**
 * Everything the scheduler needs from a warehouse engine. One implementation per engine folder
 * (`engines/duckdb/`, later `engines/trino/`). Every method that writes is atomic: readers see the
 * table before or after, never in between.
 */
export interface EngineAdapter {
  readonly dialect: Dialect
  /** Run statements with no result. */
  execute(sql: string, opts?: ExecOptions): Promise<void>
  /** Run a query and return its rows as plain JSON-safe objects (BIGINT as number when safe, else a decimal string; DATE as YYYY-MM-DD; TIMESTAMP as "YYYY-MM-DD HH:MM:SS[.ffffff]" UTC). */
  query(sql: string, opts?: ExecOptions): Promise<Row[]>
  /** Quote an identifier for this engine (`"a""b"`). */
  quoteIdent(name: string): string
  /** `"schema"."name"` (with catalog when set). */
  quoteTable(t: TableRef): string
  /** Columns of a table or view, in order; undefined when it does not exist. */
  describeTable(t: TableRef): Promise<ColumnDef[] | undefined>
  tableExists(t: TableRef): Promise<boolean>
  createSchema(schema: string): Promise<void>
  /** CREATE OR REPLACE TABLE t AS select — atomic replace. */
  replaceTable(t: TableRef, select: string, opts?: WriteOptions): Promise<void>
  /** Create `t` with the columns of `select` and no rows, if it does not exist yet. */
  createEmptyTable(t: TableRef, select: string, opts?: ExecOptions & { layout?: TableLayout }): Promise<void>
  /**
   * In one transaction: delete rows of `t` whose time column is in the window, then insert the
   * rows of `select` (the caller already filtered them to the window).
   */
  replaceWindow(t: TableRef, select: string, window: TimeWindow, opts?: WriteOptions): Promise<void>
  /** Upsert the rows of `select` into `t` by `keys` (MERGE semantics), atomically. */
  mergeByKey(t: TableRef, select: string, keys: readonly string[], opts?: WriteOptions): Promise<void>
  /** CREATE OR REPLACE VIEW v AS select. */
  replaceView(v: TableRef, select: string, opts?: WriteOptions): Promise<void>
  dropView(v: TableRef): Promise<void>
  dropTable(t: TableRef): Promise<void>
  /**
   * Replace `t` with the content of a CSV file (header row; comma separator), with the given column
   * types when provided (otherwise inferred), atomically.
   */
  loadCsv(t: TableRef, csvPath: string, columns: readonly ColumnDef[] | undefined, opts?: WriteOptions): Promise<void>
  /** SQL literal for a UTC instant in this dialect: `TIMESTAMP '2024-01-01 00:00:00.000000'`. */
  timestampLiteral(epochMs: number): string
  close(): Promise<void>
}

/**
 * How environments are exposed to readers. On DuckDB an environment is a set of views over the
 * versioned physical tables; on Trino/Nessie (no views) it will be a branch. Nothing outside the
 * engine layer may assume views.
 */
export interface EnvironmentLayer {
  /** The name readers of `env` use for model `model` (e.g. `oso.x` in prod, `oso__dev.x` in dev). */
  publicName(env: string, model: string): TableRef
  /** Point `env`'s public names to the given physical tables (create or replace), atomically per model. */
  publish(env: string, entries: ReadonlyArray<{ model: string; physical: TableRef }>): Promise<void>
  /** Remove models from `env`'s public names. */
  unpublish(env: string, models: readonly string[]): Promise<void>
  /** Remove a whole (non-prod) environment: its public names and whatever holds them (views, a branch). */
  dropEnvironment(env: string, models: readonly string[]): Promise<void>
}

/**
 * One apply (run or restatement) on a warehouse. Writes go through `engine` and `environments`;
 * on engines with a versioned catalog they land on an isolated work branch and become visible only
 * in `publish()`, all at once. `deferred` says so: the runner then records intervals only after
 * `publish()` has returned, never before the data they describe is visible.
 */
export interface WriteSession {
  readonly engine: EngineAdapter
  readonly environments: EnvironmentLayer
  /** True when writes are invisible until `publish()` (intervals must wait for it). */
  readonly deferred: boolean
  /**
   * Make every write of the session visible atomically (Nessie: merge the work branch into main).
   * Returns the catalog commit that holds them, when the engine has a versioned catalog.
   */
  publish(message: string): Promise<{ commit?: string }>
  /** Throw away what the session wrote and release its resources. Safe to call after publish(). */
  close(): Promise<void>
}

/** A session that writes straight into the engine (DuckDB: every write is its own transaction). */
export function directSession(engine: EngineAdapter, environments: EnvironmentLayer): WriteSession {
  return {
    engine,
    environments,
    deferred: false,
    publish: async () => ({}),
    close: async () => undefined,
  }
}
