/**
 * SQLMesh's time macro variables: `@{start|end|execution}_{ds|ts|tstz|dt|dtntz|date|epoch|millis|hour}`.
 * The end is inclusive: the interval's exclusive end minus 1 microsecond (SQLMesh `make_inclusive`),
 * so `WHERE ds BETWEEN @start_ds AND @end_ds` covers exactly the interval. Values are UTC.
 */
import type { Interval } from '../snapshot/interval.js'
import type { Dialect } from '../sql/dialect.js'
import { formatDateMicros, formatTimestampMicros, utcParts } from '../util/dates.js'
import { dateLiteral, stringLiteral, timestampLiteral } from './literals.js'

/** The placeholder interval used while loading: `[1970-01-01, 1970-01-02)`. */
export const PLACEHOLDER_INTERVAL: Interval = [0, 86_400_000]

/** Prefixes of the time variables. */
export const TIME_PREFIXES = ['start', 'end', 'execution'] as const
/** Suffixes of the time variables. */
export const TIME_SUFFIXES = ['ds', 'ts', 'tstz', 'dt', 'dtntz', 'date', 'epoch', 'millis', 'hour'] as const

type Prefix = (typeof TIME_PREFIXES)[number]
type Suffix = (typeof TIME_SUFFIXES)[number]

const SUFFIX_SET: ReadonlySet<string> = new Set(TIME_SUFFIXES)

/** All time variable names (lower-case, without `@`), e.g. for "did you mean" suggestions. */
export const TIME_VARIABLE_NAMES: readonly string[] = TIME_PREFIXES.flatMap((p) => TIME_SUFFIXES.map((s) => `${p}_${s}`))

/** Instants the time variables are computed from. */
export interface TimeValues {
  interval: Interval
  executionTime: number
  dialect: Dialect
}

/** Split `end_ds` into its prefix and suffix, or undefined when `name` (lower-case) is not one. */
function splitName(name: string): [Prefix, Suffix] | undefined {
  const us = name.indexOf('_')
  if (us < 0) return undefined
  const prefix = name.slice(0, us)
  const suffix = name.slice(us + 1)
  if ((prefix !== 'start' && prefix !== 'end' && prefix !== 'execution') || !SUFFIX_SET.has(suffix)) return undefined
  return [prefix, suffix as Suffix]
}

/** Epoch microseconds of a prefix: start, inclusive end (exclusive end - 1 µs), or execution time. */
function instantMicros(prefix: Prefix, t: TimeValues): number {
  if (prefix === 'start') return t.interval[0] * 1000
  if (prefix === 'end') return t.interval[1] * 1000 - 1
  return t.executionTime * 1000
}

function format(suffix: Suffix, us: number, dialect: Dialect): string {
  switch (suffix) {
    case 'ds':
      return stringLiteral(formatDateMicros(us))
    case 'ts':
      return stringLiteral(formatTimestampMicros(us, 'auto'))
    case 'tstz':
      return stringLiteral(`${formatTimestampMicros(us, 'auto')}+00:00`)
    case 'dt':
    case 'dtntz':
      return timestampLiteral(formatTimestampMicros(us, 'always'), dialect)
    case 'date':
      return dateLiteral(formatDateMicros(us), dialect)
    case 'millis':
      return String(Math.floor(us / 1000))
    case 'epoch':
      // SQLMesh: epoch = millis / 1000, so the inclusive end is fractional (1704153599.999).
      return String(Math.floor(us / 1000) / 1000)
    case 'hour':
      return String(utcParts(us).hour)
  }
}

/**
 * The SQL text of time variable `name` (lower-case, no `@`), or undefined when `name` is not a
 * time variable. Example: `timeVariable('end_ds', { interval: [day1, day2), ... })` -> `'2024-01-01'`.
 */
export function timeVariable(name: string, t: TimeValues): string | undefined {
  const parts = splitName(name)
  if (!parts) return undefined
  return format(parts[1], instantMicros(parts[0], t), t.dialect)
}
