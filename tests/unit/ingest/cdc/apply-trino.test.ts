import { describe, expect, it } from 'vitest'
import { applyTableBatchTrino, fromPgText } from '../../../../src/ingest/cdc/apply-trino.js'
import { collapseChanges, UNCHANGED, type RowChange } from '../../../../src/ingest/cdc/change-batch.js'
import { jsonBatches } from '../../../../src/ingest/trino-rows.js'

const dest = {
  quoted: '"cat"."shop"."t"',
  columns: [
    { name: 'id', type: 'BIGINT' },
    { name: 'big', type: 'VARCHAR' },
    { name: 'raw', type: 'VARBINARY' },
  ],
  key: ['id'],
  staging: '"cat"."tributary__ingest"."cdc_stg_shop_t"',
}

async function statements(changes: RowChange[]): Promise<string[]> {
  const sql: string[] = []
  for (const b of collapseChanges(changes, () => ['id'])) await applyTableBatchTrino(async (s) => void sql.push(s), dest, b)
  return sql
}

describe('applyTableBatchTrino', () => {
  it('upserts and deletes of a batch are one MERGE over a JSON literal; a key deleted then re-inserted is an update, not a delete', async () => {
    const sql = await statements([
      { op: 'insert', table: 't', values: { id: '1', big: "it's", raw: '\\x0a' } },
      { op: 'delete', table: 't', key: { id: '2' } },
      { op: 'delete', table: 't', key: { id: '3' } },
      { op: 'insert', table: 't', values: { id: '3', big: 'again', raw: null } },
    ])
    expect(sql).toEqual([
      [
        'MERGE INTO "cat"."shop"."t" AS __t',
        `USING (SELECT __r[1] AS "__tributary_op", CAST(__r[2] AS BIGINT) AS "id", __r[3] AS "big", from_hex(substr(__r[4], 3)) AS "raw" FROM UNNEST(CAST(json_parse('[["D","2",null,null],["U","1","it''s","\\\\x0a"],["U","3","again",null]]') AS ARRAY(ARRAY(VARCHAR)))) AS __t(__r)) AS __s`,
        'ON __t."id" = __s."id"',
        `WHEN MATCHED AND __s."__tributary_op" = 'D' THEN DELETE`,
        'WHEN MATCHED THEN UPDATE SET "big" = __s."big", "raw" = __s."raw"',
        `WHEN NOT MATCHED AND __s."__tributary_op" = 'U' THEN INSERT ("id", "big", "raw") VALUES (__s."id", __s."big", __s."raw")`,
      ].join('\n'),
    ])
  })

  it('truncate first; unchanged-TOAST updates set only the columns that were sent', async () => {
    const sql = await statements([{ op: 'truncate', table: 't' }, { op: 'update', table: 't', values: { id: '5', big: UNCHANGED, raw: '\\x00' } }])
    expect(sql[0]).toBe('DELETE FROM "cat"."shop"."t"')
    expect(sql).toHaveLength(2)
    expect(sql[1]).toMatch(/^MERGE INTO "cat"."shop"."t" AS __t\nUSING \(SELECT CAST\(__r\[1\] AS BIGINT\) AS "id", from_hex\(substr\(__r\[2\], 3\)\) AS "raw" FROM UNNEST/)
    expect(sql[1]).toMatch(/\nWHEN MATCHED THEN UPDATE SET "raw" = __s."raw"$/)
  })

  it('a batch beyond one statement goes through the staging table: insert per ~900 KB, MERGE from it, drop it', async () => {
    const big = 'x'.repeat(100_000)
    const sql = await statements(Array.from({ length: 12 }, (_, i) => ({ op: 'insert' as const, table: 't', values: { id: String(i), big, raw: null } })))
    expect(sql.map((s) => s.split(/[\s(]/, 3).join(' '))).toEqual([
      'CREATE OR REPLACE',
      'INSERT INTO "cat"."tributary__ingest"."cdc_stg_shop_t"',
      'INSERT INTO "cat"."tributary__ingest"."cdc_stg_shop_t"',
      'MERGE INTO "cat"."shop"."t"',
      'DROP TABLE IF',
    ])
    expect(sql[3]).toContain('USING (SELECT "__tributary_op" AS "__tributary_op", CAST("id" AS BIGINT) AS "id", "big" AS "big", from_hex(substr("raw", 3)) AS "raw" FROM "cat"."tributary__ingest"."cdc_stg_shop_t") AS __s')
    for (const s of sql) expect(s.length).toBeLessThan(1_000_000)
  })

  it('refuses a row with a column the table lacks (it must be added first)', async () => {
    await expect(statements([{ op: 'insert', table: 't', values: { id: '1', big: 'a', raw: null, extra: 'x' } }])).rejects.toThrow(/column extra is not in/)
  })
})

describe('jsonBatches / fromPgText', () => {
  it('splits rows at the size limit, counting the doubled single quotes', () => {
    expect(jsonBatches([['a'], ['b'], ['c']], 12)).toEqual(['[["a"],["b"]]', '[["c"]]'])
    expect(jsonBatches([["''''"], ['b']], 12)).toEqual(['[["\'\'\'\'"]]', '[["b"]]'])
    expect(jsonBatches([])).toEqual([])
  })

  it('casts Postgres text to the Trino type; bytea from its \\x hex form', () => {
    expect(fromPgText('v', 'VARCHAR')).toBe('v')
    expect(fromPgText('v', 'VARBINARY')).toBe('from_hex(substr(v, 3))')
    expect(fromPgText('v', 'TIMESTAMP(6) WITH TIME ZONE')).toBe('CAST(v AS TIMESTAMP(6) WITH TIME ZONE)')
  })
})
