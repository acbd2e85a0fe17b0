// Tests for src/util/dates.ts (kept next to the interval tests that depend on it).
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/errors.js'
import {
  addMonthsUtc,
  formatDate,
  formatDateMicros,
  formatTimestamp,
  formatTimestampMicros,
  parseDateInput,
} from '../../../src/util/dates.js'

const NOW = Date.UTC(2024, 2, 15, 10, 30, 0)

describe('parseDateInput', () => {
  it.each([
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    [' 2024-02-29 ', Date.UTC(2024, 1, 29)],
    ['2024-01-01 12:30', Date.UTC(2024, 0, 1, 12, 30)],
    ['2024-01-01 12:30:15', Date.UTC(2024, 0, 1, 12, 30, 15)],
    ['2024-01-01 12:30:15.123456', Date.UTC(2024, 0, 1, 12, 30, 15, 123)],
    ['2024-01-01 12:30:15.5', Date.UTC(2024, 0, 1, 12, 30, 15, 500)],
    ['2024-01-01T12:30:15Z', Date.UTC(2024, 0, 1, 12, 30, 15)],
    ['2024-01-01T12:30:15.250z', Date.UTC(2024, 0, 1, 12, 30, 15, 250)],
    ['2024-01-01T12:30:15+02:00', Date.UTC(2024, 0, 1, 10, 30, 15)],
    ['2024-01-01T00:00:00-0130', Date.UTC(2024, 0, 1, 1, 30)],
    ['1704067200000', 1704067200000],
    ['0', 0],
    ['20240101', Date.UTC(2024, 0, 1)],
    ['now', NOW],
    ['NOW', NOW],
    ['today', Date.UTC(2024, 2, 15)],
    ['yesterday', Date.UTC(2024, 2, 14)],
    ['3 days ago', NOW - 3 * 86_400_000],
    ['1 day ago', NOW - 86_400_000],
    ['1 week ago', NOW - 7 * 86_400_000],
    ['2 weeks ago', NOW - 14 * 86_400_000],
    ['5 hours ago', NOW - 5 * 3_600_000],
    ['an hour ago', NOW - 3_600_000],
    ['1 month ago', Date.UTC(2024, 1, 15, 10, 30)],
    ['1 year ago', Date.UTC(2023, 2, 15, 10, 30)],
  ])('%j', (input, expected) => {
    expect(parseDateInput(input, NOW)).toBe(expected)
  })

  it.each(['', 'tomorrowish', '2024-13-01', '2023-02-29', '2024-01-32', '2024-01-01 24:00', '2024/01/01', 'three days ago', '1e3', '99999999999999999999'])(
    'rejects %j with OPTION_INVALID',
    (input) => {
      try {
        parseDateInput(input, NOW)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(EngineError)
        expect((e as EngineError).code).toBe('OPTION_INVALID')
        expect((e as EngineError).message).toContain(`'${input}'`)
      }
    },
  )
})

describe('formatting', () => {
  it('formats dates and timestamps in UTC', () => {
    const t = Date.UTC(2024, 0, 2, 3, 4, 5, 67)
    expect(formatDate(t)).toBe('2024-01-02')
    expect(formatTimestamp(t)).toBe('2024-01-02 03:04:05')
    expect(formatTimestamp(t, true)).toBe('2024-01-02 03:04:05.067000')
  })
  it('formats microseconds like Python isoformat', () => {
    const end = Date.UTC(2024, 0, 2) * 1000 - 1
    expect(formatDateMicros(end)).toBe('2024-01-01')
    expect(formatTimestampMicros(end)).toBe('2024-01-01 23:59:59.999999')
    expect(formatTimestampMicros(Date.UTC(2024, 0, 2) * 1000)).toBe('2024-01-02 00:00:00')
    expect(formatTimestampMicros(Date.UTC(2024, 0, 2) * 1000, 'always')).toBe('2024-01-02 00:00:00.000000')
    expect(formatTimestampMicros(-1)).toBe('1969-12-31 23:59:59.999999')
  })
  it('shifts months with clamping', () => {
    expect(addMonthsUtc(Date.UTC(2024, 2, 31), -1)).toBe(Date.UTC(2024, 1, 29))
    expect(addMonthsUtc(Date.UTC(2024, 11, 31, 8), 2)).toBe(Date.UTC(2025, 1, 28, 8))
  })
})
