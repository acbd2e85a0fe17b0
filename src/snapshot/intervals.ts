/**
 * Interval arithmetic for incremental models: the interval unit of a cron, unit-aligned interval
 * lists, merge/subtract, SQLMesh's missing-interval rule with `lookback`, and `batch_size` grouping.
 * All instants are epoch ms, UTC; every interval is half-open `[start, end)`. Pure functions.
 */
import { Cron } from 'croner'
import { ProjectError } from '../errors.js'
import { addMonthsUtc, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../util/dates.js'
import type { Interval, IntervalUnit } from './interval.js'

/** Nominal length of each unit in ms; month and year use their shortest length, as SQLMesh does. */
const UNIT_MS: Record<IntervalUnit, number> = {
  year: 365 * MS_PER_DAY,
  month: 28 * MS_PER_DAY,
  day: MS_PER_DAY,
  hour: MS_PER_HOUR,
  half_hour: 30 * MS_PER_MINUTE,
  quarter_hour: 15 * MS_PER_MINUTE,
  five_minute: 5 * MS_PER_MINUTE,
}

/** Units from largest to smallest. */
const UNITS_DESC: readonly IntervalUnit[] = ['year', 'month', 'day', 'hour', 'half_hour', 'quarter_hour', 'five_minute']

/** How many consecutive fire times are sampled to find a cron's shortest period. */
const CRON_SAMPLES = 6
/** Fixed reference instant for sampling, so the result never depends on the clock (2001-01-01, a Monday). */
const CRON_REFERENCE = Date.UTC(2001, 0, 1)

const unitCache = new Map<string, IntervalUnit>()

/**
 * The interval unit of a model's cron, like SQLMesh's `IntervalUnit.from_cron`: sample consecutive
 * fire times (UTC), take the shortest gap, and pick the largest unit not longer than it.
 * Examples: `'@daily'` -> `'day'`, `'@weekly'` -> `'day'`, `'@monthly'` -> `'month'`,
 * `'0 *\/2 * * *'` -> `'hour'`, `'*\/5 * * * *'` -> `'five_minute'`.
 * @throws ProjectError('CRON_INVALID') for an unparsable cron or one firing more often than every 5 minutes.
 */
export function intervalUnitFromCron(cron: string): IntervalUnit {
  const key = cron.trim().toLowerCase()
  const cached = unitCache.get(key)
  if (cached) return cached
  let runs: Date[]
  try {
    runs = new Cron(key, { timezone: 'UTC', mode: '5-part' }).nextRuns(CRON_SAMPLES, new Date(CRON_REFERENCE))
  } catch (e) {
    throw new ProjectError('CRON_INVALID', `invalid cron '${cron}': ${(e as Error).message}`, { cause: e })
  }
  if (runs.length < 2) throw new ProjectError('CRON_INVALID', `invalid cron '${cron}': it never fires twice`)
  let period = Infinity
  for (let i = 1; i < runs.length; i++) period = Math.min(period, runs[i]!.getTime() - runs[i - 1]!.getTime())
  const unit = UNITS_DESC.find((u) => UNIT_MS[u] <= period)
  if (!unit) throw new ProjectError('CRON_INVALID', `invalid cron '${cron}': runs must be at least 5 minutes apart`)
  unitCache.set(key, unit)
  return unit
}

/** Round `ms` down to the start of its unit (UTC calendar for month/year). */
export function floorToUnit(ms: number, unit: IntervalUnit): number {
  if (unit === 'year' || unit === 'month') {
    const d = new Date(ms)
    const out = new Date(0)
    out.setUTCFullYear(d.getUTCFullYear(), unit === 'year' ? 0 : d.getUTCMonth(), 1)
    return out.getTime()
  }
  const size = UNIT_MS[unit]
  return Math.floor(ms / size) * size
}

/** `ms` plus `n` units (n may be negative); months and years are calendar-aware, UTC. */
export function addUnits(ms: number, unit: IntervalUnit, n: number): number {
  if (unit === 'month') return addMonthsUtc(ms, n)
  if (unit === 'year') return addMonthsUtc(ms, 12 * n)
  return ms + n * UNIT_MS[unit]
}

/** The exclusive end of the last complete interval at `now`: `floorToUnit(now, unit)`. */
export function lastCompleteEnd(unit: IntervalUnit, now: number): number {
  return floorToUnit(now, unit)
}

/**
 * The unit-aligned intervals from `floorToUnit(start)` up to `end`. Only complete intervals are
 * returned (an unaligned `end` drops the trailing partial one) unless `allowPartial` is set, in
 * which case the last interval is cut at `end`.
 * Example: day, 2024-01-01T06:00 .. 2024-01-03T00:00 -> [01-01, 01-02), [01-02, 01-03).
 */
export function expectedIntervals(start: number, end: number, unit: IntervalUnit, allowPartial = false): Interval[] {
  const out: Interval[] = []
  let cur = floorToUnit(start, unit)
  let i = 0
  while (cur < end) {
    // Step from the aligned origin (not from `cur`) so month-end clamping never drifts.
    const next = unit === 'month' || unit === 'year' ? addUnits(floorToUnit(start, unit), unit, ++i) : cur + UNIT_MS[unit]
    if (next > end) {
      if (allowPartial) out.push([cur, end])
      break
    }
    out.push([cur, next])
    cur = next
  }
  return out
}

/** Sort by start and merge overlapping or touching intervals; empty intervals are dropped. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = list.filter(([a, b]) => a < b).sort((x, y) => x[0] - y[0] || x[1] - y[1])
  const out: Array<[number, number]> = []
  for (const [a, b] of sorted) {
    const last = out[out.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else out.push([a, b])
  }
  return out
}

/** `from` minus `remove`, merged and sorted. Example: [0,10) - [3,5) = [0,3), [5,10). */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const rm = mergeIntervals(remove)
  const out: Interval[] = []
  let j = 0
  for (const [a0, b] of mergeIntervals(from)) {
    let a = a0
    while (j < rm.length && rm[j]![1] <= a) j++
    let k = j
    while (k < rm.length && rm[k]![0] < b) {
      const [ra, rb] = rm[k]!
      if (ra > a) out.push([a, ra])
      a = Math.max(a, rb)
      if (a >= b) break
      k++
    }
    if (a < b) out.push([a, b])
  }
  return out
}

/** Options of {@link missingIntervals}. */
export interface MissingIntervalsOptions {
  /** Inclusive start (floored to the unit). */
  start: number
  /** Exclusive end; only complete intervals before it count. */
  end: number
  unit: IntervalUnit
  /** Intervals already processed (any order, may overlap). */
  processed: readonly Interval[]
  /** Model `lookback`: intervals before a missing one that are recomputed with it. Default 0. */
  lookback: number
}

/**
 * The single-unit intervals in `[start, end)` to (re)compute, ascending. An interval is missing when
 * it is not fully processed, or when any of the `lookback` intervals after it (up to the last
 * expected one) is missing — SQLMesh's `compute_missing_intervals`, so with lookback 2 a new day
 * also recomputes the two days before it.
 */
export function missingIntervals(o: MissingIntervalsOptions): Interval[] {
  const out: Interval[] = []
  for (const [a, b] of missingRanges(o)) {
    for (let t = a; t < b; ) {
      const next = addUnits(t, o.unit, 1)
      out.push([t, next])
      t = next
    }
  }
  return out
}

/**
 * The same set as {@link missingIntervals}, as merged unit-aligned ranges. Works on ranges, not on
 * single intervals, so a model with years of hourly history costs a handful of operations.
 */
export function missingRanges(o: MissingIntervalsOptions): Interval[] {
  const start = floorToUnit(o.start, o.unit)
  const end = floorToUnit(o.end, o.unit) // only complete intervals
  if (end <= start) return []
  // A unit counts as processed only when fully covered: shrink processed ranges to unit bounds.
  const done: Interval[] = []
  for (const [a, b] of mergeIntervals(o.processed)) {
    const fa = floorToUnit(a, o.unit)
    const ca = fa === a ? a : addUnits(fa, o.unit, 1)
    const fb = floorToUnit(b, o.unit)
    if (ca < fb) done.push([ca, fb])
  }
  const gaps = subtractIntervals([[start, end]], done)
  const lookback = Math.max(0, Math.floor(o.lookback))
  if (lookback === 0) return gaps
  return mergeIntervals(gaps.map(([a, b]) => [Math.max(start, addUnits(a, o.unit, -lookback)), b] as Interval))
}

/**
 * Split merged, unit-aligned ranges into batches of at most `batchSize` units (undefined or < 1:
 * one batch per range). Equivalent to `batchIntervals(missingIntervals(...))` without
 * materializing every single interval.
 */
export function batchRanges(ranges: readonly Interval[], unit: IntervalUnit, batchSize: number | undefined): Interval[] {
  const size = batchSize === undefined || batchSize < 1 ? Infinity : Math.floor(batchSize)
  const out: Interval[] = []
  for (const [a, b] of ranges) {
    if (size === Infinity) {
      out.push([a, b])
      continue
    }
    for (let t = a; t < b; ) {
      const next = Math.min(b, addUnits(t, unit, size))
      out.push([t, next])
      t = next
    }
  }
  return out
}

/**
 * Group ascending single-unit intervals into jobs: each batch is a run of contiguous intervals of at
 * most `batchSize` units; a gap always starts a new batch. `batchSize` undefined (or < 1) means one
 * batch per contiguous run. A batch's end is its last interval's exclusive end (the renderer turns
 * it into the inclusive `@end_*`).
 */
export function batchIntervals(missing: readonly Interval[], batchSize: number | undefined): Interval[] {
  const size = batchSize === undefined || batchSize < 1 ? Infinity : Math.floor(batchSize)
  const out: Array<[number, number]> = []
  let count = 0
  for (const [a, b] of missing) {
    const last = out[out.length - 1]
    if (last && last[1] === a && count < size) {
      last[1] = b
      count++
    } else {
      out.push([a, b])
      count = 1
    }
  }
  return out
}
