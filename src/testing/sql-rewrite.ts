/**
 * Token-level rewrites of a rendered (DuckDB) model query for tests: pick out one top-level CTE,
 * and freeze the current time to the test's execution time.
 */
import { EngineError } from '../errors.js'
import { formatDate, formatTimestamp } from '../util/dates.js'
import { isWord, tokenize, type Token } from '../sql/sql-tokens.js'

/** A top-level CTE of a query. */
export interface CteSpan {
  /** Name, lower-cased unless it was quoted. */
  name: string
  /** The name as written (quotes included). */
  text: string
  /** Offset just after the CTE's closing parenthesis. */
  end: number
}

function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === p
}

/** Index of the `)` matching the `(` at `open`, or -1. */
function matchParen(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let k = open; k < tokens.length; k++) {
    if (isPunct(tokens[k], '(')) depth++
    else if (isPunct(tokens[k], ')') && --depth === 0) return k
  }
  return -1
}

/**
 * The top-level CTEs of `sql` (`WITH a AS (...), b AS (...) SELECT ...`), in order; empty when
 * the query does not start with `WITH`.
 */
export function listCtes(sql: string): CteSpan[] {
  const tokens = tokenize(sql)
  const out: CteSpan[] = []
  let i = 0
  if (!isWord(tokens[i], 'with')) return out
  i++
  if (isWord(tokens[i], 'recursive')) i++
  for (;;) {
    const nameTok = tokens[i]
    if (!nameTok || (nameTok.kind !== 'word' && nameTok.kind !== 'ident')) return out
    i++
    if (isPunct(tokens[i], '(')) i = matchParen(tokens, i) + 1 // column list
    if (i <= 0 || !isWord(tokens[i], 'as')) return out
    i++
    if (isWord(tokens[i], 'not')) i++
    if (isWord(tokens[i], 'materialized')) i++
    if (!isPunct(tokens[i], '(')) return out
    const close = matchParen(tokens, i)
    if (close < 0) return out
    const name = nameTok.kind === 'ident' ? nameTok.text.slice(1, -1).replaceAll('""', '"') : nameTok.text.toLowerCase()
    out.push({ name, text: nameTok.text, end: tokens[close]!.end })
    i = close + 1
    if (!isPunct(tokens[i], ',')) return out
    i++
  }
}

/**
 * `WITH <the CTEs up to name> SELECT * FROM name`: the rows of one top-level CTE.
 * @throws EngineError MODEL_INVALID naming the CTEs the query has when `name` is not one of them.
 */
export function cteQuery(sql: string, name: string): string {
  const ctes = listCtes(sql)
  const want = name.toLowerCase()
  const k = ctes.findIndex((c) => c.name.toLowerCase() === want)
  if (k < 0) {
    const have = ctes.map((c) => c.name).join(', ')
    throw new EngineError('MODEL_INVALID', `the model has no top-level CTE '${name}' (${have ? `CTEs: ${have}` : 'it has no CTEs'})`)
  }
  const cte = ctes[k]!
  return `${sql.slice(0, cte.end)}\nSELECT * FROM ${cte.text}`
}

const TIMESTAMP_FUNCS = new Set(['current_timestamp', 'now', 'get_current_timestamp', 'transaction_timestamp', 'localtimestamp'])
const DATE_FUNCS = new Set(['current_date', 'today'])

/**
 * Replace `CURRENT_TIMESTAMP`, `now()`, `CURRENT_DATE`, `today()` (and DuckDB's other spellings)
 * by literals of `executionMs`, so a test with `vars.execution_time` is reproducible.
 * Column references such as `t.now` are left alone.
 */
export function freezeTime(sql: string, executionMs: number): string {
  const tokens = tokenize(sql)
  const edits: Array<{ start: number; end: number; text: string }> = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.kind !== 'word' || isPunct(tokens[i - 1], '.')) continue
    const w = t.text.toLowerCase()
    const isTs = TIMESTAMP_FUNCS.has(w)
    if (!isTs && !DATE_FUNCS.has(w)) continue
    const called = isPunct(tokens[i + 1], '(') && isPunct(tokens[i + 2], ')')
    // `now` and `today` are only functions with `()`; the SQL-standard keywords need none.
    if ((w === 'now' || w === 'today' || w === 'get_current_timestamp' || w === 'transaction_timestamp') && !called) continue
    const end = called ? tokens[i + 2]!.end : t.end
    const text = isTs
      ? `CAST('${formatTimestamp(executionMs, true)}+00' AS TIMESTAMPTZ)`
      : `DATE '${formatDate(executionMs)}'`
    edits.push({ start: t.start, end, text })
    if (called) i += 2
  }
  let out = sql
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}
