import type { Row } from '../engines/engine-adapter.js'
import type { MacroRegistry } from '../macros/index.js'
import type { AuditCall } from '../project/model.js'
import type { Interval } from '../snapshot/interval.js'
import type { Dialect } from '../sql/dialect.js'
import type { SqlService } from '../sql/sql-service.js'

/** An audit: a query that returns the bad rows of `@this_model` (no rows = pass). */
export interface AuditDefinition {
  /** Lower-case name (`not_null`, `no_gaps`, ...). */
  name: string
  /** Where a user audit is defined (file and line of its `AUDIT` keyword); undefined for built-ins. */
  file?: string
  line?: number
  /** User audits: 1-based line in `file` where `query` starts, so macro errors point at the right line. */
  queryLine?: number
  /** Dialect the query is written in. Built-ins are written in a Trino/DuckDB-neutral subset. */
  dialect: Dialect
  /** The query, with `@this_model` and `@param` macros. */
  query: string
  /** Parameters every call must give (after defaults), e.g. `['columns']`. */
  required: string[]
  /** Default parameter values as SQL text, e.g. `{ inclusive: 'true' }`. */
  defaults: Record<string, string>
  /** False for the `_non_blocking` variants and for user audits declared `blocking false`. */
  blocking: boolean
  /**
   * Every parameter the audit accepts besides `condition` and `blocking` (which all audits
   * accept). Built-ins: their declared parameters; user audits: `defaults` keys plus the `@name`s
   * the query reads. Undefined = any name is accepted.
   */
  params?: string[]
  /**
   * Built-ins only: builds the audit's SQL directly (instead of rendering `query`), in `dialect`,
   * reading the rows to check from `table`. `args` are the call's arguments merged over `defaults`,
   * macros already rendered, as SQL text.
   * @throws ProjectError('AUDIT_INVALID') (no location) for a malformed argument, e.g. `column := (a, b)`.
   */
  build?: (args: Readonly<Record<string, string>>, table: string, dialect: Dialect) => string
  /** True when the AUDIT header says `skip true`: the audit is never run. Default false. */
  skip?: boolean
}

/** All audits a project can call: built-ins plus `audits/*.sql`. */
export interface AuditRegistry {
  get(name: string): AuditDefinition | undefined
  names(): string[]
}

/** What rendering an audit needs. */
export interface AuditRenderContext {
  /** SQL text of the table to check (a physical table, quoted for the engine). */
  thisModel: string
  /** Restrict the check to the rows a batch wrote: a SQL predicate on the model's rows, e.g. `"day" >= ... AND "day" < ...`. */
  where?: string
  engineDialect: Dialect
  sql: SqlService
  variables: Readonly<Record<string, unknown>>
  macros: MacroRegistry
  /**
   * Dialect of the model file the `audits (...)` call is written in: the call's arguments
   * (`condition`, `criteria`, ...) and the built-ins' SQL are read in it. Default `'trino'`.
   */
  modelDialect?: Dialect
  /** Interval being audited, for `@start_ds`-style macros in audits and arguments; default the load-time placeholder. */
  interval?: Interval
  /** Execution time, epoch ms, for `@execution_*` macros. Default `Date.now()`. */
  executionTime?: number
  /** The model's file and line, so errors in a call's arguments point at the model. */
  location?: { file: string; line: number }
}

/** The outcome of one audit call on one table (and batch interval). */
export interface AuditResult {
  model: string
  /** Audit name as called (lower-case), e.g. `not_null`. */
  audit: string
  /** The call's arguments as written, for reports. */
  args: Record<string, string>
  blocking: boolean
  status: 'passed' | 'failed'
  /** Number of bad rows. */
  count: number
  /** Up to 5 bad rows. */
  sample: Row[]
  /** The audit query that ran (engine dialect). */
  sql: string
  interval?: Interval
}

export type { AuditCall }
