import type { Dialect } from './dialect.js'

/** What the engine needs to know about one model query. */
export interface QueryAnalysis {
  /**
   * Tables the query reads, excluding CTE names, lower-cased (Trino) and dotted as written
   * (`oso.stg_events`, `catalog.schema.t`, `t`). Sorted, unique.
   */
  tables: string[]
  /** Output column names in order; `undefined` when the query has `*` or an unnamed expression. */
  columns: string[] | undefined
  /**
   * Canonical SQL (comments stripped, whitespace and keyword case normalized). Two queries that
   * differ only in formatting or comments have the same canonical text.
   */
  canonical: string
  /** Canonical SQL of each top-level projection, in order. */
  projections: string[]
  /** Canonical SQL of the query with the top-level projection list blanked out. */
  body: string
}

/**
 * The SQL layer: one interface over the parsing/transpiling library, so it can be swapped or
 * upgraded without touching the rest of the engine. No I/O.
 */
export interface SqlService {
  /** Parse one SELECT-like statement. Throws `SqlError('SQL_PARSE')` with the 1-based line. */
  analyze(sql: string, dialect: Dialect): QueryAnalysis
  /** Transpile one statement; identity when `from === to`. Throws `SqlError('TRANSPILE_FAILED')`. */
  transpile(sql: string, from: Dialect, to: Dialect): string
  /**
   * Replace table references (not CTE names, not column qualifiers) by other names, e.g.
   * `oso.stg_events` -> `"tributary__oso"."stg_events__1a2b3c"`. Keys are names as returned by
   * `analyze().tables`; values are SQL text inserted verbatim.
   */
  replaceTables(sql: string, dialect: Dialect, mapping: ReadonlyMap<string, string>): string
  /** Statements (CREATE MACRO ...) to install once per DuckDB connection so Trino functions work. */
  duckdbPrelude(): string[]
}
