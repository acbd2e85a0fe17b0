/**
 * Small readers for the values written in a `MODEL (...)` header: scalars, identifiers, dotted
 * names, tuples, `key value` / `key := value` options and `name(arg := x)` calls. They work on
 * lexer tokens (trivia included) and raise `ProjectError`s that point at the exact file line.
 */
import { ProjectError, type ErrorCode } from '../errors.js'
import { isTrivia, matchParen, tokensText, trimTrivia, unquoteString, type Token } from '../sql/lexer.js'

/** Throw a `ProjectError` located at `file:line`. */
export function fail(code: ErrorCode, file: string, line: number, message: string): never {
  throw new ProjectError(code, message, { location: { file, line } })
}

/** Shorthand for a `HEADER_INVALID` error. */
export function headerFail(file: string, line: number, message: string): never {
  return fail('HEADER_INVALID', file, line, message)
}

/** The tokens that carry meaning (no whitespace, no comments). */
export function significant(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => !isTrivia(t))
}

/** True when `t` is the single-character punctuation `text`. */
export function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.type === 'punct' && t.text === text
}

/**
 * SQL text of `tokens` with comments dropped and every run of whitespace/comments collapsed to one
 * space, trimmed. `DAY( created_at ) -- x` becomes `DAY( created_at )`.
 */
export function rawText(tokens: readonly Token[]): string {
  let out = ''
  let pendingSpace = false
  for (const t of trimTrivia(tokens)) {
    if (isTrivia(t)) {
      pendingSpace = true
      continue
    }
    if (pendingSpace) out += ' '
    pendingSpace = false
    out += t.text
  }
  return out
}

/** Verbatim source text of `tokens` without leading/trailing trivia. */
export function verbatimText(tokens: readonly Token[]): string {
  return tokensText(trimTrivia(tokens))
}

/** Short human form of a token for messages. */
export function describeToken(t: Token): string {
  const text = t.text.length > 30 ? `${t.text.slice(0, 27)}...` : t.text
  return `'${text}'`
}

/**
 * Split the tokens strictly between `open` and `close` on commas at paren depth 0. Parts are
 * trimmed of trivia. A trailing comma is allowed; an empty part elsewhere (`a,,b` or `(,a)`) is an
 * error located at the offending comma.
 */
export function splitTopLevel(tokens: readonly Token[], open: number, close: number, file: string): Token[][] {
  const parts: Token[][] = []
  let cur: Token[] = []
  let depth = 0
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k]!
    if (t.type === 'punct') {
      if (t.text === '(' || t.text === '[') depth++
      else if (t.text === ')' || t.text === ']') depth--
      else if (t.text === ',' && depth === 0) {
        const part = trimTrivia(cur)
        if (part.length === 0) headerFail(file, t.line, "unexpected ',' (empty item in a list)")
        parts.push(part)
        cur = []
        continue
      }
    }
    cur.push(t)
  }
  const last = trimTrivia(cur)
  if (last.length > 0) parts.push(last)
  return parts
}

/** True when the trimmed `value` is one parenthesised group: `( ... )`. */
export function isTuple(value: readonly Token[]): boolean {
  return isPunct(value[0], '(') && matchParen(value, 0) === value.length - 1
}

/** The items of a tuple value `(a, b, c)`, or `[value]` when it is a single element. */
export function tupleItems(value: readonly Token[], file: string): Token[][] {
  if (isTuple(value)) return splitTopLevel(value, 0, value.length - 1, file)
  return [trimTrivia(value)]
}

/** Fail when a value that should be one token has more: usually a missing comma. */
function expectSingle(sig: readonly Token[], file: string, what: string, fallbackLine: number): Token {
  const first = sig[0]
  if (first === undefined) headerFail(file, fallbackLine, `${what} has no value`)
  const extra = sig[1]
  if (extra !== undefined) {
    headerFail(file, extra.line, `unexpected ${describeToken(extra)} after the value of ${what} (missing ','?)`)
  }
  return first
}

/**
 * A single-token value: quoted strings and quoted identifiers are unquoted; bare words, numbers
 * and `@variable` references are kept as written.
 */
export function readScalar(value: readonly Token[], file: string, what: string, line: number): string {
  const t = expectSingle(significant(value), file, what, line)
  switch (t.type) {
    case 'string':
    case 'qident':
      return unquoteString(t.text)
    case 'ident':
    case 'number':
    case 'macro':
      return t.text
    default:
      return headerFail(file, t.line, `unexpected ${describeToken(t)} as the value of ${what}`)
  }
}

/** `true` / `false`, bare or quoted, any case. */
export function readBoolean(value: readonly Token[], file: string, what: string, line: number): boolean {
  const s = readScalar(value, file, what, line).toLowerCase()
  if (s === 'true') return true
  if (s === 'false') return false
  const at = significant(value)[0]?.line ?? line
  return headerFail(file, at, `${what} must be true or false, got '${s}'`)
}

/** Normalise one identifier token: bare words are lower-cased, quoted ones are unquoted as is. */
export function identifierName(t: Token): string | undefined {
  if (t.type === 'ident') return t.text.toLowerCase()
  if (t.type === 'qident') return unquoteString(t.text)
  return undefined
}

/** A single identifier (`ts`, `"Ts"`), normalised with `identifierName`. */
export function readIdentifier(value: readonly Token[], file: string, what: string, line: number): string {
  const t = expectSingle(significant(value), file, what, line)
  const name = identifierName(t)
  if (name === undefined) headerFail(file, t.line, `expected a column name for ${what}, found ${describeToken(t)}`)
  return name
}

/**
 * A dotted table name (`oso.stg_x`, `"cat".db.t`, or a quoted string `'oso.x'`), lower-cased.
 * `@{var}` / `@var` parts are kept as written for the macro layer.
 */
export function readDottedName(value: readonly Token[], file: string, what: string, line: number): string {
  const sig = significant(value)
  const first = sig[0]
  if (first === undefined) headerFail(file, line, `${what} has no value`)
  if (first.type === 'string') {
    expectSingle(sig, file, what, line)
    return unquoteString(first.text).toLowerCase()
  }
  const parts: string[] = []
  let k = 0
  for (;;) {
    const t = sig[k]
    if (t === undefined) headerFail(file, sig[k - 1]?.line ?? line, `${what} ends with '.'`)
    const part = t.type === 'macro' ? t.text : identifierName(t)
    if (part === undefined) headerFail(file, t.line, `expected a name for ${what}, found ${describeToken(t)}`)
    parts.push(part.toLowerCase())
    k++
    if (!isPunct(sig[k], '.')) break
    k++
  }
  const rest = sig[k]
  if (rest !== undefined) {
    headerFail(file, rest.line, `unexpected ${describeToken(rest)} after the value of ${what} (missing ','?)`)
  }
  return parts.join('.')
}

/** One `key value`, `key := value` or `key = value` option. */
export interface KeyValue {
  /** Lower-cased key. */
  key: string
  /** Line of the key. */
  line: number
  /** Value tokens, trimmed, never empty. */
  value: Token[]
}

/** Read one option of a kind (or of a call) written as `key value`, `key := value` or `key = value`. */
export function readKeyValue(item: readonly Token[], file: string, what: string): KeyValue {
  const keyTok = item[0]!
  if (keyTok.type !== 'ident') {
    headerFail(file, keyTok.line, `expected an option name in ${what}, found ${describeToken(keyTok)}`)
  }
  let rest = trimTrivia(item.slice(1))
  const sep = rest[0]
  if (sep !== undefined && ((sep.type === 'op' && sep.text === ':=') || isPunct(sep, '='))) {
    rest = trimTrivia(rest.slice(1))
  }
  const key = keyTok.text.toLowerCase()
  if (rest.length === 0) headerFail(file, keyTok.line, `option '${key}' in ${what} has no value`)
  return { key, line: keyTok.line, value: rest }
}

/** A call such as `not_null(columns := (id))`, `HAS_AT_LEAST_N_ROWS(threshold := 0)` or a bare `unique`. */
export interface CallValue {
  /** Lower-cased callee name. */
  name: string
  /** Named arguments by lower-cased name; positional ones under '0', '1', ... (raw SQL text). */
  args: Record<string, string>
}

/** Read a call or a bare name. */
export function readCall(item: readonly Token[], file: string, what: string): CallValue {
  const head = item[0]!
  if (head.type !== 'ident') headerFail(file, head.line, `expected a name in ${what}, found ${describeToken(head)}`)
  const name = head.text.toLowerCase()
  const rest = trimTrivia(item.slice(1))
  if (rest.length === 0) return { name, args: {} }
  if (!isPunct(rest[0], '(')) {
    headerFail(file, rest[0]!.line, `unexpected ${describeToken(rest[0]!)} after '${head.text}' in ${what} (missing ','?)`)
  }
  const close = matchParen(rest, 0)
  if (close !== rest.length - 1) {
    const bad = rest[close + 1] ?? rest[0]!
    headerFail(file, bad.line, `unexpected ${describeToken(bad)} after '${head.text}(...)' in ${what} (missing ','?)`)
  }
  const args: Record<string, string> = {}
  let positional = 0
  for (const arg of splitTopLevel(rest, 0, close, file)) {
    const sig = significant(arg)
    const sep = sig[1]
    const named = sig[0]?.type === 'ident' && sep !== undefined && ((sep.type === 'op' && sep.text === ':=') || isPunct(sep, '='))
    if (named) {
      const kv = readKeyValue(arg, file, `${name}(...)`)
      if (kv.key in args) headerFail(file, kv.line, `argument '${kv.key}' given twice in ${name}(...)`)
      args[kv.key] = rawText(kv.value)
    } else {
      args[String(positional++)] = rawText(arg)
    }
  }
  return { name, args }
}
