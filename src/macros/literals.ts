/** SQL literals for project variable values and time values, per dialect. */
import type { Dialect } from '../sql/dialect.js'
import { tokenize, unquoteString } from '../sql/lexer.js'

/** `'it''s'`: a SQL string literal with embedded quotes doubled. */
export function stringLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/**
 * A `TIMESTAMP '...'` literal from `'YYYY-MM-DD HH:MM:SS.ffffff'`. Trino and DuckDB both read this
 * form (Trino as timestamp(6), DuckDB as TIMESTAMP); the switch is where another dialect would differ.
 */
export function timestampLiteral(ts: string, dialect: Dialect): string {
  switch (dialect) {
    case 'trino':
    case 'duckdb':
      return `TIMESTAMP '${ts}'`
  }
}

/** A `DATE 'YYYY-MM-DD'` literal. */
export function dateLiteral(ds: string, dialect: Dialect): string {
  switch (dialect) {
    case 'trino':
    case 'duckdb':
      return `DATE '${ds}'`
  }
}

/**
 * A project variable value as SQL: string -> `'text'`, number/bigint -> `12`, boolean ->
 * `TRUE`/`FALSE`, null/undefined -> `NULL`, array -> `(a, b)` (empty -> `(NULL)` so `x IN @v`
 * stays valid and matches nothing), Date -> `'YYYY-MM-DD'` or `'YYYY-MM-DD HH:MM:SS'` string.
 * Returns undefined for values with no SQL form (objects, functions, NaN).
 */
export function valueLiteral(value: unknown, dialect: Dialect): string | undefined {
  switch (typeof value) {
    case 'string':
      return stringLiteral(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'TRUE' : 'FALSE'
    case 'undefined':
      return 'NULL'
    default:
      break
  }
  if (value === null) return 'NULL'
  if (Array.isArray(value)) {
    if (value.length === 0) return '(NULL)'
    const parts: string[] = []
    for (const v of value) {
      const lit = valueLiteral(v, dialect)
      if (lit === undefined) return undefined
      parts.push(lit)
    }
    return `(${parts.join(', ')})`
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    const iso = value.toISOString()
    const time = iso.slice(11, 19)
    return stringLiteral(time === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${time}`)
  }
  return undefined
}

/**
 * A value as raw identifier text for `@{name}`: strings as-is (no quotes), numbers and booleans
 * as written. Undefined for null, arrays and objects.
 */
export function identifierText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      return undefined
  }
}

/** `'day'` -> `day`; anything that is not exactly one string literal is returned trimmed. */
export function unquoteIfString(sql: string): string {
  const t = sql.trim()
  if (!t.startsWith("'")) return t
  const toks = tokenize(t)
  return toks.length === 1 && toks[0]!.type === 'string' ? unquoteString(t) : t
}
