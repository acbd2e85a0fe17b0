/**
 * A character scanner that finds macros without tokenizing the whole text. It follows the same
 * rules as `sql/lexer.ts` for what hides an `@` (strings with `''` escapes, `"..."` and `` `...` ``
 * identifiers, `--` and `/* *\/` comments, unterminated ones running to the end), so only the text
 * of each macro call is handed to the lexer.
 */

const AT = 64
const LBRACE = 123
const QUOTE = 39
const DQUOTE = 34
const BACKTICK = 96
const DASH = 45
const SLASH = 47
const STAR = 42
const LPAREN = 40
const RPAREN = 41

/** Same class as the lexer's identifier start: letters, `_`, any non-ASCII code unit. */
export function isIdentStartCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80
}

/** Same class as the lexer's identifier part: identifier start, digits, `$`. */
export function isIdentPartCode(c: number): boolean {
  return isIdentStartCode(c) || (c >= 48 && c <= 57) || c === 36
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12
}

function skipQuoted(src: string, i: number, q: string): number {
  let j = i + 1
  for (;;) {
    const k = src.indexOf(q, j)
    if (k < 0) return src.length
    if (src[k + 1] === q) {
      j = k + 2
      continue
    }
    return k + 1
  }
}

/** Index just past a comment starting at `i`, or `i` when none starts there. */
export function skipComment(src: string, i: number): number {
  const c = src.charCodeAt(i)
  const d = src.charCodeAt(i + 1)
  if (c === DASH && d === DASH) {
    const j = src.indexOf('\n', i)
    return j < 0 ? src.length : j
  }
  if (c === SLASH && d === STAR) {
    const j = src.indexOf('*/', i + 2)
    return j < 0 ? src.length : j + 2
  }
  return i
}

/** Index just past a string, quoted identifier or comment starting at `i`, or `i` when none does. */
export function skipOpaque(src: string, i: number): number {
  const c = src.charCodeAt(i)
  if (c === QUOTE || c === DQUOTE || c === BACKTICK) return skipQuoted(src, i, src[i]!)
  return skipComment(src, i)
}

/** Index just past an `@{...}` starting at `i` (to the first `}`, or the end). */
export function interpolationEnd(src: string, i: number): number {
  const j = src.indexOf('}', i + 2)
  return j < 0 ? src.length : j + 1
}

/** Index of the next macro `@` (followed by `{` or an identifier start) at or after `from`, or -1. */
export function nextMacro(src: string, from: number): number {
  const n = src.length
  let i = from
  while (i < n) {
    const c = src.charCodeAt(i)
    if (c === AT) {
      const d = src.charCodeAt(i + 1)
      if (d === LBRACE || isIdentStartCode(d)) return i
      i++
    } else if (c === QUOTE || c === DQUOTE || c === BACKTICK || c === DASH || c === SLASH) {
      const j = skipOpaque(src, i)
      i = j > i ? j : i + 1
    } else {
      i++
    }
  }
  return -1
}

/** End of the identifier starting at `i`. */
export function identEnd(src: string, i: number): number {
  let j = i
  while (j < src.length && isIdentPartCode(src.charCodeAt(j))) j++
  return j
}

/** Index of the first character at or after `i` that is not whitespace (nor a comment, if `comments`). */
export function skipTrivia(src: string, i: number, comments: boolean): number {
  let j = i
  for (;;) {
    while (j < src.length && isSpaceCode(src.charCodeAt(j))) j++
    if (!comments) return j
    const k = skipComment(src, j)
    if (k === j) return j
    j = k
  }
}

/** Index of the `)` matching the `(` at `open`, skipping strings, comments and `@{...}`; -1 if none. */
export function matchingParen(src: string, open: number): number {
  let depth = 0
  let i = open
  while (i < src.length) {
    const c = src.charCodeAt(i)
    if (c === LPAREN) depth++
    else if (c === RPAREN) {
      if (--depth === 0) return i
    } else if (c === AT && src.charCodeAt(i + 1) === LBRACE) {
      i = interpolationEnd(src, i)
      continue
    } else if (c === QUOTE || c === DQUOTE || c === BACKTICK || c === DASH || c === SLASH) {
      const j = skipOpaque(src, i)
      if (j > i) {
        i = j
        continue
      }
    }
    i++
  }
  return -1
}

/** Number of `\n` in `src[from, to)`. */
export function countNewlines(src: string, from: number, to: number): number {
  let n = 0
  for (let i = src.indexOf('\n', from); i >= 0 && i < to; i = src.indexOf('\n', i + 1)) n++
  return n
}

