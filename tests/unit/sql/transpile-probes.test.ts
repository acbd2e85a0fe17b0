import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'
import { MORE_PROBES, PROBES, UNNEST_PROBES, type Probe } from './transpile-probes.data.js'

/**
 * Semantic probes: each Trino expression is transpiled to DuckDB and EXECUTED (with the prelude
 * installed); the value (as VARCHAR) and, where given, the DuckDB type must match what Trino
 * returns. A polyglot upgrade that silently changes a translation fails here.
 */
let sql: SqlService
let conn: DuckDBConnection

beforeAll(async () => {
  sql = await createSqlService()
  const db = await DuckDBInstance.create(':memory:')
  conn = await db.connect()
  for (const s of sql.duckdbPrelude()) await conn.run(s)
})

afterAll(() => {
  conn.closeSync()
})

async function run(p: Probe, forceRewrite = false): Promise<{ value: string | null; type: string }> {
  // `4 / 2` makes the query take the parse -> rewrite -> generate -> transpile path even when the
  // probe itself needs no rewrite, which checks that polyglot's Trino round trip is faithful.
  const extra = forceRewrite ? ', 4 / 2 AS force_rewrite' : ''
  const duck = sql.transpile(`SELECT ${p.expr} AS v${extra} ${p.from ?? ''}`, 'trino', 'duckdb')
  const r = await conn.runAndReadAll(`SELECT CAST(v AS VARCHAR) AS value, typeof(v) AS type FROM (${duck}) AS probe`)
  const rows = r.getRowObjectsJS() as Array<{ value: string | null; type: string }>
  expect(rows).toHaveLength(1)
  return rows[0] as { value: string | null; type: string }
}

describe.each([
  ['core', PROBES],
  ['more functions', MORE_PROBES],
  ['unnest', UNNEST_PROBES],
])('Trino -> DuckDB probes: %s', (_name, probes) => {
  it.each(probes.map((p) => [p.expr, p] as const))('%s', async (_expr, p) => {
    const got = await run(p)
    expect(got.value).toBe(p.value)
    if (p.type) expect(got.type).toBe(p.type)
  })
})

describe('Trino -> DuckDB probes through the rewrite round trip', () => {
  it.each([...PROBES, ...MORE_PROBES, ...UNNEST_PROBES].map((p) => [p.expr, p] as const))('%s', async (_expr, p) => {
    const got = await run(p, true)
    expect(got.value).toBe(p.value)
    if (p.type) expect(got.type).toBe(p.type)
  })
})

/**
 * Known gaps, asserted as they behave today so an improvement (or a regression into something
 * worse) is noticed. See docs/sql-layer.md.
 */
describe('known gaps (canaries)', () => {
  it('date_add on a DATE column of unknown type returns a TIMESTAMP (Trino: DATE)', async () => {
    const got = await run({ expr: "date_add('day', 1, d)", from: "FROM (SELECT DATE '2024-01-01' AS d) AS t", value: '' })
    expect(got).toEqual({ value: '2024-01-02 00:00:00', type: 'TIMESTAMP' })
  })

  it('reduce whose state type differs from the element type fails in DuckDB', async () => {
    await expect(
      run({ expr: "reduce(ARRAY['a', 'bb'], 0, (s, x) -> s + length(x), s -> s)", value: '' }),
    ).rejects.toThrow()
  })

  it('from_unixtime with a time zone argument is not translated', async () => {
    await expect(run({ expr: "from_unixtime(0, 'UTC')", value: '' })).rejects.toThrow()
  })
})
