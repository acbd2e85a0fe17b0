import { renderPart } from './ast.js'
import { canonicalParts, findSelectList, type ProjectionShape } from './canonical.js'
import type { Dialect } from './dialect.js'
import type { QueryAnalysis } from './sql-service.js'
import { isWord, tokenize, type Token } from './sql-tokens.js'

/**
 * Token-level analysis of a query: the same `QueryAnalysis` as the parser's, without loading or
 * running the parser. Loading a project uses it, so a cold plan of 10,000 models takes seconds;
 * the parser (polyglot) stays the authority: every model is parsed before it runs, and a
 * disagreement on tables is an error (see `verifyTables`).
 */
export function scanQuery(sql: string, dialect: Dialect): QueryAnalysis {
  const tokens = tokenize(sql)
  const list = findSelectList(tokens)
  const shape: ProjectionShape | undefined = list ? { aliasTokens: list.items.map(([a, b]) => aliasLength(tokens, a, b)) } : undefined
  const columns = list ? outputColumns(tokens, list.items, dialect) : undefined
  return { tables: scanTables(tokens, dialect), columns, ...canonicalParts(tokens, dialect, shape) }
}

/** Words that follow FROM/JOIN but are not table names. */
const NOT_A_TABLE = new Set(['select', 'lateral', 'unnest', 'values', 'with', 'table', 'from', 'where', 'join', 'on'])
/** Words that end a FROM list (after which a comma is no longer a comma-join). */
const FROM_END = new Set([
  'where', 'group', 'having', 'window', 'qualify', 'order', 'limit', 'offset', 'fetch', 'union',
  'intersect', 'except', 'on', 'using', 'join', 'inner', 'left', 'right', 'full', 'cross', 'natural',
  'select', 'pivot', 'unpivot', 'tablesample', 'for',
])
/** Words that can end an expression and are never an alias (`CASE ... END`, `INTERVAL '1' DAY`). */
const NOT_ALIAS = new Set([
  'end', 'day', 'days', 'hour', 'hours', 'minute', 'minutes', 'second', 'seconds', 'month', 'months',
  'year', 'years', 'week', 'weeks', 'null', 'true', 'false', 'desc', 'asc', 'first', 'last',
])

function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === p
}
function isName(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'word' || t.kind === 'ident')
}
function closeOf(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!
    if (t.kind !== 'punct') continue
    if (t.text === '(') depth++
    else if (t.text === ')' && --depth === 0) return k
  }
  return tokens.length
}

function normName(t: Token, dialect: Dialect): string {
  if (t.kind === 'ident') {
    const inner = t.text.slice(1, -1).replace(/""/g, '"')
    return dialect === 'duckdb' ? inner : inner.toLowerCase()
  }
  return t.text.toLowerCase()
}

/** Names of every CTE in the statement (`WITH a AS (...), b (x) AS (...)`), normalized. */
function cteNames(tokens: readonly Token[], dialect: Dialect): Set<string> {
  const out = new Set<string>()
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'with')) continue
    let j = i + 1
    if (isWord(tokens[j], 'recursive')) j++
    while (isName(tokens[j])) {
      const name = tokens[j]!
      let k = j + 1
      if (isPunct(tokens[k], '(')) k = closeOf(tokens, k) + 1
      if (!isWord(tokens[k], 'as')) break
      k++
      if (isWord(tokens[k], 'not')) k++
      if (isWord(tokens[k], 'materialized')) k++
      if (!isPunct(tokens[k], '(')) break
      out.add(normName(name, dialect))
      k = closeOf(tokens, k) + 1
      if (!isPunct(tokens[k], ',')) break
      j = k + 1
    }
  }
  return out
}

/**
 * Tables read by the query: names after FROM / JOIN (and comma-joins), in a query context — a
 * FROM inside `extract(day FROM x)` or `substring(s FROM 2)` is not a table. CTE names are
 * excluded; table functions, subqueries and UNNEST are skipped.
 */
export function scanTables(tokens: readonly Token[], dialect: Dialect): string[] {
  const ctes = cteNames(tokens, dialect)
  const out = new Set<string>()
  /** Per open parenthesis: has a SELECT (or a leading FROM) appeared at this level? */
  const query: boolean[] = [false]
  const readRef = (j: number): number => {
    if (isWord(tokens[j], 'lateral')) j++
    const t = tokens[j]
    if (!isName(t) || (t!.kind === 'word' && NOT_A_TABLE.has(t!.text.toLowerCase()))) return j
    const parts = [normName(t!, dialect)]
    let k = j + 1
    while (isPunct(tokens[k], '.') && isName(tokens[k + 1])) {
      parts.push(normName(tokens[k + 1]!, dialect))
      k += 2
    }
    if (isPunct(tokens[k], '(')) return k // a table function: read_csv(...), TABLE(...)
    if (parts.length === 1 && ctes.has(parts[0]!)) return k
    out.add(parts.map(renderPart).join('.'))
    return k
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.kind === 'punct') {
      if (t.text === '(') query.push(false)
      else if (t.text === ')' && query.length > 1) query.pop()
      continue
    }
    if (t.kind !== 'word') continue
    const w = t.text.toLowerCase()
    if (w === 'select') {
      query[query.length - 1] = true
      continue
    }
    const leadingFrom = w === 'from' && (i === 0 || isPunct(tokens[i - 1], '('))
    if (w === 'join' || (w === 'from' && (query[query.length - 1] || leadingFrom))) {
      if (w === 'from' && isWord(tokens[i - 1], 'distinct')) continue // IS [NOT] DISTINCT FROM
      let k = readRef(i + 1)
      if (w === 'join') continue
      // Comma-joins: FROM a x, b AS y, c
      for (;;) {
        while (k < tokens.length && !isPunct(tokens[k], ',') && !isPunct(tokens[k], ')') && !isPunct(tokens[k], ';')) {
          const u = tokens[k]!
          if (u.kind === 'word' && FROM_END.has(u.text.toLowerCase())) break
          if (isPunct(u, '(')) k = closeOf(tokens, k)
          k++
        }
        if (!isPunct(tokens[k], ',')) break
        k = readRef(k + 1)
      }
    }
  }
  return [...out].sort()
}

/** How many trailing tokens of a projection are its alias: `AS x` = 2, `expr x` = 1, else 0. */
function aliasLength(tokens: readonly Token[], a: number, b: number): number {
  if (b - a >= 3 && isWord(tokens[b - 2], 'as') && isName(tokens[b - 1])) return 2
  const last = tokens[b - 1]
  const prev = tokens[b - 2]
  if (b - a < 2 || !isName(last) || prev === undefined) return 0
  if (last!.kind === 'word' && NOT_ALIAS.has(last!.text.toLowerCase())) return 0
  if (isPunct(prev, '.') || (prev.kind === 'punct' && prev.text !== ')' && prev.text !== ']')) return 0
  if (prev.kind === 'word' && ['distinct', 'all', 'not', 'and', 'or', 'is', 'as'].includes(prev.text.toLowerCase())) return 0
  return 1
}

/** Output names of the outermost SELECT list, or undefined when one is `*` or unnamed. */
function outputColumns(tokens: readonly Token[], items: ReadonlyArray<[number, number]>, dialect: Dialect): string[] | undefined {
  const names: string[] = []
  for (const [a, b] of items) {
    const alias = aliasLength(tokens, a, b)
    const last = tokens[b - 1]
    if (alias > 0 || (isName(last) && (b - a === 1 || isPunct(tokens[b - 2], '.')))) names.push(normName(last!, dialect))
    else return undefined
  }
  return names
}
