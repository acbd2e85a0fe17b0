/**
 * A small, allocation-light SQL token scanner for Trino and DuckDB text. It knows strings,
 * quoted identifiers, comments and numbers well enough to find tokens *outside* literals; it
 * does not validate SQL (polyglot does that). Used for canonical text, the projection split,
 * the trailing-comma fix and cheap "does this query need a rewrite" checks.
 */

/** Token categories. `word` is an unquoted identifier or keyword; `ident` a `"quoted"` one. */
export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'punct'

/** One token: its kind, its source text and its UTF-16 offsets in the scanned string. */
export interface Token {
  /** Category of the token. */
  kind: TokenKind
  /** Source text, including quotes for strings and quoted identifiers. */
  text: string
  /** UTF-16 offset of the first character. */
  start: number
  /** UTF-16 offset after the last character. */
  end: number
}

const MULTI_PUNCT = ['->>', '->', '=>', '::', '<=', '>=', '<>', '!=', '||', '//', '**', ':=', '<<', '>>', '==']

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/** End offset of a quoted run starting at `i` (the opening quote), doubling as the escape. */
function scanQuoted(sql: string, i: number, quote: number, backslash: boolean): number {
  let j = i + 1
  const n = sql.length
  while (j < n) {
    const c = sql.charCodeAt(j)
    if (backslash && c === 92) {
      j += 2
      continue
    }
    if (c === quote) {
      if (sql.charCodeAt(j + 1) === quote) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return n
}

function scanNumber(sql: string, i: number): number {
  let j = i
  const n = sql.length
  while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 95)) j++
  if (sql.charCodeAt(j) === 46 && isDigit(sql.charCodeAt(j + 1))) {
    j++
    while (j < n && isDigit(sql.charCodeAt(j))) j++
  } else if (sql.charCodeAt(j) === 46 && j > i) {
    j++ // `1.` is a number
  }
  const e = sql.charCodeAt(j)
  if (e === 101 || e === 69) {
    let k = j + 1
    const s = sql.charCodeAt(k)
    if (s === 43 || s === 45) k++
    if (isDigit(sql.charCodeAt(k))) {
      j = k
      while (j < n && isDigit(sql.charCodeAt(j))) j++
    }
  }
  return j
}

function scanDollar(sql: string, i: number): number | undefined {
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))
  if (!m) return undefined
  const close = sql.indexOf(m[0], i + m[0].length)
  return close < 0 ? sql.length : close + m[0].length
}

/**
 * Split SQL into tokens, skipping whitespace and comments.
 *
 * @example tokenize("SELECT a -- x\nFROM t").map((t) => t.text) // ['SELECT', 'a', 'FROM', 't']
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = []
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12) {
      i++
      continue
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? n : nl + 1
      continue
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? n : close + 2
      continue
    }
    const start = i
    let kind: TokenKind
    if (c === 39) {
      kind = 'string'
      i = scanQuoted(sql, i, 39, false)
    } else if (c === 34) {
      kind = 'ident'
      i = scanQuoted(sql, i, 34, false)
    } else if ((c === 69 || c === 101) && sql.charCodeAt(i + 1) === 39) {
      kind = 'string' // E'...' with backslash escapes (DuckDB/Postgres)
      i = scanQuoted(sql, i + 1, 39, true)
    } else if (isWordStart(c)) {
      kind = 'word'
      i++
      while (i < n && isWordPart(sql.charCodeAt(i))) i++
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      kind = 'number'
      i = scanNumber(sql, i)
    } else if (c === 36 && scanDollar(sql, i) !== undefined) {
      kind = 'string'
      i = scanDollar(sql, i) ?? n
    } else {
      kind = 'punct'
      const multi = MULTI_PUNCT.find((p) => sql.startsWith(p, i))
      i += multi ? multi.length : 1
    }
    out.push({ kind, text: sql.slice(start, i), start, end: i })
  }
  return out
}

/** True for an unquoted word token equal (case-insensitively) to `lowerWord`. */
export function isWord(t: Token | undefined, lowerWord: string): boolean {
  return t !== undefined && t.kind === 'word' && t.text.length === lowerWord.length && t.text.toLowerCase() === lowerWord
}

/**
 * Blank out trailing commas that polyglot rejects but DuckDB and sqlglot accept: a comma directly
 * before `)` (`SELECT 1 AS a,)`, `VALUES (1, 2),)`). The comma becomes a space, so every other
 * offset and line number is unchanged. Returns the input itself when there is nothing to fix.
 */
export function fixTrailingCommas(sql: string, tokens: readonly Token[] = tokenize(sql)): string {
  let out: string | undefined
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]
    const next = tokens[i + 1]
    if (t && next && t.kind === 'punct' && t.text === ',' && next.kind === 'punct' && next.text === ')') {
      const base: string = out ?? sql
      out = base.slice(0, t.start) + ' ' + base.slice(t.end)
    }
  }
  return out ?? sql
}

/**
 * The same SQL without comments, with each whitespace run collapsed to one space and trailing
 * commas before `)` dropped. polyglot's parse time grows with the text length (comments and
 * indentation included), so the engine parses this shorter text when it needs no positions.
 * Tokens that touched in the source still touch (`X'0A'`, `U&'x'`).
 */
export function compactSql(sql: string, tokens: readonly Token[] = tokenize(sql)): string {
  let out = ''
  let prevEnd = -1
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token
    const next = tokens[i + 1]
    if (t.kind === 'punct' && t.text === ',' && next !== undefined && next.kind === 'punct' && next.text === ')') continue
    if (prevEnd >= 0) out += t.start === prevEnd ? '' : ' '
    out += t.text
    prevEnd = t.end
  }
  return out
}
