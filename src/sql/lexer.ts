/**
 * A small SQL lexer that knows strings, quoted identifiers, comments and SQLMesh macros. It never
 * fails: anything it does not recognise becomes a one-character `punct` token. Used by the model
 * file splitter, the header parser and the macro renderer; the full parser lives behind SqlService.
 */
export type TokenType =
  | 'ws' // whitespace
  | 'comment' // -- line or /* block */
  | 'string' // '...' with '' escapes (also E'..' / X'..' prefixes as separate ident + string)
  | 'qident' // "..." with "" escapes, or `...`
  | 'ident' // bare word: letters, digits, _, $
  | 'number' // 12, 1.5, 1e18, .5
  | 'macro' // @name, @{name} (text includes the @)
  | 'op' // multi-char operators: := :: <= >= <> != || -> ->> =>
  | 'punct' // any other single character: ( ) , ; . = + - * / < > etc.

export interface Token {
  type: TokenType
  text: string
  /** Offset of the first character in the source. */
  start: number
  /** Offset after the last character. */
  end: number
  /** 1-based line of the first character. */
  line: number
}

const MULTI_OPS = ['->>', ':=', '::', '<=', '>=', '<>', '!=', '||', '->', '=>']
/** Char codes that can start a multi-character operator. */
const OP_START = new Set(MULTI_OPS.map((o) => o.charCodeAt(0)))

// Character classes by char code, so the hot loop never runs a RegExp.
const WS = 1
const DIGIT = 2
const IDENT_START = 4
const CLASS = new Uint8Array(128)
for (const c of ' \t\n\r\f') CLASS[c.charCodeAt(0)] = WS
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT
for (let c = 65; c <= 90; c++) CLASS[c] = IDENT_START
for (let c = 97; c <= 122; c++) CLASS[c] = IDENT_START
CLASS[95] = IDENT_START // _

function isIdentStartCode(c: number): boolean {
  return c >= 128 || CLASS[c] === IDENT_START
}
function isIdentPartCode(c: number): boolean {
  return c >= 128 || CLASS[c] === IDENT_START || CLASS[c] === DIGIT || c === 36 // $
}
function isDigitCode(c: number): boolean {
  return c < 128 && CLASS[c] === DIGIT
}
function isWsCode(c: number): boolean {
  return c < 128 && CLASS[c] === WS
}

/** Tokenize `src` completely. Unterminated strings/comments run to the end of input. */
export function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  let line = 1
  const n = src.length
  const push = (type: TokenType, end: number): void => {
    out.push({ type, text: src.slice(i, end), start: i, end, line })
    // Only these token types can span lines.
    if (type === 'ws' || type === 'comment' || type === 'string' || type === 'qident') {
      for (let k = i; k < end; k++) if (src.charCodeAt(k) === 10) line++
    }
    i = end
  }
  while (i < n) {
    const c = src.charCodeAt(i)
    const d = i + 1 < n ? src.charCodeAt(i + 1) : -1
    if (isWsCode(c)) {
      let j = i + 1
      while (j < n && isWsCode(src.charCodeAt(j))) j++
      push('ws', j)
    } else if (c === 45 && d === 45) {
      // --
      let j = src.indexOf('\n', i)
      if (j < 0) j = n
      push('comment', j)
    } else if (c === 47 && d === 42) {
      // /*
      const j = src.indexOf('*/', i + 2)
      push('comment', j < 0 ? n : j + 2)
    } else if (c === 39) {
      push('string', scanQuoted(src, i, "'"))
    } else if (c === 34 || c === 96) {
      push('qident', scanQuoted(src, i, c === 34 ? '"' : '`'))
    } else if (c === 64) {
      // @
      if (d === 123) {
        const j = src.indexOf('}', i + 2)
        push('macro', j < 0 ? n : j + 1)
      } else if (d >= 0 && isIdentStartCode(d)) {
        let j = i + 2
        while (j < n && isIdentPartCode(src.charCodeAt(j))) j++
        push('macro', j)
      } else {
        push('punct', i + 1)
      }
    } else if (isDigitCode(c) || (c === 46 && d >= 0 && isDigitCode(d))) {
      let j = i + 1
      while (j < n && (isDigitCode(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++
      const e = src.charCodeAt(j)
      const after = src.charCodeAt(j + 1)
      if (j < n && (e === 101 || e === 69) && (isDigitCode(after) || after === 43 || after === 45)) {
        j += 2
        while (j < n && isDigitCode(src.charCodeAt(j))) j++
      }
      // `1d` etc. are not numbers; let an identifier tail stay attached so `3d` stays one token.
      while (j < n && isIdentPartCode(src.charCodeAt(j))) j++
      push('number', j)
    } else if (isIdentStartCode(c)) {
      let j = i + 1
      while (j < n && isIdentPartCode(src.charCodeAt(j))) j++
      push('ident', j)
    } else {
      const op = OP_START.has(c) ? MULTI_OPS.find((o) => src.startsWith(o, i)) : undefined
      push(op ? 'op' : 'punct', i + (op ? op.length : 1))
    }
  }
  return out
}

function scanQuoted(src: string, start: number, q: string): number {
  let j = start + 1
  while (j < src.length) {
    if (src[j] === q) {
      if (src[j + 1] === q) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return src.length
}

/** True for tokens that carry no meaning (whitespace and comments). */
export function isTrivia(t: Token): boolean {
  return t.type === 'ws' || t.type === 'comment'
}

/**
 * Split a token list on top-level `;` (outside parentheses). Returns the token slices of each
 * statement, trivia-only statements dropped.
 */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = []
  let cur: Token[] = []
  let depth = 0
  for (const t of tokens) {
    if (t.type === 'punct') {
      if (t.text === '(') depth++
      else if (t.text === ')') depth = Math.max(0, depth - 1)
      else if (t.text === ';' && depth === 0) {
        if (cur.some((x) => !isTrivia(x))) out.push(cur)
        cur = []
        continue
      }
    }
    cur.push(t)
  }
  if (cur.some((x) => !isTrivia(x))) out.push(cur)
  return out
}

/**
 * Given the index of an opening `(` token, return the index of its matching `)`, or -1 when the
 * input ends first.
 */
export function matchParen(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!
    if (t.type !== 'punct') continue
    if (t.text === '(') depth++
    else if (t.text === ')') {
      depth--
      if (depth === 0) return k
    }
  }
  return -1
}

/**
 * Split the tokens strictly between `open` and its matching `close` on top-level commas.
 * Each part is trimmed of leading/trailing trivia; an empty trailing part (trailing comma) is dropped.
 */
export function splitArgs(tokens: readonly Token[], open: number, close: number): Token[][] {
  const parts: Token[][] = []
  let cur: Token[] = []
  let depth = 0
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k]!
    if (t.type === 'punct') {
      if (t.text === '(' || t.text === '[') depth++
      else if (t.text === ')' || t.text === ']') depth--
      else if (t.text === ',' && depth === 0) {
        parts.push(trimTrivia(cur))
        cur = []
        continue
      }
    }
    cur.push(t)
  }
  const last = trimTrivia(cur)
  if (last.length > 0 || parts.length > 0) parts.push(last)
  // trailing comma: `(a, b,)` -> drop the empty last part
  if (parts.length > 0 && parts[parts.length - 1]!.length === 0) parts.pop()
  return parts
}

/** Drop leading and trailing whitespace/comment tokens. */
export function trimTrivia(tokens: readonly Token[]): Token[] {
  let a = 0
  let b = tokens.length
  while (a < b && isTrivia(tokens[a]!)) a++
  while (b > a && isTrivia(tokens[b - 1]!)) b--
  return tokens.slice(a, b)
}

/** Concatenate token texts. */
export function tokensText(tokens: readonly Token[]): string {
  let s = ''
  for (const t of tokens) s += t.text
  return s
}

/** The text of a `'...'` string token without quotes, `''` unescaped. */
export function unquoteString(text: string): string {
  const q = text[0]
  if (q !== "'" && q !== '"' && q !== '`') return text
  const body = text.endsWith(q) && text.length > 1 ? text.slice(1, -1) : text.slice(1)
  return body.split(q + q).join(q)
}
