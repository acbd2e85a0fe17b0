/**
 * Building blocks for the built-in audits' SQL: typed access to a call's arguments and the
 * dialect-dependent bits (regular expressions). The SQL stays in the subset Trino and DuckDB share,
 * so it can be transpiled from the model's dialect like any model query.
 */
import type { Dialect } from '../sql/dialect.js'
import { argFail, booleanArg, columnList, isNullArg, listItems, paren, singleColumn } from './audit-args.js'

/** A built-in's arguments (merged over its defaults, macros rendered), read by parameter kind. */
export class BuiltinArgs {
  constructor(private readonly args: Readonly<Record<string, string>>) {}

  private text(name: string): string {
    const v = this.args[name]
    if (v === undefined || v.trim() === '') argFail(`missing parameter '${name}'`)
    return v
  }

  /** One column or column expression. */
  column(name: string): string {
    return singleColumn(this.text(name), `parameter '${name}'`)
  }

  /** A list of columns: `(a, b)` or a single column. */
  columns(name: string): string[] {
    return columnList(this.text(name), `parameter '${name}'`)
  }

  /** A list of SQL values or expressions: `(1, 2)`, `('a')`, `'a'`. */
  list(name: string): string[] {
    return listItems(this.text(name), `parameter '${name}'`)
  }

  /** A scalar SQL expression, parenthesised unless it is a single token. */
  expr(name: string): string {
    return paren(this.text(name))
  }

  /** A scalar SQL expression, or undefined when absent or `NULL`. */
  optional(name: string): string | undefined {
    const v = this.args[name]
    return isNullArg(v) ? undefined : paren(v!)
  }

  /** `true` / `false`. */
  bool(name: string): boolean {
    return booleanArg(this.text(name), `parameter '${name}'`)
  }

  /** The raw text, or undefined. */
  raw(name: string): string | undefined {
    return this.args[name]
  }
}

/** `x` matches the regular expression `pattern` (SQL text of a string), in `dialect`. */
export function regexpMatches(dialect: Dialect, x: string, pattern: string): string {
  return dialect === 'duckdb' ? `regexp_matches(${x}, ${pattern})` : `regexp_like(${x}, ${pattern})`
}

/**
 * The predicate "`x` is outside [min_v, max_v]" of the `*_range`/`*_between` audits. Inclusive
 * (the default) accepts the bounds themselves; a missing or NULL bound is not checked.
 * @throws ProjectError AUDIT_INVALID when neither bound is given.
 */
export function outOfRange(x: string, a: BuiltinArgs): string {
  const min = a.optional('min_v')
  const max = a.optional('max_v')
  if (min === undefined && max === undefined) argFail('needs min_v or max_v (or both)')
  const inclusive = a.bool('inclusive')
  const parts: string[] = []
  if (min !== undefined) parts.push(`${x} ${inclusive ? '<' : '<='} ${min}`)
  if (max !== undefined) parts.push(`${x} ${inclusive ? '>' : '>='} ${max}`)
  return parts.join(' OR ')
}

/** `a OR b OR ...` of one predicate per item, each parenthesised when there are several. */
export function anyOf(items: readonly string[], predicate: (item: string) => string): string {
  const parts = items.map(predicate)
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' OR ')
}

/** `a AND b AND ...` of one predicate per item. */
export function allOf(items: readonly string[], predicate: (item: string) => string): string {
  const parts = items.map(predicate)
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' AND ')
}

/** `SELECT * FROM <table> WHERE <predicate>`: the rows failing a row-level check. */
export function badRows(table: string, predicate: string): string {
  return `SELECT * FROM ${table} WHERE ${predicate}`
}

/**
 * `mutually_exclusive_ranges`' `partition_clause`: `PARTITION BY a, b` as written, or a list of
 * columns `(a, b)` turned into one. Empty when absent or FALSE/NULL (SQLMesh's default is FALSE).
 */
export function partitionClause(text: string | undefined): string {
  if (text === undefined || isNullArg(text) || text.trim().toLowerCase() === 'false') return ''
  const items = listItems(text, "parameter 'partition_clause'")
  if (items.length === 1 && /^partition\s+by\s/i.test(items[0]!)) return `${items[0]!} `
  return `PARTITION BY ${columnList(text, "parameter 'partition_clause'").join(', ')} `
}
