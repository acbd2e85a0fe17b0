import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { applyTableBatch } from '../../../../src/ingest/cdc/apply-duckdb.js'
import { collapseChanges, UNCHANGED, type RowChange } from '../../../../src/ingest/cdc/change-batch.js'

describe('applyTableBatch (DuckDB)', () => {
  it('applies inserts, updates, deletes, unchanged TOAST and truncate with Postgres text values cast to the column types', async () => {
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    await conn.run(`CREATE SCHEMA src; CREATE TABLE src.t (id BIGINT, big VARCHAR, amount DECIMAL(12,2), ok BOOLEAN, "at" TIMESTAMPTZ, raw BLOB)`)
    await conn.run(`INSERT INTO src.t VALUES (1, 'long text', 1.50, true, '2024-01-01 00:00:00+00', '\\x01'::BLOB), (2, 'b', 2, false, NULL, NULL)`)
    const dest = {
      quoted: 'src.t',
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'big', type: 'VARCHAR' },
        { name: 'amount', type: 'DECIMAL(12,2)' },
        { name: 'ok', type: 'BOOLEAN' },
        { name: 'at', type: 'TIMESTAMPTZ' },
        { name: 'raw', type: 'BLOB' },
      ],
      key: ['id'],
    }
    const changes: RowChange[] = [
      { op: 'update', table: 't', values: { id: '1', big: UNCHANGED, amount: '9.99', ok: 'f', at: '2024-02-01 10:30:00+00', raw: '\\x0a0b' } },
      { op: 'delete', table: 't', key: { id: '2' } },
      { op: 'insert', table: 't', values: { id: '3', big: "it's", amount: '-0.01', ok: 't', at: null, raw: null } },
    ]
    await conn.run('BEGIN TRANSACTION')
    for (const b of collapseChanges(changes, () => ['id'])) await applyTableBatch(conn, dest, b)
    await conn.run('COMMIT')
    const rows = (await conn.runAndReadAll(`SELECT id, big, amount::VARCHAR AS amount, ok, strftime("at" AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS "at", hex(raw) AS raw FROM src.t ORDER BY id`)).getRowObjects()
    expect(rows).toEqual([
      { id: 1n, big: 'long text', amount: '9.99', ok: false, at: '2024-02-01 10:30', raw: '0A0B' },
      { id: 3n, big: "it's", amount: '-0.01', ok: true, at: null, raw: null },
    ])
    for (const b of collapseChanges([{ op: 'truncate', table: 't' }], () => ['id'])) await applyTableBatch(conn, dest, b)
    expect((await conn.runAndReadAll('SELECT count(*) AS n FROM src.t')).getRowObjects()).toEqual([{ n: 0n }])
    conn.closeSync()
    db.closeSync()
  })
})
