import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LakehouseProject } from '../trino/lakehouse-project.js'

/**
 * Replication into Trino/Iceberg on the real stack: Postgres (scripts/pg.sh) → Trino + Nessie
 * (scripts/stack.sh), on the project's own Nessie branch.
 */
const url = process.env['TRIBUTARY_PG_URL']
if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')

describe('models ingest into Trino/Iceberg', () => {
  const admin = new pg.Client({ connectionString: url })
  const schema = `itt_${process.pid}_${Date.now().toString(36)}`
  let p: LakehouseProject

  beforeAll(async () => {
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.events (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, kind text, amount numeric(12,2), ok boolean, day date, ref uuid, note varchar(20));
      INSERT INTO ${schema}.events SELECT g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', 'k''' || (g % 3), g / 10.0, g % 2 = 0, date '2024-01-01' + g, md5(g::text)::uuid, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 3000) g;
      CREATE TABLE ${schema}.lookup (code text, label text); INSERT INTO ${schema}.lookup VALUES ('a', 'Alpha'), ('b', 'Beta')`)
    process.env['TRIBUTARY__IT__DB'] = url
    p = await LakehouseProject.create(undefined, {
      files: {
        'sources/db.yaml': `name: db
connection:
  secret: { group: it, key: db }
tables:
  - table: events
    schema: ${schema}
    incremental: { cursor: updated_at }
  - table: lookup
    schema: ${schema}
    destination_table_name: codes
`,
        'models/report.sql': 'MODEL (name rpt.event_count, kind FULL);\nSELECT count(*) AS n, sum(amount) AS total FROM db.events',
      },
    })
  })
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin.end()
    await p?.dispose()
  })

  const rows = (sql: string) => p.rows(sql)

  it('loads both tables on a work branch merged into main in one commit; values survive the trip', async () => {
    const before = await p.mainHash()
    const r = await p.cli('ingest', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { tables: Array<{ node: string; status: string; rows: number; disposition: string }> }
    expect(out.tables.map((t) => [t.node, t.status, t.rows, t.disposition])).toEqual([
      ['db.events', 'loaded', 3000, 'merge'],
      ['db.codes', 'loaded', 2, 'replace'],
    ])
    const log = await p.nessie.history(p.main, { max: 50 })
    expect(log.filter((c) => c.hash !== before).length).toBeGreaterThan(0)
    expect(await rows(`SELECT count(*), sum(amount), count(note), count_if(ok) FROM "${p.catalog}".db.events`)).toEqual([[3000, '450150.00', 2572, 1500]])
    const [pgRow] = (await admin.query(`SELECT kind, amount::text, ok, day::text, ref::text, note, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at FROM ${schema}.events WHERE id = 42`)).rows
    const [trRow] = await rows(`SELECT kind, CAST(amount AS varchar), ok, CAST(day AS varchar), CAST(ref AS varchar), note, format_datetime(updated_at AT TIME ZONE 'UTC', 'yyyy-MM-dd HH:mm:ss') FROM "${p.catalog}".db.events WHERE id = 42`)
    expect(trRow).toEqual([pgRow.kind, pgRow.amount, pgRow.ok, pgRow.day, pgRow.ref, pgRow.note, pgRow.at])
    expect(await rows(`SELECT code, label FROM "${p.catalog}".db.codes ORDER BY code`)).toEqual([['a', 'Alpha'], ['b', 'Beta']])
  })

  it('an incremental merge reads only new rows; run syncs sources first and builds on Trino', async () => {
    await admin.query(`UPDATE ${schema}.events SET amount = 0, updated_at = timestamptz '2024-02-01 00:00:00+00' WHERE id = 1; INSERT INTO ${schema}.events VALUES (3001, timestamptz '2024-02-01 00:01:00+00', 'new', 5, true, date '2024-02-01', gen_random_uuid(), 'x')`)
    const r = await p.cli('run', '--start', '2024-01-01', '--end', '2024-01-02')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toMatch(/synced db\.events: 3 rows/)
    expect(await rows(`SELECT n, CAST(total AS varchar) FROM "${p.catalog}".rpt.event_count`)).toEqual([[3001, '450154.90']])
  })

  it('a failing table leaves its Iceberg table as it was; the others are merged', async () => {
    await admin.query(`ALTER TABLE ${schema}.events ALTER COLUMN kind TYPE int USING 7; UPDATE ${schema}.events SET updated_at = updated_at + interval '60 days' WHERE id = 2; INSERT INTO ${schema}.lookup VALUES ('c', 'Gamma')`)
    const r = await p.cli('ingest')
    expect(r.code).toBe(8)
    expect(r.stdout).toMatch(/FAILED db\.events: .*column 'kind' changed type from VARCHAR to INTEGER/)
    expect(await rows(`SELECT count(*) FROM "${p.catalog}".db.events WHERE kind = 'k''2'`)).toEqual([[1000]])
    expect(await rows(`SELECT count(*) FROM "${p.catalog}".db.codes`)).toEqual([[3]])
  })
})
