import type { ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load-config.js'
import { TrinoGateway } from '../../../src/engines/trino/trino-gateway.js'
import type { CdcTable, CdcWrite } from '../../../src/ingest/cdc/cdc-destination.js'
import { TrinoCdcDestination } from '../../../src/ingest/cdc/cdc-trino.js'
import { SecretChain } from '../../../src/ingest/secrets.js'
import type { SourceDefinition } from '../../../src/ingest/source-config.js'
import { spawnCli } from '../../helpers/cli.js'
import { LakehouseProject } from '../trino/lakehouse-project.js'
import { pgUrl } from './cdc-fixture.js'

/**
 * Change data capture into Iceberg on the real stack: Postgres (scripts/pg.sh, wal_level=logical)
 * → Trino + Nessie (scripts/stack.sh), through the built CLI, on the project's own Nessie branch.
 */
/** Poll until `check` holds. */
async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(200)
  }
}

describe('models ingest with cdc into Trino/Iceberg', () => {
  const url = pgUrl()
  const admin = new pg.Client({ connectionString: url })
  const id = `${process.pid}_${Date.now().toString(36)}`
  const schema = `cdct_${id}`
  const slot = `slot_t_${id}`
  const pub = `pub_t_${id}`
  const t = `${schema}.orders`
  let p: LakehouseProject

  /** Every row of the source and of the Iceberg table, values as text, in key order. */
  const sourceRows = async (): Promise<string[][]> =>
    (
      await admin.query({
        text: `SELECT id::text AS id_text, status, amount::text, ok::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), day::text, ref::text, encode(raw, 'hex'), doc, ${hasNote ? 'note' : 'NULL'} FROM ${t} ORDER BY id`,
        rowMode: 'array',
      })
    ).rows.map((r: unknown[]) => r.map((v) => (v === null ? null : String(v))) as string[])
  const destRows = async (): Promise<string[][]> =>
    (
      await p.rows(
        `SELECT CAST(id AS varchar), status, CAST(amount AS varchar), CAST(ok AS varchar), replace(CAST(at AT TIME ZONE 'UTC' AS varchar), ' UTC', ''), CAST(day AS varchar), CAST(ref AS varchar), lower(to_hex(raw)), doc, ${hasNote ? 'note' : 'CAST(NULL AS varchar)'} FROM "${p.catalog}".shop.orders ORDER BY id`,
      )
    ).map((r) => r.map((v) => (v === null ? null : String(v))) as string[])
  let hasNote = false
  const normalize = (rows: string[][]): string[][] => rows.map((r) => r.map((v, i) => (i === 3 && v !== null ? (v === 'true' || v === 't' ? 't' : 'f') : v)))
  const expectSame = async (): Promise<void> => {
    const [src, dst] = [normalize(await sourceRows()), normalize(await destRows())]
    expect(dst.length).toBe(src.length)
    expect(dst).toEqual(src)
  }
  const ingest = async (): Promise<{ tables: Array<{ node: string; status: string; mode: string; rows: number; message?: string }> }> => {
    const r = await p.cli('ingest', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return JSON.parse(r.stdout)
  }

  beforeAll(async () => {
    await admin.connect()
    process.env['TRIBUTARY__CDCT__DB'] = url
    await admin.query(`CREATE SCHEMA ${schema};
      CREATE TABLE ${t} (id bigint PRIMARY KEY, status text, amount numeric(12,2), ok boolean, at timestamptz, day date, ref uuid, raw bytea, doc text);
      ALTER TABLE ${t} ALTER COLUMN doc SET STORAGE EXTERNAL;
      INSERT INTO ${t} SELECT g, 's' || (g % 5), g / 4.0, g % 2 = 0, timestamptz '2024-01-01 00:00:00.123456+00' + g * interval '1 minute', date '2024-01-01' + g, md5(g::text)::uuid, decode(lpad(to_hex(g), 8, '0'), 'hex'), CASE WHEN g % 9 = 0 THEN NULL ELSE 'd''' || g END FROM generate_series(1, 500) g;
      CREATE PUBLICATION ${pub} FOR TABLE ${t}`)
    p = await LakehouseProject.create(undefined, {
      files: {
        'sources/shop.yaml': `name: shop\nconnection:\n  secret: { group: cdct, key: db }\ncdc: { slot: ${slot}, publication: ${pub} }\ntables:\n  - table: orders\n    schema: ${schema}\n`,
      },
    })
  })
  afterAll(async () => {
    delete process.env['TRIBUTARY_CDC_BATCH_CHANGES']
    await admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}' AND NOT active`).catch(() => undefined)
    await admin.query(`DROP PUBLICATION IF EXISTS ${pub}; DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin.end()
    await p?.dispose()
  })

  it('first sync: the tables copied inside the exported snapshot and the slot position land in main in one publish', async () => {
    const before = await p.mainHash()
    const out = await ingest()
    expect(out.tables.map((x) => [x.node, x.status, x.mode, x.rows])).toEqual([['shop.orders', 'loaded', 'cdc-snapshot', 500]])
    expect(await p.mainHash()).not.toBe(before)
    await expectSame()
    const [state] = await p.rows(`SELECT slot, lsn FROM "${p.catalog}".tributary__ingest.cdc_state WHERE source = 'shop'`)
    expect(state?.[0]).toBe(slot)
    expect(String(state?.[1])).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    // Nothing of the sync's staging is left in main.
    expect(await p.rows(`SELECT table_name FROM "${p.catalog}".information_schema.tables WHERE table_schema = 'tributary__ingest' ORDER BY 1`)).toEqual([['cdc_state']])
  })

  it('streams inserts, updates (key change, unchanged TOAST), deletes and a new column; the destination equals the source', async () => {
    const big = 'B'.repeat(50_000)
    await admin.query(`UPDATE ${t} SET doc = '${big}' WHERE id = 7`)
    await admin.query(`INSERT INTO ${t} SELECT g, 'new', 1.5, true, now(), current_date, gen_random_uuid(), '\\x00ff'::bytea, 'n' FROM generate_series(1001, 1200) g;
      UPDATE ${t} SET status = 'upd', amount = amount + 1 WHERE id % 10 = 0;
      UPDATE ${t} SET id = 5000 WHERE id = 3;
      DELETE FROM ${t} WHERE id % 17 = 0;
      UPDATE ${t} SET status = 'toast kept' WHERE id = 7;
      -- 1.2 MB of values: more than one statement carries, so this batch goes through a staging table.
      UPDATE ${t} SET doc = repeat('y', 40000) || id WHERE id BETWEEN 100 AND 129`)
    await admin.query(`ALTER TABLE ${t} ADD COLUMN note text; UPDATE ${t} SET note = 'hello' WHERE id BETWEEN 20 AND 29`)
    hasNote = true
    const out = await ingest()
    expect(out.tables.map((x) => [x.node, x.status, x.mode])).toEqual([['shop.orders', 'loaded', 'cdc']])
    expect(out.tables[0]!.rows).toBeGreaterThan(200)
    await expectSame()
    expect(await p.rows(`SELECT status, length(doc) FROM "${p.catalog}".shop.orders WHERE id = 7`)).toEqual([['toast kept', 50_000]])
    expect(await p.rows(`SELECT table_name FROM "${p.catalog}".information_schema.tables WHERE table_schema = 'tributary__ingest' ORDER BY 1`)).toEqual([['cdc_state']])
  })

  it('the position survives: a re-run applies nothing twice, and a transaction bigger than one batch lands whole', async () => {
    const again = await ingest()
    expect(again.tables[0]!.rows).toBe(0)
    await expectSame()
    process.env['TRIBUTARY_CDC_BATCH_CHANGES'] = '1000'
    await admin.query(`BEGIN;
      INSERT INTO ${t} SELECT g, 'bulk', 2, false, now(), current_date, NULL, NULL, NULL, 'b' FROM generate_series(20001, 22500) g;
      UPDATE ${t} SET amount = 0 WHERE id BETWEEN 20001 AND 20500;
      DELETE FROM ${t} WHERE id BETWEEN 22001 AND 22500;
      COMMIT`)
    const out = await ingest()
    expect(out.tables[0]!.rows).toBe(3500)
    await expectSame()
    expect(await p.rows(`SELECT count(*) - count(DISTINCT id) FROM "${p.catalog}".shop.orders`)).toEqual([[0]])
    const last = await ingest()
    expect(last.tables[0]!.rows).toBe(0)
    await expectSame()
  })

  it('--follow: changes reach main within the flush interval (batched, not per heartbeat); Ctrl-C stops cleanly', async () => {
    delete process.env['TRIBUTARY_CDC_BATCH_CHANGES']
    let child: ChildProcess | undefined
    const follower = spawnCli(['-p', p.dir, 'ingest', '--follow'], { onSpawn: (c) => (child = c) })
    try {
      await until(async () => (await admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0]?.active === true)
      const commitsBefore = (await p.nessie.history(p.main, { max: 500 })).length
      for (let i = 0; i < 5; i++) {
        await admin.query(`INSERT INTO ${t} SELECT g, 'follow', 4, true, now(), current_date, NULL, NULL, NULL, 'f' FROM generate_series(${40001 + i * 100}, ${40100 + i * 100}) g`)
        await sleep(1000)
      }
      await until(async () => Number((await p.rows(`SELECT count(*) FROM "${p.catalog}".shop.orders WHERE id > 40000`))[0]![0]) === 500, 60_000)
      // Five source transactions, about one per heartbeat: gathered into fewer publishes.
      expect((await p.nessie.history(p.main, { max: 500 })).length - commitsBefore).toBeLessThan(5)
    } finally {
      child?.kill('SIGINT')
    }
    const r = await follower
    expect(r.code, r.stdout + r.stderr).toBe(0)
    await expectSame()
  })

  it('SIGKILL in the middle of a big transaction: main shows none of it; the next sync converges', async () => {
    process.env['TRIBUTARY_CDC_BATCH_CHANGES'] = '1000'
    await admin.query(`INSERT INTO ${t} SELECT g, 'huge', 3, true, now(), current_date, NULL, NULL, NULL, 'h' FROM generate_series(30001, 36000) g`)
    const before = await p.mainHash()
    const killed = await spawnCli(['-p', p.dir, 'ingest'], { onStderr: (s, kill) => /shop: [\d,]+ rows/.test(s) && kill() })
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL')
    expect(await p.mainHash()).toBe(before)
    expect(await p.rows(`SELECT count(*) FROM "${p.catalog}".shop.orders WHERE id BETWEEN 30001 AND 36000`)).toEqual([[0]])
    const out = await ingest()
    expect(out.tables[0]!.rows).toBe(6000)
    await expectSame()
  })

  it('a rolled-back destination transaction leaves main as it was; the reset branch is what the next one builds on; a concurrent commit to main is merged', async () => {
    const conn = loadConfig(p.dir).gateway.connection
    if (conn?.type !== 'trino') throw new Error('expected the trino gateway')
    const source: SourceDefinition = { name: 'shop', type: 'postgres', secret: { group: 'cdct', key: 'db' }, cdc: { slot, publication: pub }, tables: [{ table: 'orders', schema, line: 1 }], file: 'sources/shop.yaml', line: 1 }
    const dest = new TrinoCdcDestination(new TrinoGateway(conn), source, new SecretChain())
    try {
      await dest.prepare()
      const position = (await dest.readPosition())!
      const table: CdcTable = { t: source.tables[0]!, node: 'shop.orders', name: 'orders', key: ['id'], columns: (await dest.describe('orders'))!, newColumns: [], applied: 0 }
      const upsert = (id: string, status: string): CdcWrite => ({
        table,
        batch: { table: `${schema}.orders`, truncate: false, deletes: [[id]], upserts: [{ id, status, amount: '9.99', ok: 't', at: null, day: null, ref: null, raw: '\\x0102', doc: null, note: null }], partial: [], changes: 1 },
      })
      const main = await p.mainHash()
      const first = await dest.begin()
      await first.apply([upsert('900001', 'rolled back')])
      await first.rollback()
      expect(await p.mainHash()).toBe(main)
      const second = await dest.begin()
      await second.apply([upsert('900002', 'committed')])
      await second.commit(position)
      expect(await p.rows(`SELECT id, status, CAST(amount AS varchar), ok, to_hex(raw) FROM "${p.catalog}".shop.orders WHERE id > 900000`)).toEqual([[900002, 'committed', '9.99', true, '0102']])

      // Someone else commits to main meanwhile: the publish merges instead of fast-forwarding; both survive.
      const third = await dest.begin()
      await third.apply([upsert('900003', 'merged')])
      await p.trino.run(`CREATE SCHEMA "${p.catalog}".concurrent_writer`)
      await third.commit(position)
      expect(await p.rows(`SELECT id FROM "${p.catalog}".shop.orders WHERE id > 900000 ORDER BY id`)).toEqual([[900002], [900003]])
      expect(await p.rows(`SELECT schema_name FROM "${p.catalog}".information_schema.schemata WHERE schema_name = 'concurrent_writer'`)).toEqual([['concurrent_writer']])
    } finally {
      await dest.close()
    }
  })

  it('--resnapshot copies every table again inside a new slot snapshot (rows only the destination had are gone)', async () => {
    expect((await p.rows(`SELECT count(*) FROM "${p.catalog}".shop.orders WHERE id > 900000`))[0]![0]).toBe(2)
    const r = await p.cli('ingest', '--resnapshot', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as { tables: Array<{ mode: string }> }).tables[0]!.mode).toBe('cdc-snapshot')
    await expectSame()
    await admin.query(`DELETE FROM ${t} WHERE id <= 100`)
    await ingest()
    await expectSame()
  })
})
