import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

/**
 * Whole Trino models (as the macro layer renders them) transpiled, pointed at physical tables with
 * replaceTables, and executed in DuckDB against seeded data; rows compared with what Trino returns.
 */
let sql: SqlService
let conn: DuckDBConnection

beforeAll(async () => {
  sql = await createSqlService()
  const db = await DuckDBInstance.create(':memory:')
  conn = await db.connect()
  for (const s of sql.duckdbPrelude()) await conn.run(s)
  await conn.run(`
    CREATE SCHEMA phys;
    CREATE TABLE phys.events__1 AS SELECT * FROM (VALUES
      (1, 10, 'purchase', TIMESTAMP '2024-01-01 10:00:00', 7, 1704103200),
      (2, 10, 'purchase', TIMESTAMP '2024-01-01 11:00:00', 4, 1704106800),
      (3, 20, 'refund',   TIMESTAMP '2024-01-01 12:00:00', 5, 1704110400),
      (4, 20, 'purchase', TIMESTAMP '2023-12-31 12:00:00', 9, 1704024000)
    ) t(event_id, user_id, event_type, event_ts, amount, epoch_s);
    CREATE TABLE phys.orders__1 AS SELECT 1 AS order_id, [{'sku': 'a', 'qty': 2}, {'sku': 'b', 'qty': 3}] AS items
      UNION ALL SELECT 2, [{'sku': 'a', 'qty': 1}];
  `)
})

afterAll(() => {
  conn.closeSync()
})

const physical = new Map([
  ['raw.events', 'phys.events__1'],
  ['raw.orders', 'phys.orders__1'],
])

async function runTrino(model: string): Promise<Record<string, unknown>[]> {
  const duck = sql.replaceTables(sql.transpile(model, 'trino', 'duckdb'), 'duckdb', physical)
  const r = await conn.runAndReadAll(duck)
  return r.getRowObjectsJS() as Record<string, unknown>[]
}

describe('Trino models executed on DuckDB', () => {
  it('incremental daily aggregate with time literals, date_add, integer division and windows', async () => {
    const rows = await runTrino(`
      WITH base AS (
        SELECT user_id, CAST(event_ts AS DATE) AS ds, amount
        FROM raw.events
        WHERE event_type = 'purchase'
          AND event_ts >= date_add('day', -1, TIMESTAMP '2024-01-01 00:00:00.000000')
          AND event_ts < TIMESTAMP '2024-01-02 00:00:00.000000'
      )
      SELECT user_id, ds, sum(amount) / 2 AS half_amount,
             date_diff('day', ds, DATE '2024-01-02') AS age,
             row_number() OVER (PARTITION BY ds ORDER BY sum(amount) DESC) AS rnk
      FROM base
      GROUP BY user_id, ds
      ORDER BY ds, user_id`)
    expect(rows.map((r) => [r.user_id, String(r.half_amount), String(r.age), String(r.rnk)])).toEqual([
      [20, '4', '2', '1'],
      [10, '5', '1', '1'],
    ])
  })

  it('UNNEST of an array of rows, lambdas and hashes', async () => {
    const rows = await runTrino(`
      SELECT o.order_id, i.sku, i.qty,
             cardinality(o.items) AS n_items,
             reduce(transform(o.items, x -> x.qty), 0, (s, q) -> s + q, s -> s) AS total_qty,
             to_hex(md5(to_utf8(i.sku))) AS sku_hash
      FROM raw.orders o
      CROSS JOIN UNNEST(o.items) AS i(sku, qty)
      ORDER BY o.order_id, i.sku`)
    expect(rows.map((r) => [r.order_id, r.sku, r.qty, String(r.n_items), String(r.total_qty)])).toEqual([
      [1, 'a', 2, '2', '5'],
      [1, 'b', 3, '2', '5'],
      [2, 'a', 1, '1', '1'],
    ])
    expect(rows[0]?.sku_hash).toBe('0CC175B9C0F1B6A831C399E269772661')
  })

  it('epoch columns through from_unixtime, nested in date functions', async () => {
    const rows = await runTrino(`
      SELECT count(*) AS n, min(year(from_unixtime(epoch_s))) AS y,
             max(format_datetime(from_unixtime(epoch_s), 'yyyy-MM-dd HH:mm')) AS last_ts
      FROM raw.events WHERE from_unixtime(epoch_s) >= TIMESTAMP '2024-01-01 00:00:00.000000'`)
    expect(rows.map((r) => [String(r.n), String(r.y), r.last_ts])).toEqual([['3', '2024', '2024-01-01 12:00']])
  })
})
