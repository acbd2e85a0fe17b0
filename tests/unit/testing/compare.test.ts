import { describe, expect, it } from 'vitest'
import { cellsEqual, typeCategory } from '../../../src/testing/cell-equality.js'
import { compareRows, UnknownOutputColumnError, type ResultColumn } from '../../../src/testing/compare.js'
import { formatCheck } from '../../../src/testing/format-diff.js'

const COLS: ResultColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'project', type: 'VARCHAR' },
  { name: 'n', type: 'BIGINT' },
  { name: 'share', type: 'DOUBLE' },
]

describe('cellsEqual', () => {
  it('compares numbers with a relative tolerance, ints with floats, and big integers exactly', () => {
    expect(cellsEqual(1, 1.0, 'number')).toBe(true)
    expect(cellsEqual(0.1 + 0.2, 0.3, 'number')).toBe(true)
    expect(cellsEqual(1e12, 1e12 + 0.0001, 'number')).toBe(true)
    expect(cellsEqual(1, 1.0001, 'number')).toBe(false)
    expect(cellsEqual('42', 42, 'number')).toBe(true)
    expect(cellsEqual(123456789012345678901n, '123456789012345678901', 'number')).toBe(true)
    expect(cellsEqual(123456789012345678901n, '123456789012345678902', 'number')).toBe(false)
  })

  it('normalizes dates and timestamps', () => {
    expect(cellsEqual('2024-01-01', '2024-01-01', 'date')).toBe(true)
    expect(cellsEqual('2024-01-01 00:00:00', '2024-01-01', 'date')).toBe(true)
    expect(cellsEqual('2024-01-01', '2024-01-01 00:00:00', 'timestamp')).toBe(true)
    expect(cellsEqual('2024-01-01T10:00:00Z', '2024-01-01 10:00:00', 'timestamp')).toBe(true)
    expect(cellsEqual('2024-01-01 12:00:00+02:00', '2024-01-01 10:00:00', 'timestamp')).toBe(true)
    expect(cellsEqual('2024-01-01 10:00:00.000000', '2024-01-01 10:00:00', 'timestamp')).toBe(true)
    expect(cellsEqual('2024-01-01 10:00:00.5', '2024-01-01 10:00:00.500000', 'timestamp')).toBe(true)
    expect(cellsEqual('2024-01-01 10:00:01', '2024-01-01 10:00:00', 'timestamp')).toBe(false)
    expect(cellsEqual('2024-01-02', '2024-01-01', 'date')).toBe(false)
  })

  it('treats NULL as equal only to NULL, and reads booleans, text, JSON and nested values', () => {
    expect(cellsEqual(null, null, 'number')).toBe(true)
    expect(cellsEqual(undefined, null, 'string')).toBe(true)
    expect(cellsEqual(null, 0, 'number')).toBe(false)
    expect(cellsEqual('', null, 'string')).toBe(false)
    expect(cellsEqual(true, true, 'bool')).toBe(true)
    expect(cellsEqual('false', false, 'bool')).toBe(true)
    expect(cellsEqual(1, true, 'bool')).toBe(true)
    expect(cellsEqual(true, false, 'bool')).toBe(false)
    expect(cellsEqual(5, '5', 'string')).toBe(true)
    expect(cellsEqual({ a: 1 }, '{"a":1.0}', 'json')).toBe(true)
    expect(cellsEqual([{ sha: 'x', n: 1 }], [{ SHA: 'x', n: 1.0 }], 'nested')).toBe(true)
    expect(cellsEqual([1, 2], [2, 1], 'nested')).toBe(false)
  })

  it('maps DuckDB type names to categories', () => {
    expect(['HUGEINT', 'DECIMAL(18,3)', 'DOUBLE', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR', 'BOOLEAN', 'INTEGER[]', 'STRUCT(a INTEGER)', 'JSON', 'INTERVAL'].map(typeCategory)).toEqual([
      'number', 'number', 'number', 'date', 'timestamp', 'string', 'bool', 'nested', 'nested', 'json', 'other',
    ])
  })
})

describe('compareRows', () => {
  const actual = [
    { day: '2024-01-01', project: 'a', n: 3, share: 0.25 },
    { day: '2024-01-01', project: 'b', n: 1, share: 0.75 },
    { day: '2024-01-02', project: 'a', n: 1, share: 1 },
  ]

  it('passes an unordered multiset with case-insensitive column names', () => {
    const r = compareRows({
      output: 'query',
      expected: [
        { Day: '2024-01-02', PROJECT: 'a', n: 1, share: 1 },
        { day: '2024-01-01 00:00:00', project: 'b', n: 1.0, share: 0.75 },
        { day: '2024-01-01', project: 'a', n: '3', share: 0.25000000000001 },
      ],
      actual,
      columns: COLS,
      partial: false,
    })
    expect(r.ok).toBe(true)
    expect(r.columns).toEqual(['Day', 'PROJECT', 'n', 'share'])
  })

  it('counts duplicates: two equal expected rows need two produced rows', () => {
    const r = compareRows({ output: 'query', expected: [{ n: 1 }, { n: 1 }, { n: 1 }], actual, columns: COLS, partial: true })
    expect(r.ok).toBe(false)
    expect(r.missing).toEqual([{ n: 1 }])
    expect(r.unexpected).toEqual([{ n: 3 }])
  })

  it('reports missing and unexpected rows, and which columns differ in a near match', () => {
    const r = compareRows({
      output: 'query',
      expected: [
        { day: '2024-01-01', project: 'a', n: 4, share: 0.25 },
        { day: '2024-01-01', project: 'b', n: 1, share: 0.75 },
        { day: '2024-01-02', project: 'a', n: 1, share: 1 },
      ],
      actual,
      columns: COLS,
      partial: false,
    })
    expect(r.ok).toBe(false)
    expect(r.missing).toEqual([{ day: '2024-01-01', project: 'a', n: 4, share: 0.25 }])
    expect(r.unexpected).toEqual([{ day: '2024-01-01', project: 'a', n: 3, share: 0.25 }])
    expect(r.nearMatches).toEqual([
      {
        expectedIndex: 1,
        expected: { day: '2024-01-01', project: 'a', n: 4, share: 0.25 },
        actual: { day: '2024-01-01', project: 'a', n: 3, share: 0.25 },
        differences: [{ column: 'n', expected: 4, actual: 3 }],
      },
    ])
    expect(formatCheck(r)).toEqual([
      'query: 3 expected rows, 3 produced; 1 missing, 1 unexpected',
      '  - missing (expected, not produced):',
      '    {day: "2024-01-01", project: "a", n: 4, share: 0.25}',
      '  + unexpected (produced, not expected):',
      '    {day: "2024-01-01", project: "a", n: 3, share: 0.25}',
      '  ~ expected row 1 differs from a produced row in: n (expected 4, got 3)',
    ])
  })

  it('with partial compares only the given columns; without, unlisted output columns fail', () => {
    const expected = [{ project: 'a', n: 3 }, { project: 'b', n: 1 }, { project: 'a', n: 1 }]
    expect(compareRows({ output: 'query', expected, actual, columns: COLS, partial: true }).ok).toBe(true)
    const strict = compareRows({ output: 'query', expected, actual, columns: COLS, partial: false })
    expect(strict.ok).toBe(false)
    expect(strict.missing).toEqual([])
    expect(strict.extraColumns).toEqual(['day', 'share'])
    expect(formatCheck(strict).at(-1)).toBe('  output columns missing from the expected rows: day, share (add them, or set partial: true)')
  })

  it('treats a key missing from one expected row as NULL', () => {
    const r = compareRows({
      output: 'query',
      expected: [{ project: 'a', n: 1 }, { project: 'b' }],
      actual: [{ project: 'a', n: 1 }, { project: 'b', n: null }],
      columns: COLS.slice(1, 3),
      partial: false,
    })
    expect(r.ok).toBe(true)
  })

  it('expects no rows when the expected list is empty', () => {
    expect(compareRows({ output: 'query', expected: [], actual: [], columns: COLS, partial: false }).ok).toBe(true)
    const r = compareRows({ output: 'query', expected: [], actual, columns: COLS, partial: false })
    expect([r.ok, r.unexpected.length]).toEqual([false, 3])
  })

  it('throws for an expected column the output does not have', () => {
    const run = (): unknown => compareRows({ output: 'cte paid', expected: [{ projekt: 'a' }], actual, columns: COLS, partial: true })
    expect(run).toThrow(UnknownOutputColumnError)
    expect(run).toThrow("cte paid: expected column 'projekt' not in the model's output (columns: day, project, n, share)")
  })
})
