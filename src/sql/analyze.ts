import type { Dialect } from './dialect.js'
import type { QueryAnalysis } from './sql-service.js'
import { dataOf, isIdent, nodeKind, normIdent, type AstObject } from './ast.js'
import { collectTableRefs, type TableRef } from './ast-walk.js'
import { canonicalParts, type ProjectionShape } from './canonical.js'
import { parseCompact } from './parse.js'
import type { PolyglotApi } from './polyglot-api.js'
import { tokenize } from './sql-tokens.js'

const SET_OPS = ['union', 'intersect', 'except'] as const

interface LeftmostSelect {
  select: AstObject
  /** True when the left-most SELECT sits in parentheses (`(SELECT ...) UNION ...`). */
  parenthesized: boolean
}

/** The data of the left-most SELECT of a query (through set operations and parentheses). */
function leftmostSelect(stmt: unknown, parenthesized = false): LeftmostSelect | undefined {
  const kind = nodeKind(stmt)
  if (kind === undefined) return undefined
  const data = dataOf(stmt, kind)
  if (!data) return undefined
  if (kind === 'select') return { select: data, parenthesized }
  if ((SET_OPS as readonly string[]).includes(kind)) return leftmostSelect(data.left, parenthesized)
  if (kind === 'subquery' || kind === 'paren') return leftmostSelect(data.this, true)
  return undefined
}

function projections(select: AstObject): unknown[] {
  return Array.isArray(select.expressions) ? select.expressions : []
}

/** Output name of one projection, or `undefined` for `*` and unnamed expressions. */
function outputName(expr: unknown, dialect: Dialect): string | undefined {
  const alias = dataOf(expr, 'alias')
  if (alias) return isIdent(alias.alias) ? normIdent(alias.alias, dialect) : undefined
  const col = dataOf(expr, 'column')
  if (col) return isIdent(col.name) ? normIdent(col.name, dialect) : undefined
  const dot = dataOf(expr, 'dot')
  if (dot) return isIdent(dot.field) ? normIdent(dot.field, dialect) : undefined
  return undefined
}

function outputColumns(select: AstObject, dialect: Dialect): string[] | undefined {
  const names: string[] = []
  for (const e of projections(select)) {
    const n = outputName(e, dialect)
    if (n === undefined) return undefined
    names.push(n)
  }
  return names
}

/** How many trailing tokens of each projection are its alias (`AS x` = 2, `x` = 1). */
function projectionShape(select: AstObject): ProjectionShape {
  return {
    aliasTokens: projections(select).map((e) => {
      const a = dataOf(e, 'alias')
      if (!a) return 0
      if (Array.isArray(a.column_aliases) && a.column_aliases.length > 0) return 0
      return a.alias_explicit_as === true ? 2 : 1
    }),
  }
}

/**
 * DuckDB reads files named in single quotes (`FROM 'data.csv'`); polyglot makes them quoted
 * table names, told apart from `"ident"` only by the quote character in the text.
 */
function isFileReference(ref: TableRef, text: string): boolean {
  const { name, schema, catalog } = ref.data
  if (!name.quoted || schema || catalog) return false
  const start = name.span?.start
  if (start === undefined) return false
  const at = /[\uD800-\uDFFF]/.test(text) ? [...text][start] : text.charAt(start)
  return at === "'"
}

/**
 * Analyzes one SELECT-like statement: one polyglot parse (of the comment-free text), one walk of
 * its AST, one token pass.
 * Throws `SqlError('SQL_PARSE')` with `location.line` relative to `sql`.
 */
export function analyzeSql(api: PolyglotApi, sql: string, dialect: Dialect): QueryAnalysis {
  const tokens = tokenize(sql)
  const { stmt, text } = parseCompact(api, sql, tokens, dialect, 'SQL_PARSE')
  const refs = collectTableRefs(stmt, dialect).filter((r) => !isFileReference(r, text))
  const tables = [...new Set(refs.map((r) => r.key))].sort()
  const left = leftmostSelect(stmt)
  const columns = left ? outputColumns(left.select, dialect) : undefined
  const shape = left && !left.parenthesized ? projectionShape(left.select) : undefined
  return { tables, columns, ...canonicalParts(tokens, dialect, shape) }
}
