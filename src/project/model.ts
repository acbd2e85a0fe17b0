import type { Dialect } from '../sql/dialect.js'

/** A call in the `audits (...)` property, e.g. `not_null(columns := (id, ds))`. */
export interface AuditCall {
  /** Audit name, lower-cased (`not_null`, `unique_values`, a user audit name, ...). */
  name: string
  /** Named arguments as raw SQL text (e.g. `{ columns: '(id, ds)', threshold: '0' }`). */
  args: Record<string, string>
}

export type ModelKind =
  | { name: 'VIEW'; materialized?: boolean }
  | { name: 'FULL' }
  | {
      name: 'INCREMENTAL_BY_TIME_RANGE'
      /** Column of the model's output holding the event time. */
      timeColumn: string
      /** Optional strftime-like format when the time column is a string; kept, not interpreted yet. */
      timeColumnFormat?: string
      /** Max intervals per job; undefined = all missing intervals in one job. */
      batchSize?: number
      batchConcurrency?: number
      /** Intervals before the last one that are recomputed on every run. Default 0. */
      lookback: number
      forwardOnly: boolean
      /** Any other option written in the kind, kept verbatim (e.g. on_destructive_change). */
      extra: Record<string, string>
    }
  | { name: 'INCREMENTAL_BY_UNIQUE_KEY'; uniqueKey: string[]; batchSize?: number; extra: Record<string, string> }
  | { name: 'SEED'; path: string; extra: Record<string, string> }
  | { name: 'EXTERNAL' }

export type ModelKindName = ModelKind['name']

/** A column with its declared SQL type (`columns (...)` or external_models.yaml). */
export interface ColumnDef {
  name: string
  type: string
}

/** One model, as loaded from a `.sql` file (or an external table from YAML). */
export interface ModelDefinition {
  /** Fully qualified name as written, lower-cased: `oso.int_events_daily`. */
  name: string
  kind: ModelKind
  /** Project-relative path of the file that defines it. */
  file: string
  /** 1-based line of the `MODEL` keyword (or of the YAML entry). */
  line: number
  dialect: Dialect
  cron: string
  /** Inclusive start as written ('2024-01-01'), already variable-resolved. */
  start?: string
  end?: string
  description?: string
  owner?: string
  tags: string[]
  grain: string[]
  partitionedBy: string[]
  columns: ColumnDef[]
  columnDescriptions: Record<string, string>
  audits: AuditCall[]
  /** Extra dependencies declared with `depends_on`. */
  dependsOn: string[]
  enabled: boolean
  /** Header properties we keep but do not interpret (ignored_rules, physical_properties, ...). */
  extra: Record<string, string>
  /** SQL statements before the query (without `@DEF` lines, which the renderer handles). */
  preStatements: string[]
  /** The model query, macros not yet rendered. Empty for SEED and EXTERNAL. */
  query: string
  /** 1-based line in `file` where `query` starts, to map SQL errors back to the file. */
  queryLine: number
  /** `@DEF(name, expr)` definitions local to this model, in order. */
  defs: Array<{ name: string; expr: string }>
}
