import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/errors.js'
import type { Interval } from '../../../src/snapshot/interval.js'
import {
  addUnits,
  batchIntervals,
  expectedIntervals,
  floorToUnit,
  intervalUnitFromCron,
  lastCompleteEnd,
  mergeIntervals,
  missingIntervals,
  subtractIntervals,
} from '../../../src/snapshot/intervals.js'

const d = (day: number, month = 1, year = 2024): number => Date.UTC(year, month - 1, day)
const h = (hour: number, day = 1): number => Date.UTC(2024, 0, day, hour)
const days = (from: number, to: number): Interval[] => {
  const out: Interval[] = []
  for (let i = from; i < to; i++) out.push([d(i), d(i + 1)])
  return out
}
const iso = (list: readonly Interval[]): string[] =>
  list.map(([a, b]) => `${new Date(a).toISOString().slice(0, 13)}..${new Date(b).toISOString().slice(0, 13)}`)

describe('intervalUnitFromCron', () => {
  it.each([
    ['@daily', 'day'],
    ['@hourly', 'hour'],
    ['@weekly', 'day'],
    ['@monthly', 'month'],
    ['@yearly', 'year'],
    ['@annually', 'year'],
    ['@DAILY', 'day'],
    ['0 0 * * *', 'day'],
    ['30 6 * * *', 'day'],
    ['0 * * * *', 'hour'],
    ['0 */2 * * *', 'hour'],
    ['*/30 * * * *', 'half_hour'],
    ['*/15 * * * *', 'quarter_hour'],
    ['*/5 * * * *', 'five_minute'],
    ['*/10 * * * *', 'five_minute'],
    ['0 0 1 * *', 'month'],
    ['0 0 1 */3 *', 'month'],
    ['0 0 1,15 * *', 'day'],
    ['0 0 1 1 *', 'year'],
    ['0 0 * * 1', 'day'],
  ] as const)('%s -> %s', (cron, unit) => {
    expect(intervalUnitFromCron(cron)).toBe(unit)
  })

  it.each(['not a cron', '* * * *', '* * * * * *', '61 * * * *', '* * * * *', ''])('rejects %j', (cron) => {
    try {
      intervalUnitFromCron(cron)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError)
      expect((e as EngineError).code).toBe('CRON_INVALID')
      expect((e as EngineError).message).toContain(`'${cron}'`)
    }
  })
})

describe('floorToUnit / addUnits / lastCompleteEnd', () => {
  const t = Date.UTC(2024, 1, 29, 13, 47, 12, 345)
  it.each([
    ['year', Date.UTC(2024, 0, 1)],
    ['month', Date.UTC(2024, 1, 1)],
    ['day', Date.UTC(2024, 1, 29)],
    ['hour', Date.UTC(2024, 1, 29, 13)],
    ['half_hour', Date.UTC(2024, 1, 29, 13, 30)],
    ['quarter_hour', Date.UTC(2024, 1, 29, 13, 45)],
    ['five_minute', Date.UTC(2024, 1, 29, 13, 45)],
  ] as const)('floors to %s', (unit, expected) => {
    expect(floorToUnit(t, unit)).toBe(expected)
    expect(lastCompleteEnd(unit, t)).toBe(expected)
  })

  it('floors instants before 1970', () => {
    expect(floorToUnit(Date.UTC(1969, 11, 31, 5), 'day')).toBe(Date.UTC(1969, 11, 31))
    expect(floorToUnit(Date.UTC(1969, 6, 9), 'month')).toBe(Date.UTC(1969, 6, 1))
  })

  it('adds months across year ends and clamps month ends', () => {
    expect(addUnits(Date.UTC(2023, 10, 1), 'month', 3)).toBe(Date.UTC(2024, 1, 1))
    expect(addUnits(Date.UTC(2024, 0, 1), 'month', -1)).toBe(Date.UTC(2023, 11, 1))
    expect(addUnits(Date.UTC(2024, 0, 31), 'month', 1)).toBe(Date.UTC(2024, 1, 29))
    expect(addUnits(Date.UTC(2023, 0, 31), 'month', 1)).toBe(Date.UTC(2023, 1, 28))
    expect(addUnits(Date.UTC(2024, 1, 29), 'year', 1)).toBe(Date.UTC(2025, 1, 28))
    expect(addUnits(Date.UTC(2024, 11, 15, 6), 'month', 25)).toBe(Date.UTC(2027, 0, 15, 6))
  })

  it('adds fixed units', () => {
    expect(addUnits(d(1), 'day', 31)).toBe(d(1, 2))
    expect(addUnits(h(23), 'hour', 2)).toBe(h(1, 2))
    expect(addUnits(h(0), 'five_minute', -1)).toBe(Date.UTC(2023, 11, 31, 23, 55))
  })
})

describe('expectedIntervals', () => {
  it('covers [floor(start), end) with complete intervals only', () => {
    expect(expectedIntervals(Date.UTC(2024, 0, 1, 6), d(3), 'day')).toEqual(days(1, 3))
    expect(expectedIntervals(d(1), Date.UTC(2024, 0, 3, 12), 'day')).toEqual(days(1, 3))
  })
  it('can keep a trailing partial interval', () => {
    expect(expectedIntervals(d(1), h(12, 2), 'day', true)).toEqual([[d(1), d(2)], [d(2), h(12, 2)]])
  })
  it('returns nothing for an empty or reversed range', () => {
    expect(expectedIntervals(d(2), d(2), 'day')).toEqual([])
    expect(expectedIntervals(d(3), d(2), 'day')).toEqual([])
  })
  it('steps calendar months across a year end', () => {
    expect(iso(expectedIntervals(Date.UTC(2023, 10, 15), Date.UTC(2024, 2, 1), 'month'))).toEqual([
      '2023-11-01T00..2023-12-01T00',
      '2023-12-01T00..2024-01-01T00',
      '2024-01-01T00..2024-02-01T00',
      '2024-02-01T00..2024-03-01T00',
    ])
  })
  it('steps hours', () => {
    expect(expectedIntervals(h(22), h(1, 2), 'hour')).toEqual([
      [h(22), h(23)],
      [h(23), h(0, 2)],
      [h(0, 2), h(1, 2)],
    ])
  })
})

describe('mergeIntervals', () => {
  it('sorts and merges overlapping and touching intervals', () => {
    expect(mergeIntervals([[5, 7], [0, 2], [2, 3], [6, 9], [11, 12]])).toEqual([[0, 3], [5, 9], [11, 12]])
  })
  it('keeps a contained interval inside its container', () => {
    expect(mergeIntervals([[0, 10], [2, 3]])).toEqual([[0, 10]])
  })
  it('drops empty intervals and handles an empty list', () => {
    expect(mergeIntervals([[3, 3], [5, 4]])).toEqual([])
    expect(mergeIntervals([])).toEqual([])
  })
  it('does not mutate its input', () => {
    const input: Interval[] = [[2, 4], [0, 3]]
    mergeIntervals(input)
    expect(input).toEqual([[2, 4], [0, 3]])
  })
})

describe('subtractIntervals', () => {
  it.each([
    ['a hole', [[0, 10]], [[3, 5]], [[0, 3], [5, 10]]],
    ['the start', [[0, 10]], [[-5, 2]], [[2, 10]]],
    ['the end', [[0, 10]], [[8, 20]], [[0, 8]]],
    ['everything', [[0, 10]], [[0, 10]], []],
    ['more than everything', [[2, 4], [6, 8]], [[0, 10]], []],
    ['nothing', [[0, 10]], [], [[0, 10]]],
    ['touching only', [[0, 10]], [[10, 12], [-2, 0]], [[0, 10]]],
    ['one remover over two sources', [[0, 4], [6, 10]], [[3, 7]], [[0, 3], [7, 10]]],
    ['several holes, unsorted', [[0, 10]], [[7, 8], [1, 2], [4, 5]], [[0, 1], [2, 4], [5, 7], [8, 10]]],
    ['from an empty list', [], [[0, 1]], []],
    ['overlapping sources', [[0, 5], [3, 10]], [[4, 6]], [[0, 4], [6, 10]]],
  ] as Array<[string, Interval[], Interval[], Interval[]]>)('removes %s', (_n, from, remove, expected) => {
    expect(subtractIntervals(from, remove)).toEqual(expected)
  })
})

describe('missingIntervals', () => {
  it('everything is missing when nothing is processed', () => {
    expect(missingIntervals({ start: d(1), end: d(4), unit: 'day', processed: [], lookback: 0 })).toEqual(days(1, 4))
  })
  it('finds gaps, including a partially processed day', () => {
    const processed: Interval[] = [[d(1), d(3)], [d(4), Date.UTC(2024, 0, 5, 12)], [d(6), d(8)]]
    expect(missingIntervals({ start: d(1), end: d(8), unit: 'day', processed, lookback: 0 })).toEqual([
      [d(3), d(4)],
      [d(5), d(6)],
    ])
  })
  it('nothing is missing when all is processed (lookback does not force a rerun)', () => {
    const processed = days(1, 10)
    expect(missingIntervals({ start: d(1), end: d(10), unit: 'day', processed, lookback: 3 })).toEqual([])
  })
  it('with lookback 2 a new day also recomputes the two days before it', () => {
    const processed = days(1, 10)
    expect(missingIntervals({ start: d(1), end: d(11), unit: 'day', processed, lookback: 2 })).toEqual(days(8, 11))
  })
  it('lookback applies before every missing interval, also inside the range', () => {
    const processed: Interval[] = [...days(1, 5), ...days(6, 10)]
    expect(missingIntervals({ start: d(1), end: d(10), unit: 'day', processed, lookback: 1 })).toEqual(days(4, 6))
  })
  it('lookback does not reach before start', () => {
    const processed = days(5, 6)
    expect(missingIntervals({ start: d(5), end: d(7), unit: 'day', processed, lookback: 5 })).toEqual(days(5, 7))
  })
  it('works on hours and ignores an incomplete last hour', () => {
    const processed: Interval[] = [[h(0), h(2)]]
    expect(missingIntervals({ start: h(0), end: Date.UTC(2024, 0, 1, 4, 30), unit: 'hour', processed, lookback: 0 })).toEqual([
      [h(2), h(3)],
      [h(3), h(4)],
    ])
  })
  it('works on months across a year end', () => {
    const processed: Interval[] = [[Date.UTC(2023, 10, 1), Date.UTC(2023, 11, 1)]]
    expect(iso(missingIntervals({ start: Date.UTC(2023, 10, 1), end: Date.UTC(2024, 1, 10), unit: 'month', processed, lookback: 0 }))).toEqual([
      '2023-12-01T00..2024-01-01T00',
      '2024-01-01T00..2024-02-01T00',
    ])
  })
})

describe('batchIntervals', () => {
  it('without batch_size, one batch per contiguous run', () => {
    const missing = [...days(1, 4), ...days(6, 8)]
    expect(batchIntervals(missing, undefined)).toEqual([[d(1), d(4)], [d(6), d(8)]])
  })
  it('splits runs into batches of at most batch_size units and never bridges a gap', () => {
    const missing = [...days(1, 6), ...days(7, 9)]
    expect(batchIntervals(missing, 2)).toEqual([
      [d(1), d(3)],
      [d(3), d(5)],
      [d(5), d(6)],
      [d(7), d(9)],
    ])
  })
  it('72 hourly intervals with batch_size 12 make 6 jobs', () => {
    const missing = expectedIntervals(h(0), h(0, 4), 'hour')
    const batches = batchIntervals(missing, 12)
    expect(batches).toHaveLength(6)
    expect(batches[5]).toEqual([h(12, 3), h(0, 4)])
  })
  it('batch_size 1 keeps every interval alone; empty input gives no batch', () => {
    expect(batchIntervals(days(1, 4), 1)).toEqual(days(1, 4))
    expect(batchIntervals([], 3)).toEqual([])
  })
})
