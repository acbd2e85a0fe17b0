import { test } from 'vitest'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import { DuckDbAdapter } from '../../../src/engines/duckdb/duckdb-adapter.js'
test('scratch', async () => {
  const sql = await createSqlService()
  const qs = [
    `SELECT * FROM __tributary_audit_rows__ WHERE NOT regexp_like(lower(a), '^[0-9a-f]{8}$') AND (x) IS NULL`,
    `SELECT count(*) AS row_count FROM (SELECT 1 AS x FROM __tributary_audit_rows__ LIMIT 4) AS s HAVING count(*) <= 3`,
    `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY a ORDER BY a) AS __rank_0 FROM (SELECT * FROM __tributary_audit_rows__ WHERE date_trunc('day', ts) = DATE '2024-01-01') ) AS r WHERE __rank_0 > 1`,
    `SELECT stddev(a) AS s, length(b) <> 3, b LIKE '%x' FROM __tributary_audit_rows__`,
    `SELECT * FROM __tributary_audit_rows__ WHERE NOT (x > 0) OR NOT (y IN (1, 2))`,
    `SELECT * FROM __tributary_audit_rows__ t WHERE "A" = 1`,
    `WITH w AS (SELECT a AS lower_bound, LEAD(a) OVER (PARTITION BY g ORDER BY a, b) AS n, row_number() OVER (ORDER BY a DESC, b DESC) = 1 AS is_last FROM __tributary_audit_rows__) SELECT * FROM w WHERE NOT COALESCE(lower_bound <= n, is_last, FALSE)`,
  ]
  for (const q of qs) { try { console.log(sql.transpile(q, 'trino', 'duckdb')) } catch (e) { console.log('ERR', (e as Error).message) } }
  const db = await DuckDbAdapter.open({ path: ':memory:', prelude: sql.duckdbPrelude() })
  console.log(await db.query(`SELECT count(*) AS n FROM range(3) HAVING count(*) <= 3`))
  console.log(await db.query(`SELECT count(*) AS n FROM range(0) HAVING count(*) > 0`))
  console.log(await db.query(`SELECT * FROM (SELECT * FROM range(3)) WHERE range > 1`))
  await db.close()
})
