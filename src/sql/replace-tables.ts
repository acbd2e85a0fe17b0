import type { Dialect } from './dialect.js'
import { dataOf, isIdent, isObject, tableKey, type Ident, type Span } from './ast.js'
import { collectTableRefs, type TableRef } from './ast-walk.js'
import { parseStatements, sqlError } from './parse.js'
import type { PolyglotApi } from './polyglot-api.js'
import { fixTrailingCommas, tokenize } from './sql-tokens.js'

interface Edit {
  start: number
  end: number
  text: string
}

/** Code-point offsets (polyglot spans) to UTF-16 offsets (JS strings). */
function offsetMapper(sql: string): (cp: number) => number {
  if (!/[\uD800-\uDFFF]/.test(sql)) return (cp) => cp
  const map: number[] = []
  for (let i = 0; i < sql.length; i++) {
    map.push(i)
    const c = sql.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) i++
  }
  map.push(sql.length)
  return (cp) => map[cp] ?? sql.length
}

function spanOf(id: Ident | null | undefined): Span | undefined {
  const s = id?.span
  return s && typeof s.start === 'number' && typeof s.end === 'number' ? s : undefined
}

/**
 * Column references qualified with a replaced, unaliased `schema.table` (`oso.a.col`): polyglot
 * reads `oso.a` as a column `a` of table `oso` under a `dot`. Returns the spans of those `oso.a`
 * prefixes keyed by the lower-cased `schema.table` text.
 */
function qualifiedColumnPrefixes(v: unknown, out: Array<{ key: string; span: Span }>): void {
  if (Array.isArray(v)) {
    for (const x of v) qualifiedColumnPrefixes(x, out)
    return
  }
  if (!isObject(v)) return
  const dot = dataOf(v, 'dot')
  const col = dot ? dataOf(dot.this, 'column') : undefined
  if (col && isIdent(col.table) && isIdent(col.name)) {
    const a = spanOf(col.table)
    const b = spanOf(col.name)
    if (a && b) out.push({ key: `${col.table.name}.${col.name.name}`.toLowerCase(), span: { ...a, end: b.end } })
  }
  for (const k in v) if (k !== 'span') qualifiedColumnPrefixes(v[k], out)
}

/** Parses for positions only; tries the other dialects when the text's own dialect fails. */
function parseForSpans(api: PolyglotApi, sql: string, dialect: Dialect): unknown[] {
  try {
    return parseStatements(api, sql, dialect, 'SQL_PARSE')
  } catch (err) {
    const other: Dialect = dialect === 'duckdb' ? 'trino' : 'duckdb'
    try {
      return parseStatements(api, sql, other, 'SQL_PARSE')
    } catch {
      throw err
    }
  }
}

/**
 * Rewrites table references by splicing the source text at the positions polyglot reports, so
 * everything else (formatting, comments, constructs polyglot would re-print differently) stays
 * byte-for-byte. A replaced reference without an alias gets one equal to its last name part as
 * written (`FROM oso.a` -> `FROM "s"."a__v1" AS a`), so `a.col` keeps resolving; `oso.a.col`
 * column prefixes of such references become `a.col`.
 */
export function replaceTablesSql(
  api: PolyglotApi,
  sql: string,
  dialect: Dialect,
  mapping: ReadonlyMap<string, string>,
): string {
  const text = fixTrailingCommas(sql, tokenize(sql))
  if (mapping.size === 0) return text
  const stmts = parseForSpans(api, text, dialect)
  const refs: TableRef[] = collectTableRefs(stmts, dialect)
  const edits: Edit[] = []
  const toJs = offsetMapper(text)
  const unaliased = new Map<string, string>() // lower `schema.table` -> alias text
  const relationNames = new Set<string>()
  for (const ref of refs) {
    if (ref.data.alias) relationNames.add(ref.data.alias.name.toLowerCase())
    else relationNames.add(ref.data.name.name.toLowerCase())
  }
  for (const ref of refs) {
    // DuckDB resolves identifiers case-insensitively, and keys usually come from analyzing the
    // model in Trino (which folds quoted names too): fall back to the folded key.
    const target = mapping.get(ref.key) ?? mapping.get(tableKey(ref.data, 'trino'))
    if (target === undefined) continue
    const { name, schema, catalog } = ref.data
    const first = spanOf(catalog ?? schema ?? name)
    const last = spanOf(name)
    if (!first || !last) {
      throw sqlError('SQL_PARSE', `cannot locate table reference ${ref.key} in the SQL text`, undefined)
    }
    let replacement = target
    if (!ref.data.alias) {
      const aliasText = text.slice(toJs(last.start), toJs(last.end))
      replacement += ` AS ${aliasText}`
      if (schema && !catalog) unaliased.set(`${schema.name}.${name.name}`.toLowerCase(), aliasText)
    }
    edits.push({ start: toJs(first.start), end: toJs(last.end), text: replacement })
  }
  if (unaliased.size > 0) {
    const prefixes: Array<{ key: string; span: Span }> = []
    qualifiedColumnPrefixes(stmts, prefixes)
    for (const p of prefixes) {
      const alias = unaliased.get(p.key)
      const schemaName = p.key.split('.')[0] ?? ''
      // `x.a.col` where x is itself a relation in scope is a struct field access: leave it.
      if (alias !== undefined && !relationNames.has(schemaName)) {
        edits.push({ start: toJs(p.span.start), end: toJs(p.span.end), text: alias })
      }
    }
  }
  edits.sort((a, b) => b.start - a.start)
  let out = text
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}

