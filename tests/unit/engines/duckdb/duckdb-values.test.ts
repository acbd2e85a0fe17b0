import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbAdapter } from '../../../../src/engines/duckdb/duckdb-adapter.js'

describe('DuckDB value conversion in query()', () => {
  let db: DuckDbAdapter
  beforeAll(async () => {
    db = await DuckDbAdapter.open({ path: ':memory:', connections: 1 })
  })
  afterAll(() => db.close())
  const one = async (expr: string): Promise<unknown> => (await db.query(`SELECT ${expr} AS v`))[0]?.['v']

  it('BIGINT-like integers: number when safe, exact string otherwise', async () => {
    expect(await one('9007199254740991::BIGINT')).toBe(9007199254740991)
    expect(await one('(-9223372036854775807)::BIGINT')).toBe('-9223372036854775807')
    expect(await one('170141183460469231731687303715884105727::HUGEINT')).toBe('170141183460469231731687303715884105727')
    expect(await one('3::HUGEINT')).toBe(3)
    expect(await one('18446744073709551615::UBIGINT')).toBe('18446744073709551615')
    expect(await one('5::UHUGEINT')).toBe(5)
    expect(await one('7::TINYINT')).toBe(7)
  })

  it('DECIMAL and floating point to number', async () => {
    expect(await one('123456.789::DECIMAL(18, 3)')).toBe(123456.789)
    expect(await one('0.1::DECIMAL(38, 10)')).toBe(0.1)
    expect(await one('1.25::FLOAT')).toBe(1.25)
  })

  it('DATE to YYYY-MM-DD, infinities spelled out', async () => {
    expect(await one("DATE '0099-03-04'")).toBe('0099-03-04')
    expect(await one("'infinity'::DATE")).toBe('infinity')
    expect(await one("'-infinity'::DATE")).toBe('-infinity')
  })

  it('timestamps in UTC as YYYY-MM-DD HH:MM:SS[.ffffff], no T and no offset', async () => {
    expect(await one("TIMESTAMP '1969-12-31 23:59:59.000001'")).toBe('1969-12-31 23:59:59.000001')
    expect(await one("TIMESTAMPTZ '2024-01-02 03:04:05.25+02:00'")).toBe('2024-01-02 01:04:05.250000')
    expect(await one("TIMESTAMP_S '2024-01-02 03:04:05'")).toBe('2024-01-02 03:04:05')
    expect(await one("TIMESTAMP_MS '2024-01-02 03:04:05.123'")).toBe('2024-01-02 03:04:05.123000')
    expect(await one("TIMESTAMP_NS '2024-01-02 03:04:05.123456789'")).toBe('2024-01-02 03:04:05.123456789')
    expect(await one("'infinity'::TIMESTAMP")).toBe('infinity')
  })

  it('LIST and ARRAY to arrays, STRUCT to objects, recursively', async () => {
    expect(await one("[DATE '2024-01-01', NULL]")).toEqual(['2024-01-01', null])
    expect(await one('[1, 2, 3]::INTEGER[3]')).toEqual([1, 2, 3])
    expect(await one("{'id': 9007199254740993::BIGINT, 'tags': ['a', 'b'], 'at': TIMESTAMP '2024-01-01 00:00:00'}")).toEqual({
      id: '9007199254740993',
      tags: ['a', 'b'],
      at: '2024-01-01 00:00:00',
    })
  })

  it('MAP to {key, value}[], UNION to {tag, value}, INTERVAL to its parts', async () => {
    expect(await one("MAP {1: 'a', 2: 'b'}")).toEqual([
      { key: 1, value: 'a' },
      { key: 2, value: 'b' },
    ])
    expect(await one("union_value(num := 2)::UNION(num INTEGER, str VARCHAR)")).toEqual({ tag: 'num', value: 2 })
    expect(await one("INTERVAL '1 month 2 days 3 seconds'")).toEqual({ months: 1, days: 2, micros: 3000000 })
  })

  it('TIME, UUID, BLOB and ENUM to text', async () => {
    expect(await one("TIME '01:02:03.5'")).toBe('01:02:03.5')
    expect(await one("'00000000-0000-0000-0000-000000000001'::UUID")).toBe('00000000-0000-0000-0000-000000000001')
    expect(await one("'\\xAA'::BLOB")).toBe('\\xAA')
    expect(await one("'b'::ENUM('a', 'b')")).toBe('b')
  })

  it('returns rows that survive JSON round-trip unchanged', async () => {
    const rows = await db.query(
      "SELECT 1::BIGINT AS a, 2::HUGEINT AS b, 3.5::DECIMAL(4,1) AS c, DATE '2024-01-01' AS d, [1] AS e, {'x': 1} AS f",
    )
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows)
    expect(rows).toEqual([{ a: 1, b: 2, c: 3.5, d: '2024-01-01', e: [1], f: { x: 1 } }])
  })
})
