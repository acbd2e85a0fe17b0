import type { Dialect } from './dialect.js'
import { isWord, type Token } from './sql-tokens.js'

/**
 * Canonical text of a query, built from its tokens (not from a polyglot `generate`, which costs
 * ~3x the parse itself): comments and whitespace dropped, unquoted words lower-cased (keywords,
 * identifiers and function names are all case-insensitive), trailing commas dropped, tokens
 * re-joined with one fixed spacing rule. Literals and quoted identifiers are kept verbatim
 * (Trino quoted identifiers are lower-cased, since Trino folds them too).
 */
export interface CanonicalParts {
  /** The whole query, canonicalized. */
  canonical: string
  /** Canonical text of each top-level projection (`sum(x) as total`), in order. */
  projections: string[]
  /** `canonical` with the top-level projection list replaced by `<projections>`. */
  body: string
}

/** What the AST says about the outermost SELECT, used to cross-check the token split. */
export interface ProjectionShape {
  /** For each top-level projection: how many trailing tokens form its alias (`AS x` = 2, `x` = 1). */
  aliasTokens: number[]
}

const PLACEHOLDER = '<projections>'

/** Keywords after which `(` keeps a space (`IN (`, `AS (`), so the text stays readable. */
const SPACED_BEFORE_PAREN = new Set([
  'as', 'in', 'and', 'or', 'not', 'on', 'exists', 'over', 'from', 'join', 'using', 'when', 'then',
  'else', 'select', 'where', 'by', 'with', 'values', 'filter', 'union', 'all', 'intersect',
  'except', 'lateral', 'unnest', 'is', 'between', 'like', 'any', 'some', 'recursive', 'window',
  'having', 'distinct', 'sets', 'rollup', 'cube', 'within', 'group', 'row', 'array', 'map',
])

/** Words that end a SELECT list at depth 0. */
const LIST_END = new Set([
  'from', 'where', 'group', 'having', 'window', 'qualify', 'order', 'limit', 'offset', 'fetch',
  'union', 'intersect', 'except', 'into',
])

const SET_OPS = new Set(['union', 'intersect', 'except'])

function canonText(t: Token, dialect: Dialect): string {
  if (t.kind === 'word') return t.text.toLowerCase()
  if (t.kind === 'ident' && dialect === 'trino') return t.text.toLowerCase()
  return t.text
}

function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === p
}

function isOpen(t: Token): boolean {
  return t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')
}

function isClose(t: Token): boolean {
  return t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}')
}

/** A trailing comma: before `)` or before the `FROM` that ends a select list. */
function isTrailingComma(tokens: readonly Token[], i: number): boolean {
  const next = tokens[i + 1]
  return isPunct(tokens[i], ',') && (next === undefined || isPunct(next, ')') || isWord(next, 'from'))
}

/** Joins canonical pieces with a deterministic spacing rule. */
class CanonWriter {
  private out = ''
  private prev: { text: string; word: boolean } | undefined

  push(text: string, kind: Token['kind'] | 'raw'): void {
    const prev = this.prev
    let sep = ' '
    if (prev === undefined) sep = ''
    else if (text === ',' || text === ')' || text === ']' || text === '.' || text === '::') sep = ''
    else if (prev.text === '(' || prev.text === '[' || prev.text === '.' || prev.text === '::') sep = ''
    else if (text === '(' && prev.word && !SPACED_BEFORE_PAREN.has(prev.text)) sep = ''
    this.out += sep + text
    this.prev = { text, word: kind === 'word' || kind === 'ident' }
  }

  toString(): string {
    return this.out
  }
}

/** Canonical text of `tokens[from, to)`, with optional per-index replacements. */
export function renderTokens(
  tokens: readonly Token[],
  dialect: Dialect,
  from = 0,
  to = tokens.length,
  replace?: ReadonlyMap<number, string>,
): string {
  const w = new CanonWriter()
  for (let i = from; i < to; i++) {
    const t = tokens[i]
    if (t === undefined || isTrailingComma(tokens, i)) continue
    const r = replace?.get(i)
    if (r !== undefined) w.push(r, 'raw')
    else w.push(canonText(t, dialect), t.kind)
  }
  return w.toString()
}

export interface SelectList {
  /** Token index of the first projection token and one past the last. */
  start: number
  end: number
  items: Array<[number, number]>
  distinct: boolean
}

/** Finds the first depth-0 SELECT list (the left-most SELECT of the outermost query). */
export function findSelectList(tokens: readonly Token[]): SelectList | undefined {
  let depth = 0
  let i = 0
  for (; i < tokens.length; i++) {
    const t = tokens[i] as Token
    if (isOpen(t)) depth++
    else if (isClose(t)) depth--
    else if (depth === 0 && isWord(t, 'select')) break
  }
  if (i >= tokens.length) return undefined
  let j = i + 1
  let distinct = false
  if (isWord(tokens[j], 'distinct')) {
    distinct = true
    j++
  } else if (isWord(tokens[j], 'all')) j++
  const start = j
  const items: Array<[number, number]> = []
  let itemStart = j
  depth = 0
  let k = j
  for (; k < tokens.length; k++) {
    const t = tokens[k] as Token
    if (isOpen(t)) depth++
    else if (isClose(t)) {
      if (depth === 0) break
      depth--
    } else if (depth === 0) {
      if (isPunct(t, ',')) {
        items.push([itemStart, k])
        itemStart = k + 1
      } else if (isPunct(t, ';')) break
      else if (t.kind === 'word' && LIST_END.has(t.text.toLowerCase())) {
        const lower = t.text.toLowerCase()
        const prev = tokens[k - 1]
        if (lower === 'from' && k - 1 > start && isWord(prev, 'distinct')) continue // IS DISTINCT FROM
        if (lower === 'except' && isPunct(prev, '*')) continue // DuckDB `* EXCEPT (col)`
        break
      }
    }
  }
  items.push([itemStart, k])
  return { start, end: k, items: items.filter(([a, b]) => b > a), distinct }
}

/**
 * Replaces `GROUP BY 1, 2` / `ORDER BY 1` ordinals of the outermost query by the projection they
 * name, so inserting a projection in the middle does not silently regroup while the body text
 * stays the same. Returns `undefined` on `GROUP BY ALL`, which makes every projection part of the
 * query's meaning.
 */
function resolveOrdinals(
  tokens: readonly Token[],
  list: SelectList,
  exprs: readonly string[],
): Map<number, string> | undefined {
  const replace = new Map<number, string>()
  let depth = 0
  let clause = ''
  for (let k = list.end; k < tokens.length; k++) {
    const t = tokens[k] as Token
    if (isOpen(t)) depth++
    else if (isClose(t)) depth--
    if (depth !== 0) continue
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase()
      if (SET_OPS.has(lower)) break
      if (lower === 'by') clause = tokens[k - 1]?.text.toLowerCase() ?? ''
      else if (lower === 'all' && clause === 'group' && isWord(tokens[k - 1], 'by')) return undefined
      else if (LIST_END.has(lower) || lower === 'having') clause = lower
    } else if (t.kind === 'number' && (clause === 'group' || clause === 'order')) {
      const prev = tokens[k - 1]
      const pos = Number(t.text)
      const expr = exprs[pos - 1]
      if ((isWord(prev, 'by') || isPunct(prev, ',')) && Number.isInteger(pos) && expr !== undefined) {
        replace.set(k, `(${expr})`)
      }
    }
  }
  return replace
}

/**
 * Canonical text, top-level projections and "body" (the query with its top-level projection list
 * replaced by `<projections>`). The body also keeps the whole list when the list changes the
 * row set (`SELECT DISTINCT`, `GROUP BY ALL`) and keeps any projection that calls `unnest`.
 * When the token split disagrees with the AST, projections are `[]` and the body is the whole
 * canonical text: every change then counts as breaking, which is the safe direction.
 */
export function canonicalParts(
  allTokens: readonly Token[],
  dialect: Dialect,
  shape: ProjectionShape | undefined,
): CanonicalParts {
  let n = allTokens.length
  while (n > 0 && isPunct(allTokens[n - 1], ';')) n-- // a trailing `;` is not part of the query
  const tokens = n === allTokens.length ? allTokens : allTokens.slice(0, n)
  const canonical = renderTokens(tokens, dialect)
  const list = shape ? findSelectList(tokens) : undefined
  if (!shape || !list || list.items.length !== shape.aliasTokens.length) {
    return { canonical, projections: [], body: canonical }
  }
  const projections = list.items.map(([a, b]) => renderTokens(tokens, dialect, a, b))
  if (list.distinct) return { canonical, projections, body: canonical }
  const exprs = list.items.map(([a, b], i) => {
    const drop = shape.aliasTokens[i] ?? 0
    return renderTokens(tokens, dialect, a, b - drop > a ? b - drop : b)
  })
  const replace = resolveOrdinals(tokens, list, exprs)
  if (!replace) return { canonical, projections, body: canonical }
  const rowChanging = list.items
    .map(([a, b], i) => (tokens.slice(a, b).some((t) => isWord(t, 'unnest')) ? projections[i] : undefined))
    .filter((p): p is string => p !== undefined)
  const placeholder = rowChanging.length ? `<projections ${rowChanging.join(' ; ')}>` : PLACEHOLDER
  const head = renderTokens(tokens, dialect, 0, list.start)
  const tail = renderTokens(tokens, dialect, list.end, tokens.length, replace)
  const body = [head, placeholder, tail].filter((s) => s.length > 0).join(' ')
  return { canonical, projections, body }
}
