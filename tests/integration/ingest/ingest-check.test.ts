import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli } from '../../helpers/cli.js'
import { writeProject } from '../../helpers/project.js'

/** `models ingest check` against the real Postgres of scripts/pg.sh (wal_level=logical). */
const url = process.env['TRIBUTARY_PG_URL']
if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')

interface Check {
  id: string
  ok: boolean
  detail: string
  fix: string[]
  applied?: string
  applyError?: string
}

describe('models ingest check', () => {
  const admin = new pg.Client({ connectionString: url })
  const id = `${process.pid}_${Date.now().toString(36)}`
  const schema = `itc_${id}`
  const pub = `pub_${id}`
  const role = `norepl_${id}`
  const rolePassword = `pw-${id}-secret`

  beforeAll(async () => {
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.with_pk (id int PRIMARY KEY, v text); CREATE TABLE ${schema}.no_pk (v text);
      CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'; GRANT USAGE ON SCHEMA ${schema} TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`)
  })
  afterAll(async () => {
    await admin.query(`DROP PUBLICATION IF EXISTS ${pub}; DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`)
    await admin.end()
  })

  const project = (): string =>
    writeProject({
      'config.yaml': 'gateways:\n  local:\n    connection:\n      type: duckdb\n',
      'sources/app.yaml': `name: app\nconnection:\n  secret: { group: itc, key: db }\ncdc: { slot: slot_${id}, publication: ${pub} }\ntables:\n  - table: with_pk\n    schema: ${schema}\n  - table: no_pk\n    schema: ${schema}\n`,
    })

  it('names every missing prerequisite with the SQL that fixes it; --apply fixes them', async () => {
    process.env['TRIBUTARY__ITC__DB'] = url
    const dir = project()
    const first = await runCli(['-p', dir, 'ingest', 'check', '--source', 'app'])
    expect(first.code, first.stderr).toBe(9)
    expect(first.stdout).toMatch(/ok +wal_level = logical/)
    expect(first.stdout).toMatch(/ok +slot slot_\w+ does not exist yet: the first `models ingest` creates it/)
    expect(first.stdout).toContain(`fix: CREATE PUBLICATION "${pub}" FOR TABLE "${schema}"."with_pk", "${schema}"."no_pk";`)
    expect(first.stdout).toContain(`fix: ALTER TABLE "${schema}"."no_pk" REPLICA IDENTITY FULL;`)
    expect(first.stdout).not.toMatch(/MISSING.*with_pk: replica identity/)

    const applied = await runCli(['-p', dir, 'ingest', 'check', '--source', 'app', '--apply', '--json'])
    expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    const r = json<{ ok: boolean; checks: Check[] }>(applied)
    expect(r.ok).toBe(true)
    expect(r.checks.find((c) => c.id === 'publication')?.applied).toBe('done')
    const tables = await admin.query('SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [pub])
    expect(tables.rows.map((x: { tablename: string }) => x.tablename)).toEqual(['no_pk', 'with_pk'])
    const ident = await admin.query(`SELECT relreplident FROM pg_class WHERE oid = '${schema}.no_pk'::regclass`)
    expect(ident.rows[0].relreplident).toBe('f')
  })

  it('a user without REPLICATION is told how to grant it; --apply without the rights reports the failure', async () => {
    const u = new URL(url)
    u.username = role
    u.password = rolePassword
    process.env['TRIBUTARY__ITC__DB'] = u.toString()
    try {
      const dir = project()
      const r = await runCli(['-p', dir, 'ingest', 'check', '--apply', '--json'])
      expect(r.code).toBe(9)
      const out = json<{ checks: Check[] }>(r)
      const priv = out.checks.find((c) => c.id === 'replication_privilege')!
      expect(priv.ok).toBe(false)
      expect(priv.fix).toEqual([`ALTER USER "${role}" WITH REPLICATION;`])
      expect(priv.applied).toBe('failed')
      expect(priv.applyError).toMatch(/permission denied|must be superuser|must have/i)
      expect(r.stdout + r.stderr).not.toContain(rolePassword)
    } finally {
      process.env['TRIBUTARY__ITC__DB'] = url
    }
  })
})
