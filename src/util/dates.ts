/**
 * Date parsing and formatting, always in UTC. Instants are epoch milliseconds (`ms`) unless a
 * function says it takes epoch microseconds (`us`), which the macro renderer needs because
 * SQLMesh's inclusive end is "exclusive end minus 1 microsecond".
 */
import { EngineError } from '../errors.js'

/** Milliseconds in one minute. */
export const MS_PER_MINUTE = 60_000
/** Milliseconds in one hour. */
export const MS_PER_HOUR = 3_600_000
/** Milliseconds in one day. */
export const MS_PER_DAY = 86_400_000

/** Calendar fields of a UTC instant, with microsecond precision. */
export interface UtcParts {
  year: number
  /** 1-12. */
  month: number
  /** 1-31. */
  day: number
  hour: number
  minute: number
  second: number
  /** 0-999999. */
  micros: number
}

/** Split epoch microseconds into UTC calendar fields. Example: `utcParts(0).year === 1970`. */
export function utcParts(us: number): UtcParts {
  const ms = Math.floor(us / 1000)
  const subMs = us - ms * 1000
  const d = new Date(ms)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    micros: d.getUTCMilliseconds() * 1000 + subMs,
  }
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0')
  return n < 0 ? `-${s}` : s
}

/** `'YYYY-MM-DD'` of epoch microseconds (UTC). */
export function formatDateMicros(us: number): string {
  const p = utcParts(us)
  return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`
}

/**
 * `'YYYY-MM-DD HH:MM:SS[.ffffff]'` of epoch microseconds (UTC).
 * `fraction: 'auto'` (default) adds the six fraction digits only when they are not all zero,
 * like Python's `datetime.isoformat`; `'always'` always adds them; `'never'` truncates them.
 */
export function formatTimestampMicros(us: number, fraction: 'auto' | 'always' | 'never' = 'auto'): string {
  const p = utcParts(us)
  const base = `${formatDateMicros(us)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}`
  if (fraction === 'never' || (fraction === 'auto' && p.micros === 0)) return base
  return `${base}.${pad(p.micros, 6)}`
}

/** `'YYYY-MM-DD'` of epoch milliseconds (UTC). Example: `formatDate(0) === '1970-01-01'`. */
export function formatDate(ms: number): string {
  return formatDateMicros(ms * 1000)
}

/**
 * `'YYYY-MM-DD HH:MM:SS'` of epoch milliseconds (UTC); with `micros` true, six fraction digits
 * are always appended (`'1970-01-01 00:00:00.000000'`).
 */
export function formatTimestamp(ms: number, micros = false): string {
  return formatTimestampMicros(ms * 1000, micros ? 'always' : 'never')
}

/** ISO 8601 with `T` and `Z` and milliseconds, e.g. `'2024-01-01T00:00:00.000Z'`. */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString()
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const RELATIVE_RE = /^(\d+|an?|one)\s+(minute|hour|day|week|month|year)s?\s+ago$/

const UNIT_MS: Record<string, number> = {
  minute: MS_PER_MINUTE,
  hour: MS_PER_HOUR,
  day: MS_PER_DAY,
  week: 7 * MS_PER_DAY,
}

function invalid(input: string, why?: string): EngineError {
  const detail = why ? ` (${why})` : ''
  return new EngineError(
    'OPTION_INVALID',
    `invalid date '${input}'${detail}: expected YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS[.ffffff]]', ISO 8601, ` +
      `epoch milliseconds, 'now', 'today', 'yesterday' or 'N days|hours|weeks ago'`,
  )
}

/** Epoch ms of a UTC calendar date/time, or undefined when a field is out of range (Feb 30, 25:00). */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined
  const dt = new Date(0)
  dt.setUTCFullYear(y, mo - 1, d)
  dt.setUTCHours(h, mi, s, ms)
  if (dt.getUTCDate() !== d) return undefined
  return dt.getTime()
}

function parseOffset(tz: string | undefined): number {
  if (!tz || tz.toUpperCase() === 'Z') return 0
  const sign = tz[0] === '-' ? -1 : 1
  const digits = tz.slice(1).replace(':', '')
  const h = Number(digits.slice(0, 2))
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  return sign * (h * 60 + m) * MS_PER_MINUTE
}

/** Calendar-aware month shift with the day clamped to the target month's length (Jan 31 + 1 = Feb 29). */
export function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms)
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months
  const year = Math.floor(total / 12)
  const month = total - year * 12
  const out = new Date(ms)
  out.setUTCFullYear(year, month, Math.min(d.getUTCDate(), daysInMonth(year, month)))
  return out.getTime()
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Days in a month (`month0` is 0-11) of a proleptic Gregorian year. */
export function daysInMonth(year: number, month0: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return month0 === 1 && leap ? 29 : DAYS_IN_MONTH[month0]!
}

function parseRelative(s: string, now: number): number | undefined {
  if (s === 'now') return now
  const today = Math.floor(now / MS_PER_DAY) * MS_PER_DAY
  if (s === 'today') return today
  if (s === 'yesterday') return today - MS_PER_DAY
  if (s === 'tomorrow') return today + MS_PER_DAY
  const m = RELATIVE_RE.exec(s)
  if (!m) return undefined
  const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : 1
  const unit = m[2]!
  if (unit === 'month') return addMonthsUtc(now, -n)
  if (unit === 'year') return addMonthsUtc(now, -12 * n)
  return now - n * UNIT_MS[unit]!
}

/**
 * Parse a user-supplied date (CLI `--start`, `--end`, `--execution-time`, a model's `start`) to
 * epoch ms, UTC. Accepted forms:
 * - `'2024-01-01'`, `'2024-01-01 12:30'`, `'2024-01-01 12:30:00.123456'` (fraction truncated to ms)
 * - ISO 8601: `'2024-01-01T12:30:00Z'`, `'2024-01-01T12:30:00+02:00'` (no offset = UTC)
 * - epoch milliseconds as digits (`'1704067200000'`); exactly 8 digits forming a valid date are
 *   read as `YYYYMMDD` instead (`'20240101'`)
 * - `'now'`, `'today'` (midnight), `'yesterday'`, `'tomorrow'`, `'N minutes|hours|days|weeks|months|years ago'`
 *   (relative to `now`, default `Date.now()`; not floored)
 * @throws EngineError('OPTION_INVALID') naming the input and the accepted forms.
 */
export function parseDateInput(s: string, now: number = Date.now()): number {
  const t = s.trim()
  const lower = t.toLowerCase()
  const rel = parseRelative(lower, now)
  if (rel !== undefined) return rel
  let m = DATE_RE.exec(t)
  if (m) {
    const v = utcMs(Number(m[1]), Number(m[2]), Number(m[3]))
    if (v === undefined) throw invalid(s, 'no such calendar date')
    return v
  }
  m = DATETIME_RE.exec(t)
  if (m) {
    const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0
    const v = utcMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms)
    if (v === undefined) throw invalid(s, 'a field is out of range')
    return v - parseOffset(m[8])
  }
  if (/^\d+$/.test(t)) {
    if (t.length === 8) {
      const v = utcMs(Number(t.slice(0, 4)), Number(t.slice(4, 6)), Number(t.slice(6, 8)))
      if (v !== undefined) return v
    }
    const v = Number(t)
    if (Number.isSafeInteger(v) && v <= 8.64e15) return v
    throw invalid(s, 'epoch milliseconds out of range')
  }
  throw invalid(s)
}
