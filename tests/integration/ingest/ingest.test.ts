import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli, spawnCli } from '../../helpers/cli.js'
import { writeProject } from '../../helpers/project.js'

/**
 * `models ingest` against the real PostgreSQL of `scripts/pg.sh` into the embedded DuckDB.
 * Every test works in its own Postgres schema; the connection string reaches the tool only
 * through the secret reference (env TRIBUTARY__IT__DB).
 */
const url = process.env['TRIBUTARY_PG_URL']
if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')
const password = new URL(url).password

type Row = Record<string, unknown>

describe('models ingest from Postgres into DuckDB', () => {
  const admin = new pg.Client({ connectionString: url })
  const schemas: string[] = []

  beforeAll(async () => {
    await admin.connect()
    process.env['TRIBUTARY__IT__DB'] = url
  })
  afterAll(async () => {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)
    await admin.end()
  })

  /** A fresh source schema and a project replicating it. */
  async function setup(tablesYaml: string, ddl: string): Promise<{ dir: string; schema: string; sql: (q: string) => Promise<pg.QueryResult> }> {
    const schema = `it_${process.pid}_${schemas.length}_${Date.now().toString(36)}`
    schemas.push(schema)
    await admin.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${ddl}; SET search_path TO public`)
    const dir = writeProject({
      'config.yaml': 'gateways:\n  local:\n    connection:\n      type: duckdb\nmodel_defaults:\n  dialect: duckdb\n  start: 2024-01-01\n',
      'sources/db.yaml': `name: db\nconnection:\n  secret: { group: it, key: db }\ntables:\n${tablesYaml.replaceAll('SCHEMA', schema)}`,
      ...(tablesYaml.includes('- table: events') ? { 'models/report.sql': 'MODEL (name rpt.event_count, kind FULL);\nSELECT count(*) AS n FROM db.events' } : {}),
    })
    return { dir, schema, sql: (q) => admin.query(`SET search_path TO ${schema}; ${q}`).then((r) => (Array.isArray(r) ? r[r.length - 1]! : r)) }
  }
  const query = async (dir: string, sql: string): Promise<Row[]> => {
    const r = await runCli(['-p', dir, 'query', sql, '--json'])
    expect(r.code, r.stderr).toBe(0)
    return json<Row[]>(r)
  }
  const ingest = (dir: string, ...args: string[]) => runCli(['-p', dir, 'ingest', ...args])

  const EVENTS = `
  CREATE TABLE events (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, kind text, amount numeric(12,2));
  INSERT INTO events SELECT g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', 'k' || (g % 3), g / 10.0 FROM generate_series(1, 1000) g;
  CREATE TABLE lookup (code text, label text);
  INSERT INTO lookup VALUES ('a', 'Alpha'), ('b', 'Beta')`
  const TABLES = `  - table: events
    schema: SCHEMA
    incremental: { cursor: updated_at, lag: "10 minutes" }
  - table: lookup
    schema: SCHEMA
    destination_table_name: codes
`

  it('replicates a full-refresh table and an incremental merge table; the DAG shows them as sources', async () => {
    const { dir, sql } = await setup(TABLES, EVENTS)
    const r = await ingest(dir, '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const out = json<{ tables: Array<{ node: string; status: string; rows: number; disposition: string; cursor?: { to?: string } }> }>(r)
    expect(out.tables.map((t) => [t.node, t.status, t.rows, t.disposition])).toEqual([
      ['db.events', 'loaded', 1000, 'merge'],
      ['db.codes', 'loaded', 2, 'replace'],
    ])
    expect(out.tables[0]!.cursor?.to).toMatch(/^2024-01-01 16:40:00/)
    expect(await query(dir, 'SELECT count(*) AS n, sum(amount)::DOUBLE AS s FROM db.events')).toEqual([{ n: 1000, s: 50050 }])
    expect(await query(dir, 'SELECT * FROM db.codes ORDER BY code')).toEqual([{ code: 'a', label: 'Alpha' }, { code: 'b', label: 'Beta' }])

    // Source changes: an update, a new row, a late row inside the lag window, a deleted lookup row.
    await sql(`UPDATE events SET amount = 0, updated_at = timestamptz '2024-01-02 00:00:00+00' WHERE id = 5;
               INSERT INTO events VALUES (1001, timestamptz '2024-01-02 00:01:00+00', 'new', 1), (1002, timestamptz '2024-01-01 16:35:00+00', 'late', 2);
               DELETE FROM lookup WHERE code = 'b'`)
    const second = json<{ tables: Array<{ node: string; rows: number }> }>(await ingest(dir, '--json'))
    // Only the window since the last cursor minus the lag was read: rows from 16:30 on.
    expect(second.tables.find((t) => t.node === 'db.events')!.rows).toBeLessThan(20)
    expect(await query(dir, 'SELECT count(*) AS n FROM db.events')).toEqual([{ n: 1002 }])
    expect(await query(dir, 'SELECT amount::DOUBLE AS a FROM db.events WHERE id = 5')).toEqual([{ a: 0 }])
    expect(await query(dir, "SELECT kind FROM db.events WHERE id = 1002")).toEqual([{ kind: 'late' }])
    expect(await query(dir, 'SELECT code FROM db.codes')).toEqual([{ code: 'a' }])

    const dag = await runCli(['-p', dir, 'dag', '--format', 'json'])
    expect(dag.stdout).toContain('db.events')
    const run = await runCli(['-p', dir, 'run'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(await query(dir, 'SELECT n FROM rpt.event_count')).toEqual([{ n: 1002 }])
  })

  it('restating a source re-syncs it in full and restates its downstream models; run syncs sources first', async () => {
    const { dir, sql } = await setup(TABLES, EVENTS)
    const run = await runCli(['-p', dir, 'run'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stderr).toMatch(/synced db\.events: 1000 rows/)
    expect(await query(dir, 'SELECT n FROM rpt.event_count')).toEqual([{ n: 1000 }])
    // Deletes are invisible to a cursor (merge) sync...
    await sql('DELETE FROM events WHERE id <= 10')
    expect((await ingest(dir)).code).toBe(0)
    expect(await query(dir, 'SELECT count(*) AS n FROM db.events')).toEqual([{ n: 1000 }])
    // ...a restatement of the source reloads it in full and recomputes what reads it.
    const r = await runCli(['-p', dir, 'restate', '--model', 'db.events', '--yes', '--skip-tests'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(await query(dir, 'SELECT count(*) AS n FROM db.events')).toEqual([{ n: 990 }])
    expect(await query(dir, 'SELECT n FROM rpt.event_count')).toEqual([{ n: 990 }])
    // --no-ingest runs on the data already loaded.
    await sql('DELETE FROM lookup')
    const noSync = await runCli(['-p', dir, 'run', '--no-ingest'])
    expect(noSync.code).toBe(0)
    expect(noSync.stderr).not.toMatch(/synced/)
  })

  it('append with a cursor: rows sharing the boundary value are not loaded twice, new ones at that value are', async () => {
    const { dir, sql } = await setup(
      `  - table: log
    schema: SCHEMA
    incremental: { cursor: at }
    primary_key: [id]
    write_disposition: append
`,
      `CREATE TABLE log (id int, at date, msg text); INSERT INTO log VALUES (1, '2024-01-01', 'a'), (2, '2024-01-02', 'b'), (3, '2024-01-02', 'c')`,
    )
    expect((await ingest(dir)).code).toBe(0)
    await sql(`INSERT INTO log VALUES (4, '2024-01-02', 'd'), (5, '2024-01-03', 'e')`)
    expect((await ingest(dir)).code).toBe(0)
    expect((await ingest(dir)).code).toBe(0)
    expect(await query(dir, 'SELECT id, count(*) AS c FROM db.log GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 4, 5].map((id) => ({ id, c: 1 })))
  })

  it('bad input fails per table with a clear message, leaves that table as it was, and loads the others (exit 8)', async () => {
    const { dir, sql } = await setup(
      `${TABLES}  - table: nope
    schema: SCHEMA
  - table: lookup
    schema: SCHEMA
    destination_table_name: by_cursor
    incremental: { cursor: missing_col }
  - table: lookup
    schema: SCHEMA
    destination_table_name: merged
    incremental: { cursor: code }
    write_disposition: merge
`,
      EVENTS,
    )
    const first = await ingest(dir)
    expect(first.code).toBe(8)
    expect(first.stdout).toMatch(/FAILED db\.nope: .*table it_\w+\.nope does not exist/)
    expect(first.stdout).toMatch(/FAILED db\.by_cursor: .*cursor column 'missing_col' does not exist/)
    expect(first.stdout).toMatch(/FAILED db\.merged: .*has no primary key; write_disposition merge needs one/)
    expect(first.stdout).toMatch(/ok db\.events: 1,000 rows/)

    // A NULL cursor fails by default; the destination keeps its rows.
    await sql(`ALTER TABLE events ALTER COLUMN updated_at DROP NOT NULL; INSERT INTO events VALUES (2000, NULL, 'null', 0)`)
    const nulls = await ingest(dir, '--table', 'db.events')
    expect(nulls.code).toBe(8)
    expect(nulls.stdout).toMatch(/cursor 'updated_at' is NULL; set incremental\.on_null/)
    expect(await query(dir, 'SELECT count(*) AS n FROM db.events')).toEqual([{ n: 1000 }])

    // A new column is added; a type change that cannot be widened fails and changes nothing.
    await sql(`DELETE FROM events WHERE id = 2000; ALTER TABLE events ADD COLUMN note text; UPDATE events SET note = 'x', updated_at = updated_at + interval '1 day' WHERE id = 1`)
    const evolved = await ingest(dir, '--table', 'db.events')
    expect(evolved.code, evolved.stdout).toBe(0)
    expect(evolved.stdout).toMatch(/new columns note/)
    expect(await query(dir, 'SELECT note FROM db.events WHERE id = 1')).toEqual([{ note: 'x' }])
    await sql(`ALTER TABLE events ALTER COLUMN kind TYPE int USING 7; UPDATE events SET updated_at = updated_at + interval '2 day' WHERE id = 2`)
    const narrowed = await ingest(dir, '--table', 'db.events')
    expect(narrowed.code).toBe(8)
    expect(narrowed.stdout).toMatch(/column 'kind' changed type from VARCHAR to INTEGER/)
    expect(await query(dir, "SELECT count(*) AS n FROM db.events WHERE kind = 'k2'")).toEqual([{ n: 333 }])
  })

  it('unreachable server and wrong credentials: clear errors, the secret is never printed', async () => {
    const { dir } = await setup(TABLES, EVENTS)
    const bad = new URL(url)
    bad.password = `${password}-wrong`
    process.env['TRIBUTARY__IT__DB'] = bad.toString()
    try {
      const r = await ingest(dir)
      expect(r.code).toBe(8)
      expect(r.stdout).toMatch(/refused the credentials/)
      expect(r.stdout + r.stderr).not.toContain(bad.password)
      const j = await ingest(dir, '--json')
      expect(j.stdout + j.stderr).not.toContain(bad.password)
      bad.password = password
      bad.port = '1'
      process.env['TRIBUTARY__IT__DB'] = bad.toString()
      const down = await ingest(dir)
      expect(down.code).toBe(8)
      expect(down.stdout).toMatch(/source 'db' is unreachable at 127\.0\.0\.1:1/)
      expect(down.stdout + down.stderr).not.toContain(password)
    } finally {
      process.env['TRIBUTARY__IT__DB'] = url
    }
    delete process.env['TRIBUTARY__IT__DB']
    try {
      const missing = await ingest(dir)
      expect(missing.code).toBe(8)
      expect(missing.stdout).toMatch(/secret it\.db is not set: looked in environment variable TRIBUTARY__IT__DB/)
    } finally {
      process.env['TRIBUTARY__IT__DB'] = url
    }
  })

  it('the source connection dropping mid-load fails that table only; it stays as it was and the next table loads', async () => {
    const { dir, sql } = await setup(
      `  - table: big
    schema: SCHEMA
  - table: small
    schema: SCHEMA
`,
      `CREATE TABLE big (id bigint, payload text); INSERT INTO big SELECT g, repeat('z', 200) FROM generate_series(1, 50000) g;
       CREATE TABLE small (id int); INSERT INTO small VALUES (1), (2)`,
    )
    expect((await ingest(dir)).code).toBe(0)
    await sql(`INSERT INTO big SELECT g, repeat('z', 200) FROM generate_series(50001, 3000000) g`)
    let terminated = false
    const r = await spawnCli(['-p', dir, 'ingest'], {
      onStderr: (text) => {
        if (!terminated && /db\.big: [\d,]+ rows/.test(text)) {
          terminated = true
          void admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tributary' AND pid <> pg_backend_pid()`)
        }
      },
    })
    expect(terminated).toBe(true)
    expect(r.code, r.stdout + r.stderr).toBe(8)
    expect(r.stdout).toMatch(/FAILED db\.big: .*(terminat|connection)/i)
    expect(r.stdout).toMatch(/ok db\.small: 2 rows/)
    expect(await query(dir, 'SELECT count(*) AS n FROM db.big')).toEqual([{ n: 50000 }])
  })

  it('a load killed with SIGKILL leaves the destination as it was; the re-run converges with no duplicates', async () => {
    const { dir, sql } = await setup(
      `  - table: big
    schema: SCHEMA
    incremental: { cursor: id }
    primary_key: [id]
    write_disposition: append
`,
      `CREATE TABLE big (id bigint, payload text); INSERT INTO big SELECT g, repeat('x', 50) FROM generate_series(1, 100000) g`,
    )
    expect((await ingest(dir)).code).toBe(0)
    await sql(`INSERT INTO big SELECT g, repeat('y', 200) FROM generate_series(100001, 2100000) g`)
    const killed = await spawnCli(['-p', dir, 'ingest'], {
      onStderr: (text, kill) => {
        if (/db\.big: [\d,]+ rows/.test(text)) kill()
      },
    })
    expect(killed.signal).toBe('SIGKILL')
    expect(await query(dir, 'SELECT count(*) AS n FROM db.big')).toEqual([{ n: 100000 }])
    const again = await ingest(dir)
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(await query(dir, 'SELECT count(*) AS n, count(DISTINCT id) AS d, max(id) AS m FROM db.big')).toEqual([{ n: 2100000, d: 2100000, m: 2100000 }])
  })
})
