import { describe, expect, it } from 'vitest'
import { cellSql, inferColumnType, isNestedType, parseTemporal } from '../../../src/testing/values.js'

describe('inferColumnType', () => {
  it('keeps YAML types and reads dates and timestamps from text', () => {
    expect(inferColumnType([1, 2, null], false)).toBe('BIGINT')
    expect(inferColumnType([1, 2.5], false)).toBe('DOUBLE')
    expect(inferColumnType([1, 123456789012345678901n], false)).toBe('HUGEINT')
    expect(inferColumnType([true, false], false)).toBe('BOOLEAN')
    expect(inferColumnType(['2024-01-01', null], false)).toBe('DATE')
    expect(inferColumnType(['2024-01-01', '2024-01-01 10:00:00'], false)).toBe('TIMESTAMP')
    expect(inferColumnType(['2024-01-01T10:00:00Z'], false)).toBe('TIMESTAMPTZ')
    expect(inferColumnType(['1', '2'], false)).toBe('VARCHAR')
    expect(inferColumnType([1, 'a'], false)).toBe('VARCHAR')
    expect(inferColumnType([null, null], false)).toBe('VARCHAR')
    expect(inferColumnType([[1, 2], { a: 1 }], false)).toBeUndefined()
  })

  it('reads numbers and booleans from CSV text', () => {
    expect(inferColumnType(['1', '-2'], true)).toBe('BIGINT')
    expect(inferColumnType(['1', '2.5', '1e3'], true)).toBe('DOUBLE')
    expect(inferColumnType(['true', 'FALSE'], true)).toBe('BOOLEAN')
    expect(inferColumnType(['2024-01-01'], true)).toBe('DATE')
    expect(inferColumnType(['1', 'x'], true)).toBe('VARCHAR')
  })
})

describe('cellSql', () => {
  it('renders typed and untyped literals', () => {
    expect(cellSql("it's", 'VARCHAR')).toBe("CAST('it''s' AS VARCHAR)")
    expect(cellSql(null, 'DATE')).toBe('CAST(NULL AS DATE)')
    expect(cellSql(true, undefined)).toBe('TRUE')
    expect(cellSql(12345678901234567890n, 'HUGEINT')).toBe('CAST(12345678901234567890 AS HUGEINT)')
    expect(cellSql([1, { a: 'x' }], undefined)).toBe("[1, {'a': 'x'}]")
    expect(cellSql([{ sha: 'a' }], 'STRUCT(sha VARCHAR)[]')).toBe(`CAST(CAST('[{"sha":"a"}]' AS JSON) AS STRUCT(sha VARCHAR)[])`)
    expect(cellSql('[{"sha": "a"}]', 'STRUCT(sha VARCHAR)[]')).toBe(`CAST(CAST('[{"sha": "a"}]' AS JSON) AS STRUCT(sha VARCHAR)[])`)
    expect(cellSql(Number.NaN, undefined)).toBe("CAST('NaN' AS DOUBLE)")
  })

  it('recognizes nested types', () => {
    expect(['INTEGER[]', 'STRUCT(a INT)', 'MAP(VARCHAR, INT)', 'VARCHAR', 'INTEGER[3]'].map(isNestedType)).toEqual([true, true, true, false, true])
  })
})

describe('parseTemporal', () => {
  it('parses dates, timestamps with fractions and offsets, and rejects impossible ones', () => {
    expect(parseTemporal('2024-01-01')).toEqual({ micros: Date.UTC(2024, 0, 1) * 1000, hasTime: false, hasOffset: false })
    expect(parseTemporal('2024-01-01 00:00:00.000001')?.micros).toBe(Date.UTC(2024, 0, 1) * 1000 + 1)
    expect(parseTemporal('2024-01-01T01:00:00+01:00')?.micros).toBe(Date.UTC(2024, 0, 1) * 1000)
    expect(parseTemporal('2024-02-30')).toBeUndefined()
    expect(parseTemporal('yesterday')).toBeUndefined()
  })
})
