/**
 * Parses the `kind` property of a MODEL header: `FULL`, `view`, `SEED (path '...')`,
 * `INCREMENTAL_BY_TIME_RANGE (time_column ts, batch_size 90, lookback := 31, forward_only true,)`,
 * `INCREMENTAL_BY_UNIQUE_KEY (unique_key (a, b))`. Kind names are case-insensitive.
 */
import { matchParen, trimTrivia, unquoteString, type Token } from '../sql/lexer.js'
import type { ModelKind } from './model.js'
import {
  describeToken,
  fail,
  headerFail,
  identifierName,
  isPunct,
  isTuple,
  rawText,
  readBoolean,
  readIdentifier,
  readKeyValue,
  readScalar,
  significant,
  splitTopLevel,
  tupleItems,
  type KeyValue,
} from './header-values.js'

/** Kind names this engine can load. */
export const SUPPORTED_KINDS = ['VIEW', 'FULL', 'INCREMENTAL_BY_TIME_RANGE', 'INCREMENTAL_BY_UNIQUE_KEY', 'SEED'] as const

/** SQLMesh kinds that exist but are not implemented yet (a clear MODEL_INVALID error). */
export const UNSUPPORTED_KINDS = [
  'EMBEDDED',
  'EXTERNAL',
  'INCREMENTAL_BY_PARTITION',
  'INCREMENTAL_UNMANAGED',
  'SCD_TYPE_2',
  'SCD_TYPE_2_BY_TIME',
  'SCD_TYPE_2_BY_COLUMN',
  'MANAGED',
  'CUSTOM',
] as const

type Options = Map<string, KeyValue>

/**
 * Parse the value tokens of `kind` (trimmed, non-empty).
 * @throws ProjectError HEADER_INVALID (unknown kind, bad option) or MODEL_INVALID (unsupported kind).
 */
export function parseKind(value: readonly Token[], file: string): ModelKind {
  const head = value[0]!
  if (head.type !== 'ident') headerFail(file, head.line, `expected a model kind, found ${describeToken(head)}`)
  const name = head.text.toUpperCase()
  const rest = trimTrivia(value.slice(1))
  let optionItems: Token[][] = []
  if (rest.length > 0) {
    if (!isPunct(rest[0], '(')) {
      headerFail(file, rest[0]!.line, `unexpected ${describeToken(rest[0]!)} after kind ${name} (missing ','?)`)
    }
    const close = matchParen(rest, 0)
    if (close !== rest.length - 1) {
      const bad = rest[close + 1]!
      headerFail(file, bad.line, `unexpected ${describeToken(bad)} after kind ${name}(...) (missing ','?)`)
    }
    optionItems = splitTopLevel(rest, 0, close, file)
  }
  if ((UNSUPPORTED_KINDS as readonly string[]).includes(name)) {
    fail('MODEL_INVALID', file, head.line, `kind ${name} is not supported yet`)
  }
  if (!(SUPPORTED_KINDS as readonly string[]).includes(name)) {
    headerFail(file, head.line, `unknown model kind '${head.text}' (expected one of ${SUPPORTED_KINDS.join(', ')})`)
  }
  const opts = readOptions(optionItems, file, name)
  switch (name) {
    case 'VIEW':
      return viewKind(opts, file)
    case 'FULL':
      rejectRest(opts, file, name)
      return { name: 'FULL' }
    case 'INCREMENTAL_BY_TIME_RANGE':
      return timeRangeKind(opts, file, head.line)
    case 'INCREMENTAL_BY_UNIQUE_KEY':
      return uniqueKeyKind(opts, file, head.line)
    default:
      return seedKind(opts, file, head.line)
  }
}

function readOptions(items: readonly Token[][], file: string, kind: string): Options {
  const opts: Options = new Map()
  for (const item of items) {
    const kv = readKeyValue(item, file, `kind ${kind}`)
    const first = opts.get(kv.key)
    if (first) headerFail(file, kv.line, `option '${kv.key}' given twice in kind ${kind} (first on line ${first.line})`)
    opts.set(kv.key, kv)
  }
  return opts
}

/** Remove and return option `key`. */
function take(opts: Options, key: string): KeyValue | undefined {
  const kv = opts.get(key)
  opts.delete(key)
  return kv
}

function rejectRest(opts: Options, file: string, kind: string): void {
  for (const kv of opts.values()) headerFail(file, kv.line, `unknown option '${kv.key}' for kind ${kind}`)
}

/** Remaining options, verbatim (comments dropped). */
function restAsExtra(opts: Options): Record<string, string> {
  const extra: Record<string, string> = {}
  for (const kv of opts.values()) extra[kv.key] = rawText(kv.value)
  return extra
}

/**
 * A non-negative integer option. An `@variable` cannot be resolved here: it is kept in `extra`
 * under the option name and the typed field stays undefined.
 */
function intOption(kv: KeyValue | undefined, file: string, extra: Record<string, string>): number | undefined {
  if (!kv) return undefined
  const s = readScalar(kv.value, file, `option '${kv.key}'`, kv.line)
  if (s.startsWith('@')) {
    extra[kv.key] = s
    return undefined
  }
  if (!/^\d+$/.test(s)) headerFail(file, kv.line, `option '${kv.key}' must be a non-negative integer, got '${s}'`)
  return Number(s)
}

function boolOption(kv: KeyValue | undefined, file: string, extra: Record<string, string>): boolean | undefined {
  if (!kv) return undefined
  const s = readScalar(kv.value, file, `option '${kv.key}'`, kv.line)
  if (s.startsWith('@')) {
    extra[kv.key] = s
    return undefined
  }
  return readBoolean(kv.value, file, `option '${kv.key}'`, kv.line)
}

function viewKind(opts: Options, file: string): ModelKind {
  const mat = take(opts, 'materialized')
  rejectRest(opts, file, 'VIEW')
  if (!mat) return { name: 'VIEW' }
  return { name: 'VIEW', materialized: readBoolean(mat.value, file, "option 'materialized'", mat.line) }
}

function timeRangeKind(opts: Options, file: string, line: number): ModelKind {
  const tc = take(opts, 'time_column')
  if (!tc) headerFail(file, line, 'kind INCREMENTAL_BY_TIME_RANGE needs a time_column option')
  let timeColumn: string
  let timeColumnFormat: string | undefined
  if (isTuple(tc.value)) {
    // time_column (ts, '%Y-%m-%d')
    const items = tupleItems(tc.value, file)
    const [col, format, more] = items
    if (!col || more) headerFail(file, tc.line, "time_column must be a column or (column, 'format')")
    timeColumn = readIdentifier(col, file, "option 'time_column'", tc.line)
    if (format) {
      const f = significant(format)
      if (f.length !== 1 || f[0]!.type !== 'string') headerFail(file, tc.line, 'the time_column format must be a quoted string')
      timeColumnFormat = unquoteString(f[0]!.text)
    }
  } else {
    timeColumn = readIdentifier(tc.value, file, "option 'time_column'", tc.line)
  }
  const extra: Record<string, string> = {}
  const batchSize = intOption(take(opts, 'batch_size'), file, extra)
  const batchConcurrency = intOption(take(opts, 'batch_concurrency'), file, extra)
  const lookback = intOption(take(opts, 'lookback'), file, extra) ?? 0
  const forwardOnly = boolOption(take(opts, 'forward_only'), file, extra) ?? false
  const kind: ModelKind = {
    name: 'INCREMENTAL_BY_TIME_RANGE',
    timeColumn,
    lookback,
    forwardOnly,
    extra: { ...restAsExtra(opts), ...extra },
  }
  if (timeColumnFormat !== undefined) kind.timeColumnFormat = timeColumnFormat
  if (batchSize !== undefined) kind.batchSize = batchSize
  if (batchConcurrency !== undefined) kind.batchConcurrency = batchConcurrency
  return kind
}

function uniqueKeyKind(opts: Options, file: string, line: number): ModelKind {
  const uk = take(opts, 'unique_key')
  if (!uk) headerFail(file, line, 'kind INCREMENTAL_BY_UNIQUE_KEY needs a unique_key option')
  const uniqueKey = tupleItems(uk.value, file).map((item) => {
    const sig = significant(item)
    const name = sig.length === 1 ? identifierName(sig[0]!) : undefined
    return name ?? rawText(item)
  })
  if (uniqueKey.length === 0) headerFail(file, uk.line, 'unique_key must name at least one column')
  const extra: Record<string, string> = {}
  const batchSize = intOption(take(opts, 'batch_size'), file, extra)
  const kind: ModelKind = { name: 'INCREMENTAL_BY_UNIQUE_KEY', uniqueKey, extra: { ...restAsExtra(opts), ...extra } }
  if (batchSize !== undefined) kind.batchSize = batchSize
  return kind
}

function seedKind(opts: Options, file: string, line: number): ModelKind {
  const p = take(opts, 'path')
  if (!p) headerFail(file, line, "kind SEED needs a path option, e.g. SEED (path 'seeds/x.csv')")
  const sig = significant(p.value)
  if (sig.length !== 1 || sig[0]!.type !== 'string') headerFail(file, p.line, 'the SEED path must be a quoted string')
  return { name: 'SEED', path: unquoteString(sig[0]!.text), extra: restAsExtra(opts) }
}
