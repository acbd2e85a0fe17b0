import { beforeAll, describe, expect, it } from 'vitest'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

let sql: SqlService
beforeAll(async () => {
  sql = await createSqlService()
})

const tables = (q: string, dialect: 'trino' | 'duckdb' = 'trino') => sql.analyze(q, dialect).tables

describe('analyze().tables', () => {
  it('returns a plain table, sorted and unique', () => {
    expect(tables('SELECT * FROM b.t2 JOIN a.t1 ON true JOIN b.t2 AS again ON true')).toEqual(['a.t1', 'b.t2'])
  })

  it('does not let a CTE named like a table hide the qualified table', () => {
    const q = `WITH orders AS (SELECT * FROM raw.orders WHERE total > 0),
      big AS (SELECT * FROM orders WHERE total > 100)
      SELECT b.*, u.name FROM big b JOIN raw.users u ON u.id = b.user_id`
    expect(tables(q)).toEqual(['raw.orders', 'raw.users'])
  })

  it('lets a CTE hide a bare name, case-insensitively', () => {
    expect(tables('WITH x AS (SELECT 1 AS a) SELECT * FROM X')).toEqual([])
  })

  it('treats a non-recursive CTE referring to its own name as the real table', () => {
    expect(tables('WITH orders AS (SELECT * FROM orders) SELECT * FROM orders')).toEqual(['orders'])
  })

  it('scopes CTEs: a later CTE sees earlier ones, not the other way round', () => {
    const q = 'WITH a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT * FROM b'
    expect(tables(q)).toEqual(['b'])
  })

  it('handles WITH RECURSIVE', () => {
    const q = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3)
      SELECT * FROM n CROSS JOIN raw.events`
    expect(tables(q)).toEqual(['raw.events'])
  })

  it('handles nested WITH inside a subquery, scoped to that subquery', () => {
    const q = `SELECT * FROM (WITH inner_cte AS (SELECT * FROM raw.events) SELECT * FROM inner_cte) s
      JOIN inner_cte ON true`
    expect(tables(q)).toEqual(['inner_cte', 'raw.events'])
  })

  it('finds tables in scalar, IN, EXISTS and derived-table subqueries', () => {
    const q = `SELECT (SELECT max(x) FROM s.scalar_t) AS m FROM (SELECT * FROM s.derived) d
      WHERE d.id IN (SELECT id FROM s.in_t) AND EXISTS (SELECT 1 FROM s.exists_t e WHERE e.id = d.id)
      AND d.v > (SELECT avg(v) FROM s.cmp_t)`
    expect(tables(q)).toEqual(['s.cmp_t', 's.derived', 's.exists_t', 's.in_t', 's.scalar_t'])
  })

  it('finds tables in every branch of set operations', () => {
    const q = 'SELECT a FROM s.t1 UNION ALL SELECT a FROM s.t2 UNION SELECT a FROM s.t3 EXCEPT SELECT a FROM s.t4'
    expect(tables(q)).toEqual(['s.t1', 's.t2', 's.t3', 's.t4'])
  })

  it('ignores UNNEST and LATERAL sources but keeps their tables', () => {
    const q = `SELECT e.id, t.tag, p.n FROM raw.events e
      CROSS JOIN UNNEST(e.tags) WITH ORDINALITY AS t(tag, pos)
      CROSS JOIN LATERAL (SELECT count(*) AS n FROM raw.pings p WHERE p.id = e.id) p`
    expect(tables(q)).toEqual(['raw.events', 'raw.pings'])
  })

  it('keeps three-part names as written', () => {
    const q = 'SELECT * FROM hive.raw.page_views v JOIN raw.users u ON true JOIN iceberg.analytics.daily_users d ON true'
    expect(tables(q)).toEqual(['hive.raw.page_views', 'iceberg.analytics.daily_users', 'raw.users'])
  })

  it('lower-cases every name in Trino, quoting names that need it', () => {
    expect(tables('SELECT * FROM "Raw"."Weird Table" JOIN RAW.Users ON true')).toEqual(['raw."weird table"', 'raw.users'])
  })

  it('keeps the case of quoted names in DuckDB only', () => {
    expect(tables('SELECT * FROM "Raw"."Mixed" JOIN Raw.Plain ON true', 'duckdb')).toEqual(['"Raw"."Mixed"', 'raw.plain'])
  })

  it('returns a self-reference as-is (the caller drops it)', () => {
    const q = `SELECT * FROM sushi.orders o
      LEFT JOIN sushi.customer_revenue_lifetime c ON c.id = o.customer_id`
    expect(tables(q)).toContain('sushi.customer_revenue_lifetime')
  })

  it('accepts DuckDB trailing commas before ) and before FROM', () => {
    expect(tables('WITH t AS (SELECT 1 AS a,) SELECT a, FROM t JOIN s.x ON true', 'duckdb')).toEqual(['s.x'])
    expect(tables('SELECT id FROM (VALUES (1, 2),) t(id, x) JOIN s.y ON true', 'duckdb')).toEqual(['s.y'])
  })

  it("does not report DuckDB file reads (FROM 'x.csv') or table functions as tables", () => {
    const q = `SELECT * FROM read_parquet('x.parquet') JOIN 'data.csv' c ON true JOIN "quoted.name" q ON true`
    expect(tables(q, 'duckdb')).toEqual(['"quoted.name"'])
  })

  it('reads DuckDB-only syntax in the duckdb dialect', () => {
    expect(tables('SELECT * EXCLUDE (dup) FROM bronze.a WHERE x::INT > 1', 'duckdb')).toEqual(['bronze.a'])
  })
})
