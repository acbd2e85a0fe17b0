import { beforeAll, describe, expect, it } from 'vitest'
import { DuckDBInstance } from '@duckdb/node-api'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

let sql: SqlService
beforeAll(async () => {
  sql = await createSqlService()
})

describe('transpile', () => {
  it('is the identity when from === to', () => {
    const q = 'SELECT 7 / 2 -- keep\n'
    expect(sql.transpile(q, 'trino', 'trino')).toBe(q)
    expect(sql.transpile(q, 'duckdb', 'duckdb')).toBe(q)
  })

  it('renders the macro layer time literals as DuckDB casts', () => {
    const out = sql.transpile(
      "SELECT * FROM t WHERE ts >= TIMESTAMP '2024-01-01 00:00:00.000000' AND d < DATE '2024-01-02' AND ds = '2024-01-01' AND e < 1704153600",
      'trino',
      'duckdb',
    )
    expect(out).toBe(
      "SELECT * FROM t WHERE ts >= CAST('2024-01-01 00:00:00.000000' AS TIMESTAMP) AND d < CAST('2024-01-02' AS DATE) AND ds = '2024-01-01' AND e < 1704153600",
    )
  })

  it('rewrites Trino constructs polyglot gets wrong', () => {
    const out = sql.transpile(
      "SELECT date_add('day', -7, d), date_diff('day', a, b), 7 / 2, to_hex(md5(to_utf8(x))), transform(l, v -> v + 1) FROM t",
      'trino',
      'duckdb',
    )
    expect(out).toBe(
      "SELECT d + (-7) * INTERVAL '1' DAY, DATE_SUB('day', a, b), TRINO_DIV(7, 2), TRINO_MD5_HEX(x), LIST_TRANSFORM(l, v -> v + 1) FROM t",
    )
  })

  it('uses the cheap cardinality for evident arrays and the type-agnostic macro otherwise', () => {
    expect(sql.transpile("SELECT cardinality(split(s, ',')), cardinality(m) FROM t", 'trino', 'duckdb')).toBe(
      "SELECT ARRAY_LENGTH(SPLIT(s, ',')), TRINO_CARDINALITY(m) FROM t",
    )
  })

  it('leaves queries without rewrite candidates to polyglot alone (no re-generation)', () => {
    expect(sql.transpile("SELECT json_extract_scalar(j, '$.a') AS a FROM t", 'trino', 'duckdb')).toBe(
      "SELECT j ->> '$.a' AS a FROM t",
    )
  })

  it('accepts trailing commas when transpiling', () => {
    expect(sql.transpile('WITH t AS (SELECT 1 AS a,) SELECT a FROM t', 'trino', 'duckdb')).toBe(
      'WITH t AS (SELECT 1 AS a) SELECT a FROM t',
    )
  })

  it('transpiles DuckDB to Trino without engine rewrites', () => {
    expect(sql.transpile('SELECT x::INT AS y FROM t', 'duckdb', 'trino')).toBe('SELECT CAST(x AS INTEGER) AS y FROM t')
  })

  it('returns prelude statements DuckDB accepts, repeatably', async () => {
    const prelude = sql.duckdbPrelude()
    expect(prelude.length).toBeGreaterThan(10)
    expect(prelude.every((s) => s.startsWith('CREATE OR REPLACE TEMP MACRO '))).toBe(true)
    const db = await DuckDBInstance.create(':memory:')
    const c = await db.connect()
    for (const s of [...prelude, ...prelude]) await c.run(s)
    const r = await c.runAndReadAll('SELECT trino_div(7, 2) AS v')
    expect(r.getRowObjectsJS()).toEqual([{ v: 3 }])
    c.closeSync()
  })
})
