import { describe, expect, it } from 'vitest'
import { renderSql, type RenderOptions } from '../../../src/macros/index.js'
import type { Interval } from '../../../src/snapshot/interval.js'

const DAY: Interval = [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)]
const HOUR: Interval = [Date.UTC(2024, 0, 1, 5), Date.UTC(2024, 0, 1, 6)]
const EXEC = Date.UTC(2024, 0, 3, 12, 5, 3)

function opts(interval: Interval | undefined, extra: Partial<RenderOptions> = {}): RenderOptions {
  return {
    dialect: 'trino',
    variables: {},
    thisModel: 'db.t',
    interval,
    executionTime: EXEC,
    location: { file: 'models/t.sql', line: 1 },
    ...extra,
  }
}

const r = (sql: string, interval: Interval | undefined = DAY, extra: Partial<RenderOptions> = {}): string =>
  renderSql(sql, opts(interval, extra))

describe('time variables: SQLMesh worked table (daily interval 2024-01-01)', () => {
  it.each([
    ['@start_ds', "'2024-01-01'"],
    ['@end_ds', "'2024-01-01'"],
    ['@start_ts', "'2024-01-01 00:00:00'"],
    ['@end_ts', "'2024-01-01 23:59:59.999999'"],
    ['@start_dt', "TIMESTAMP '2024-01-01 00:00:00.000000'"],
    ['@end_dt', "TIMESTAMP '2024-01-01 23:59:59.999999'"],
    ['@start_dtntz', "TIMESTAMP '2024-01-01 00:00:00.000000'"],
    ['@end_dtntz', "TIMESTAMP '2024-01-01 23:59:59.999999'"],
    ['@start_date', "DATE '2024-01-01'"],
    ['@end_date', "DATE '2024-01-01'"],
    ['@start_millis', '1704067200000'],
    ['@end_millis', '1704153599999'],
    ['@start_epoch', '1704067200'],
    ['@end_epoch', '1704153599.999'],
    ['@start_tstz', "'2024-01-01 00:00:00+00:00'"],
    ['@end_tstz', "'2024-01-01 23:59:59.999999+00:00'"],
    ['@start_hour', '0'],
    ['@end_hour', '23'],
  ])('%s -> %s', (sql, expected) => {
    expect(r(sql)).toBe(expected)
  })

  it('supports BETWEEN filters covering exactly the interval', () => {
    expect(r('WHERE ds BETWEEN @start_ds AND @end_ds')).toBe("WHERE ds BETWEEN '2024-01-01' AND '2024-01-01'")
  })

  it('renders the same literals for duckdb', () => {
    expect(r('@start_dt, @end_date', DAY, { dialect: 'duckdb' })).toBe(
      "TIMESTAMP '2024-01-01 00:00:00.000000', DATE '2024-01-01'",
    )
  })

  it('matches names case-insensitively', () => {
    expect(r('@START_DS / @End_Ds')).toBe("'2024-01-01' / '2024-01-01'")
  })
})

describe('time variables: hourly interval 05:00-06:00', () => {
  it.each([
    ['@start_ts', "'2024-01-01 05:00:00'"],
    ['@end_ts', "'2024-01-01 05:59:59.999999'"],
    ['@start_dt', "TIMESTAMP '2024-01-01 05:00:00.000000'"],
    ['@end_dt', "TIMESTAMP '2024-01-01 05:59:59.999999'"],
    ['@start_hour', '5'],
    ['@end_hour', '5'],
    ['@end_ds', "'2024-01-01'"],
    ['@start_millis', String(Date.UTC(2024, 0, 1, 5))],
    ['@end_millis', String(Date.UTC(2024, 0, 1, 6) - 1)],
  ])('%s -> %s', (sql, expected) => {
    expect(r(sql, HOUR)).toBe(expected)
  })
})

describe('batches and execution time', () => {
  it('a batch of 3 days ends at the last interval inclusive end', () => {
    const batch: Interval = [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 4)]
    expect(r('@start_ds..@end_ds @end_ts', batch)).toBe("'2024-01-01'..'2024-01-03' '2024-01-03 23:59:59.999999'")
  })

  it('an interval ending at a month boundary ends on the last day of the month', () => {
    const feb: Interval = [Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)]
    expect(r('@start_date @end_date', feb)).toBe("DATE '2024-02-01' DATE '2024-02-29'")
  })

  it('renders @execution_* from executionTime (not made inclusive)', () => {
    expect(r('@execution_ds|@execution_ts|@execution_dt|@execution_hour|@execution_millis')).toBe(
      `'2024-01-03'|'2024-01-03 12:05:03'|TIMESTAMP '2024-01-03 12:05:03.000000'|12|${EXEC}`,
    )
  })

  it('keeps the milliseconds of the execution time as microseconds', () => {
    expect(r('@execution_ts', DAY, { executionTime: EXEC + 123 })).toBe("'2024-01-03 12:05:03.123000'")
  })

  it('uses the placeholder interval [1970-01-01, 1970-01-02) while loading', () => {
    expect(renderSql('@start_ds @end_ts @runtime_stage', opts(undefined))).toBe("'1970-01-01' '1970-01-01 23:59:59.999999' 'loading'")
    expect(r('@runtime_stage')).toBe("'evaluating'")
  })
})
