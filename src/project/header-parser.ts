/**
 * Finds the `MODEL (...)` header of a model file and splits it into `key value` properties. It only
 * checks structure (balanced parentheses, commas, property names); `model-file.ts` interprets the
 * values. Every failure is one `HEADER_INVALID` error pointing at the line where it was noticed.
 */
import { isTrivia, matchParen, tokenize, type Token } from '../sql/lexer.js'
import { describeToken, headerFail, isPunct, splitTopLevel } from './header-values.js'

/** Properties interpreted into `ModelDefinition` fields. */
export const CORE_PROPERTIES = [
  'name',
  'kind',
  'cron',
  'start',
  'end',
  'dialect',
  'tags',
  'grain',
  'partitioned_by',
  'description',
  'owner',
  'column_descriptions',
  'columns',
  'audits',
  'depends_on',
  'enabled',
] as const

/** Properties accepted and kept verbatim in `ModelDefinition.extra`. */
export const EXTRA_PROPERTIES = [
  'ignored_rules',
  'cron_tz',
  'grains',
  'clustered_by',
  'validate_query',
  'physical_properties',
  'virtual_properties',
  'stamp',
  'references',
  'allow_partials',
  'interval_unit',
  'signals',
  'formatting',
  'storage_format',
  'table_format',
  'session_properties',
  'blueprints',
  'optimize_query',
  'gateway',
] as const

const KNOWN = new Set<string>([...CORE_PROPERTIES, ...EXTRA_PROPERTIES])

/** True when `key` (lower-case) is a header property the loader accepts. */
export function isKnownProperty(key: string): boolean {
  return KNOWN.has(key)
}

/** One `key value` entry of the header. */
export interface HeaderProperty {
  /** Lower-cased property name. */
  key: string
  /** 1-based line of the property name. */
  line: number
  /** Value tokens, trimmed of trivia; never empty. */
  value: Token[]
}

/** The split header plus where the rest of the file starts. */
export interface ParsedHeader {
  /** 1-based line of the `MODEL` keyword. */
  modelLine: number
  /** Properties in file order (duplicates are rejected). */
  properties: HeaderProperty[]
  /** All tokens of the file. */
  tokens: Token[]
  /** Index in `tokens` of the first token after the header's closing `)`. */
  bodyStart: number
}

function nextSignificant(tokens: readonly Token[], from: number): number {
  let k = from
  while (k < tokens.length && isTrivia(tokens[k]!)) k++
  return k
}

/**
 * Tokenize `text` and split its `MODEL (...)` header.
 * @throws ProjectError HEADER_INVALID for a missing/malformed header, unknown or duplicate property.
 */
export function parseHeader(text: string, file: string): ParsedHeader {
  // A UTF-8 BOM would otherwise lex as part of the MODEL identifier; a space keeps offsets intact.
  const tokens = tokenize(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text)
  const m = nextSignificant(tokens, 0)
  const modelTok = tokens[m]
  if (modelTok === undefined) headerFail(file, 1, 'empty model file: expected MODEL (...)')
  if (modelTok.type !== 'ident' || modelTok.text.toLowerCase() !== 'model') {
    headerFail(file, modelTok.line, `expected MODEL (...) at the start of the file, found ${describeToken(modelTok)}`)
  }
  const open = nextSignificant(tokens, m + 1)
  if (!isPunct(tokens[open], '(')) {
    const t = tokens[open]
    headerFail(file, t?.line ?? modelTok.line, `expected '(' after MODEL${t ? `, found ${describeToken(t)}` : ''}`)
  }
  const close = findHeaderClose(tokens, open, file)
  checkAfterClose(tokens, close, file)
  const properties: HeaderProperty[] = []
  const seen = new Map<string, number>()
  for (const part of splitTopLevel(tokens, open, close, file)) {
    const prop = readProperty(part, file)
    const first = seen.get(prop.key)
    if (first !== undefined) headerFail(file, prop.line, `duplicate property '${prop.key}' (first set on line ${first})`)
    seen.set(prop.key, prop.line)
    properties.push(prop)
  }
  return { modelLine: modelTok.line, properties, tokens, bodyStart: close + 1 }
}

function readProperty(part: Token[], file: string): HeaderProperty {
  const keyTok = part[0]!
  if (keyTok.type !== 'ident') headerFail(file, keyTok.line, `expected a property name, found ${describeToken(keyTok)}`)
  const key = keyTok.text.toLowerCase()
  if (!isKnownProperty(key)) headerFail(file, keyTok.line, `unknown property '${keyTok.text}' in MODEL header`)
  const value = part.slice(nextSignificant(part, 1))
  if (value.length === 0) headerFail(file, keyTok.line, `property '${key}' has no value`)
  checkMissingComma(value, file)
  return { key, line: keyTok.line, value }
}

/**
 * A known property name that starts a new line at the top level of another property's value is
 * almost always a forgotten comma: `name oso.x\n  kind FULL`.
 */
function checkMissingComma(value: readonly Token[], file: string): void {
  let depth = 0
  for (let k = 0; k < value.length; k++) {
    const t = value[k]!
    if (isPunct(t, '(')) depth++
    else if (isPunct(t, ')')) depth--
    if (k === 0 || depth !== 0 || t.type !== 'ident' || !isKnownProperty(t.text.toLowerCase())) continue
    const before = value[k - 1]!
    if (before.type === 'ws' && before.text.includes('\n')) {
      headerFail(file, t.line, `missing ',' before property '${t.text.toLowerCase()}'`)
    }
  }
}

/** The index of the `)` closing the header, or a clear error on unbalanced parentheses. */
function findHeaderClose(tokens: readonly Token[], open: number, file: string): number {
  const close = matchParen(tokens, open)
  // A ';' inside the header means it was never closed where the author thought.
  const semi = tokens.findIndex((t, k) => k > open && (close < 0 || k < close) && isPunct(t, ';'))
  if (close >= 0 && semi < 0) return close
  const stop = semi >= 0 ? semi : tokens.length
  const swallowed = findSwallowedProperty(tokens, open, stop)
  if (swallowed) {
    headerFail(
      file,
      swallowed.prop.line,
      `'(' opened on line ${swallowed.opener.line} is not closed before property '${swallowed.prop.text.toLowerCase()}'`,
    )
  }
  const openers = unclosedParens(tokens, open, stop)
  const inner = openers[openers.length - 1] ?? tokens[open]!
  if (semi >= 0) {
    headerFail(file, tokens[semi]!.line, `unbalanced parentheses in MODEL header: '(' on line ${inner.line} is not closed before ';'`)
  }
  let last = tokens.length - 1
  while (last > open && isTrivia(tokens[last]!)) last--
  return headerFail(
    file,
    tokens[last]!.line,
    `unbalanced parentheses in MODEL header: '(' on line ${inner.line} is never closed`,
  )
}

function unclosedParens(tokens: readonly Token[], open: number, stop: number): Token[] {
  const stack: Token[] = []
  for (let k = open; k < stop; k++) {
    const t = tokens[k]!
    if (isPunct(t, '(')) stack.push(t)
    else if (isPunct(t, ')')) stack.pop()
  }
  return stack
}

/**
 * Inside a nested `(` of the header (not `columns`/`column_descriptions`, whose items look like
 * properties), find `, <property> <value>`: the nested group was left open and swallowed it.
 */
function findSwallowedProperty(
  tokens: readonly Token[],
  open: number,
  stop: number,
): { opener: Token; prop: Token } | undefined {
  const stack: Array<{ opener: Token; owner: string }> = []
  let lastKey = ''
  let prevSig: Token | undefined
  for (let k = open; k < stop; k++) {
    const t = tokens[k]!
    if (isTrivia(t)) continue
    if (isPunct(t, '(')) stack.push({ opener: t, owner: stack.length === 1 ? lastKey : (stack[stack.length - 1]?.owner ?? '') })
    else if (isPunct(t, ')')) stack.pop()
    else if (t.type === 'ident' && stack.length === 1 && (prevSig === undefined || isPunct(prevSig, ',') || isPunct(prevSig, '('))) {
      lastKey = t.text.toLowerCase()
    } else if (t.type === 'ident' && stack.length >= 2 && isPunct(prevSig, ',')) {
      const inner = stack[stack.length - 1]!
      const key = t.text.toLowerCase()
      const next = tokens[nextSignificant(tokens, k + 1)]
      const valueFollows =
        next !== undefined && (['ident', 'string', 'qident', 'number', 'macro'].includes(next.type) || isPunct(next, '('))
      if (isKnownProperty(key) && valueFollows && inner.owner !== 'columns' && inner.owner !== 'column_descriptions') {
        return { opener: inner.opener, prop: t }
      }
    }
    prevSig = t
  }
  return undefined
}

const QUERY_STARTS = new Set(['select', 'with', 'values', 'from'])

/**
 * After the header's `)` comes `;`, the end of the file, or (leniently, without `;`) a query or a
 * macro. A `,`, `)` or property name there means a stray `)` closed the header early.
 */
function checkAfterClose(tokens: readonly Token[], close: number, file: string): void {
  const next = tokens[nextSignificant(tokens, close + 1)]
  if (next === undefined || isPunct(next, ';') || isPunct(next, '(') || next.type === 'macro') return
  const word = next.type === 'ident' ? next.text.toLowerCase() : ''
  if (QUERY_STARTS.has(word)) return
  const closeLine = tokens[close]!.line
  if (isPunct(next, ',') || isPunct(next, ')') || isKnownProperty(word)) {
    headerFail(
      file,
      closeLine,
      `')' on line ${closeLine} closes the MODEL header, but ${describeToken(next)} on line ${next.line} follows (extra ')'?)`,
    )
  }
  headerFail(file, next.line, `expected ';' after the MODEL header, found ${describeToken(next)}`)
}
