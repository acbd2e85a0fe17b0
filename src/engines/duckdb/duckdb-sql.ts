/**
 * Pure SQL text helpers for DuckDB: identifier quoting, string and timestamp literals, and the
 * statements the adapter runs. No I/O, so every builder can be unit-tested as text.
 */
import { EngineError } from '../../errors.js'
import type { ColumnDef } from '../../project/model.js'
import type { TableRef, TimeWindow } from '../engine-adapter.js'
import { quoteIdent } from '../../sql/quote.js'

/** Alias of the model query when the adapter wraps it in a subquery. */
const SOURCE_ALIAS = '__tributary_source'
/** Alias of the target table in `MERGE`. */
const TARGET_ALIAS = '__tributary_target'

/** Quote an identifier: `a"b` -> `"a""b"`. Case is preserved (DuckDB matches case-insensitively). */
export { quoteIdent }

/** `"catalog"."schema"."name"`, or `"schema"."name"` when no catalog is set. */
export function quoteTable(t: TableRef): string {
  const parts = t.catalog === undefined ? [t.schema, t.name] : [t.catalog, t.schema, t.name]
  return parts.map(quoteIdent).join('.')
}

/** A SQL string literal: `it's` -> `'it''s'`. DuckDB has no backslash escapes in plain literals. */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/**
 * `TIMESTAMP 'YYYY-MM-DD HH:MM:SS.ffffff'` for a UTC instant given in epoch milliseconds;
 * fractional milliseconds are rounded to microseconds.
 * @example timestampLiteral(Date.UTC(2024, 0, 1)) // "TIMESTAMP '2024-01-01 00:00:00.000000'"
 * @throws EngineError('OPTION_INVALID') when the instant is not finite or outside years 1..9999.
 */
export function timestampLiteral(epochMs: number): string {
  const micros = Math.round(epochMs * 1000)
  const wholeMs = Math.floor(micros / 1000)
  const date = new Date(wholeMs)
  const year = date.getUTCFullYear()
  if (!Number.isFinite(micros) || Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw new EngineError('OPTION_INVALID', `Cannot render timestamp literal for epoch ms ${epochMs}`)
  }
  const iso = date.toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ for years 0..9999
  const subMs = String(micros - wholeMs * 1000).padStart(3, '0')
  return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}${subMs}'`
}

/** Remove trailing semicolons and whitespace so a query can be nested in another statement. */
export function stripTrailingSemicolons(select: string): string {
  let s = select.trimEnd()
  while (s.endsWith(';')) s = s.slice(0, -1).trimEnd()
  return s
}

/** `SELECT * FROM (<select>) AS alias`; the newline keeps a trailing `-- comment` harmless. */
function asSubquery(select: string, alias = SOURCE_ALIAS): string {
  return `(\n${stripTrailingSemicolons(select)}\n) AS ${alias}`
}

/** `CREATE OR REPLACE TABLE t AS <select>`. */
export function replaceTableSql(t: TableRef, select: string): string {
  return `CREATE OR REPLACE TABLE ${quoteTable(t)} AS\n${stripTrailingSemicolons(select)}\n`
}

/** `CREATE TABLE IF NOT EXISTS t AS SELECT * FROM (<select>) LIMIT 0`: the columns, no rows. */
export function createEmptyTableSql(t: TableRef, select: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(t)} AS SELECT * FROM ${asSubquery(select)} LIMIT 0`
}

/** The two statements of a window replace: delete the window, then insert the new rows by name. */
export function replaceWindowSql(t: TableRef, select: string, w: TimeWindow): [string, string] {
  const col = quoteIdent(w.timeColumn)
  const table = quoteTable(t)
  return [
    `DELETE FROM ${table} WHERE ${col} >= ${w.startLiteral} AND ${col} < ${w.endLiteral}`,
    `INSERT INTO ${table} BY NAME SELECT * FROM ${asSubquery(select)}`,
  ]
}

/**
 * `MERGE INTO` by key, matching NULL keys to NULL keys (`IS NOT DISTINCT FROM`), updating and
 * inserting by column name.
 */
export function mergeByKeySql(t: TableRef, select: string, keys: readonly string[]): string {
  if (keys.length === 0) throw new EngineError('OPTION_INVALID', `mergeByKey on ${quoteTable(t)} needs at least one key`)
  const on = keys
    .map((k) => `${TARGET_ALIAS}.${quoteIdent(k)} IS NOT DISTINCT FROM ${SOURCE_ALIAS}.${quoteIdent(k)}`)
    .join(' AND ')
  return [
    `MERGE INTO ${quoteTable(t)} AS ${TARGET_ALIAS}`,
    `USING ${asSubquery(select)}`,
    `ON ${on}`,
    'WHEN MATCHED THEN UPDATE BY NAME',
    'WHEN NOT MATCHED THEN INSERT BY NAME',
  ].join('\n')
}

/**
 * `CREATE OR REPLACE TABLE t AS SELECT ... FROM read_csv($1, ...)`, the path bound as `$1`.
 * With `columns`, exactly those columns are selected, in that order, and typed by header name
 * (`types={...}`), so a CSV whose columns are in another order still loads correctly and a
 * declared column missing from the file is an error. Without `columns`, types are inferred.
 */
export function loadCsvSql(t: TableRef, columns: readonly ColumnDef[] | undefined): string {
  const options = ['header = true', "delim = ','", `quote = '"'`, `escape = '"'`]
  let projection = '*'
  if (columns !== undefined && columns.length > 0) {
    const types = columns.map((c) => `${stringLiteral(c.name)}: ${stringLiteral(c.type)}`).join(', ')
    options.push(`types = {${types}}`)
    projection = columns.map((c) => quoteIdent(c.name)).join(', ')
  } else {
    options.push('auto_detect = true')
  }
  return `CREATE OR REPLACE TABLE ${quoteTable(t)} AS SELECT ${projection} FROM read_csv($1, ${options.join(', ')})`
}
