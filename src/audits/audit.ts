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
  /** Where a user audit is defined; undefined for built-ins. */
  file?: string
  line?: number
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
