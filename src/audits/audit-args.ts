/**
 * Readers for the SQL text of audit arguments (`columns := (a, "B")`, `is_in := ('x', 'y')`,
 * `inclusive := false`). The header parser keeps each argument as raw SQL; these helpers split
 * lists and check shapes, so built-ins can generate SQL per parameter kind instead of substituting
 * text. Every failure is a `ProjectError('AUDIT_INVALID')` without a location; callers add it.
 */
import { ProjectError } from '../errors.js'
import { tokenize, tokensText, trimTrivia, unquoteString, type Token } from '../sql/lexer.js'

/** Throw an `AUDIT_INVALID` error (the caller adds the audit name and the location). */
export function argFail(message: string): never {
  throw new ProjectError('AUDIT_INVALID', message)
}

function isOpen(t: Token | undefined): boolean {
  return t?.type === 'punct' && (t.text === '(' || t.text === '[')
}

function isClose(t: Token | undefined): boolean {
  return t?.type === 'punct' && (t.text === ')' || t.text === ']')
}

/** Index of the bracket closing the one at `open` (`(`/`)` and `[`/`]` nest together), or -1. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let k = open; k < tokens.length; k++) {
    if (isOpen(tokens[k])) depth++
    else if (isClose(tokens[k]) && --depth === 0) return k
  }
  return -1
}

/**
 * The items of a list argument, each as trimmed SQL text: `(a, b)`, `[a, b]`, `ARRAY[a, b]`, or a
 * single value (`a`, `'x'`, `a + b`). A trailing comma is allowed.
 * Example: `listItems("('a', 'b')", 'is_in')` -> `["'a'", "'b'"]`.
 * @throws ProjectError AUDIT_INVALID for an empty list or an empty item (`(a,,b)`).
 */
export function listItems(text: string, what: string): string[] {
  let tokens = trimTrivia(tokenize(text))
  if (tokens[0]?.type === 'ident' && tokens[0].text.toLowerCase() === 'array' && tokens[1]?.text === '[') {
    tokens = tokens.slice(1)
  }
  if (tokens.length === 0) argFail(`${what} has no value`)
  if (!isOpen(tokens[0]) || closing(tokens, 0) !== tokens.length - 1) return [tokensText(tokens)]
  const items: string[] = []
  let cur: Token[] = []
  let depth = 0
  for (const t of tokens.slice(1, -1)) {
    if (isOpen(t)) depth++
    else if (isClose(t)) depth--
    else if (depth === 0 && t.type === 'punct' && t.text === ',') {
      const item = tokensText(trimTrivia(cur))
      if (item === '') argFail(`${what} has an empty item`)
      items.push(item)
      cur = []
      continue
    }
    cur.push(t)
  }
  const last = tokensText(trimTrivia(cur))
  if (last !== '') items.push(last)
  if (items.length === 0) argFail(`${what} is an empty list`)
  return items
}

/** `'name'` (a string where a column is meant) becomes the quoted identifier `"name"`; anything else is kept. */
export function columnText(item: string): string {
  const tokens = trimTrivia(tokenize(item))
  const only = tokens.length === 1 ? tokens[0]! : undefined
  if (only?.type === 'string') return `"${unquoteString(only.text).replaceAll('"', '""')}"`
  return item.trim()
}

/** A list of columns (or column expressions): `(a, "B")` or a single `a`. */
export function columnList(text: string, what: string): string[] {
  return listItems(text, what).map(columnText)
}

/**
 * Exactly one column (or expression): `a`, `"A"`, `(a)`.
 * @throws ProjectError AUDIT_INVALID when a list of several columns is given.
 */
export function singleColumn(text: string, what: string): string {
  const items = listItems(text, what)
  if (items.length !== 1) argFail(`${what} takes one column, got a list of ${items.length}`)
  return columnText(items[0]!)
}

/**
 * `true` / `false` (any case, optionally quoted).
 * @throws ProjectError AUDIT_INVALID for anything else.
 */
export function booleanArg(text: string, what: string): boolean {
  const tokens = trimTrivia(tokenize(text))
  const v = tokens.length === 1 ? unquoteString(tokens[0]!.text).toLowerCase() : text.trim()
  if (v === 'true') return true
  if (v === 'false') return false
  return argFail(`${what} must be true or false, got '${text.trim()}'`)
}

/** True for an absent value: empty text or `NULL`. */
export function isNullArg(text: string | undefined): boolean {
  return text === undefined || text.trim() === '' || text.trim().toLowerCase() === 'null'
}

/** `text` in parentheses unless it is one simple token (`a`, `"A"`, `t.a`, `12`, `'x'`). */
export function paren(text: string): string {
  const t = text.trim()
  return /^(?:[A-Za-z_][\w$]*|"(?:[^"]|"")*"|\.)+$|^\d+(?:\.\d+)?$|^'(?:[^']|'')*'$/.test(t) ? t : `(${t})`
}

/**
 * Positional arguments whose text is `"name" := value` are named arguments with a quoted name (the
 * header parser only recognises bare names). Returns the named arguments, lower-cased keys, and the
 * keys of the remaining positional ones.
 */
export function namedArgs(args: Readonly<Record<string, string>>): { named: Record<string, string>; positional: string[] } {
  const named: Record<string, string> = {}
  const positional: string[] = []
  for (const [key, value] of Object.entries(args)) {
    if (!/^\d+$/.test(key)) {
      named[key.toLowerCase()] = value
      continue
    }
    const m = /^"((?:[^"]|"")+)"\s*(?::=|=)\s*([\s\S]+)$/.exec(value.trim())
    if (m) named[m[1]!.replaceAll('""', '"').toLowerCase()] = m[2]!.trim()
    else positional.push(key)
  }
  return { named, positional }
}
