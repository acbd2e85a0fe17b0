import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli, spawnCli } from '../../helpers/cli.js'
import { smallProject } from '../../helpers/fixtures.js'
import { writeProject } from '../../helpers/project.js'
import { admin, adminTarget, createStateUser, dropRoles, dropSchemas, freshName } from './pg-state-helpers.js'

/** A project whose state is in Postgres, configured the operators' way (environment variables). */
const PG_STATE_CONFIG = `gateways:
  local:
    connection:
      type: duckdb
    state_connection:
      type: postgres
      host: "{{ env_var('DGS_PG_SRV') }}"
      port: "{{ env_var('DGS_PG_PRT') }}"
      database: "{{ env_var('DGS_PG_DBN') }}"
      user: "{{ env_var('DGS_PG_USR') }}"
      password: "{{ env_var('DGS_PG_PSW') }}"
      sslmode: disable
    state_schema: "{{ env_var('DGS_PG_SCH') }}"
default_gateway: local
model_defaults:
  dialect: trino
  start: '2024-01-01'
  cron: '@daily'
variables:
  min_amount: 0
`

/** A FULL model that keeps DuckDB busy for a few seconds, so two runs overlap. */
const SLOW_MODEL = `MODEL (name shop.slow, kind FULL);
SELECT count(*) AS n FROM range(0, 600000000) t(i) WHERE hash(i) % 7 = 0`

let password = ''
const saved = { ...process.env }

beforeAll(async () => {
  const schema = freshName('tstate')
  const user = await createStateUser(schema)
  password = user.password
  const t = adminTarget(schema)
  Object.assign(process.env, {
    DGS_PG_SRV: t.host,
    DGS_PG_PRT: String(t.port),
    DGS_PG_DBN: t.database,
    DGS_PG_USR: user.user,
    DGS_PG_PSW: user.password,
    DGS_PG_SCH: schema,
  })
})

afterAll(async () => {
  process.env = saved
  await dropSchemas('tstate')
  await dropRoles('tuser')
})

function pgProject(extra: Record<string, string> = {}): string {
  return writeProject({ ...smallProject(), 'config.yaml': PG_STATE_CONFIG, ...extra })
}

/** Point the project at a new schema the DBA made for the state user (the user may not create schemas). */
async function useNewSchema(): Promise<void> {
  const schema = freshName('tstate')
  await admin((c) => c.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${process.env['DGS_PG_USR']}`))
  process.env['DGS_PG_SCH'] = schema
}

describe('models with the state in Postgres', () => {
  it('two `models run` at once on the same project: one waits, nothing is built twice', async () => {
    const dir = pgProject({ 'models/slow.sql': SLOW_MODEL })
    const [a, b] = await Promise.all([spawnCli(['-p', dir, '--wait', 'run']), spawnCli(['-p', dir, '--wait', 'run'])])
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0])
    const waited = [a, b].filter((r) => /waiting for the lock of 'prod', held by `models run` \(pid \d+/.test(r.stderr))
    expect(waited).toHaveLength(1)
    // The waiting one planned after the first had recorded everything: nothing left to build.
    expect(waited[0]!.stdout).toMatch(/Run succeeded in 'prod': 0 built/)
    const rows = json<Array<Record<string, unknown>>>(await runCli(['-p', dir, 'query', 'SELECT CAST(count(*) AS INTEGER) AS n, CAST(count(DISTINCT (day, kind)) AS INTEGER) AS k FROM shop.events_daily', '--json']))
    expect(rows[0]).toEqual({ n: 5, k: 5 })
    const users = json<Array<Record<string, unknown>>>(await runCli(['-p', dir, 'query', 'SELECT CAST(count(*) AS INTEGER) AS n FROM shop.user_last', '--json']))
    expect(users[0]).toEqual({ n: 3 })
    const plan = json<{ models: Array<{ missing?: unknown[] }> }>(await runCli(['-p', dir, 'plan', 'prod', '--json']))
    expect(plan.models.filter((m) => (m.missing?.length ?? 0) > 0)).toEqual([])
    for (const r of [a, b]) expect(r.stdout + r.stderr).not.toContain(password)
  })

  it('without --wait the second fails at once (exit 10) naming the holder; state and data unchanged', async () => {
    await useNewSchema()
    const dir = pgProject({ 'models/slow.sql': SLOW_MODEL })
    // The migration of the empty schema is done by the first command, with a message.
    const first = await runCli(['-p', dir, 'state', 'migrate'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/migrated from version 0 to 3/)
    expect(first.stderr).toMatch(/state: migrating schema tstate_\w+ on tuser_\w+@127.0.0.1:\d+\/\w+ from version 0 to 3/)
    const holder = spawnCli(['-p', dir, 'run'])
    let show: { locks: Array<{ name: string; command: string; pid: number }> } = { locks: [] }
    for (let i = 0; i < 100 && show.locks.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      show = json(await runCli(['-p', dir, 'state', 'show', '--json']))
    }
    expect(show.locks.map((l) => [l.name, l.command])).toEqual([['prod', 'run']])
    const second = await runCli(['-p', dir, 'run'])
    expect(second.code).toBe(10)
    expect(second.stderr).toMatch(new RegExp(`environment 'prod' is locked by \`models run\` \\(pid ${show.locks[0]!.pid} on .*\\); wait for it to finish, or pass --wait`))
    const done = await holder
    expect(done.code, done.stderr).toBe(0)
    const after = json<{ locks: unknown[]; counts: Record<string, number> }>(await runCli(['-p', dir, 'state', 'show', '--json']))
    expect(after.locks).toEqual([])
    expect(after.counts['runs']).toBe(1) // the refused run recorded nothing
  })

  it('moves state from the embedded store to Postgres with export/import; the plan sees the same state', async () => {
    const embedded = writeProject(smallProject())
    expect((await runCli(['-p', embedded, 'run'])).code).toBe(0)
    const file = join(embedded, 'state.json')
    const exp = await runCli(['-p', embedded, 'state', 'export', file, '--json'])
    expect(exp.code, exp.stderr).toBe(0)
    const counts = json<{ counts: Record<string, number> }>(exp).counts
    expect(counts['snapshots']).toBe(5)
    const planBefore = json<{ models: unknown }>(await runCli(['-p', embedded, 'plan', 'prod', '--json']))

    // Same project, state now in a fresh Postgres schema: the warehouse file stays where it is.
    await useNewSchema()
    writeFileSync(join(embedded, 'config.yaml'), PG_STATE_CONFIG)
    const empty = json<{ backend: string; schemaVersion: number; counts: Record<string, number> }>(await runCli(['-p', embedded, 'state', 'show', '--json']))
    expect(empty).toMatchObject({ backend: 'postgres', schemaVersion: 3 })
    expect(Object.values(empty.counts).every((n) => n === 0)).toBe(true)
    const imp = await runCli(['-p', embedded, 'state', 'import', file])
    expect(imp.code, imp.stderr).toBe(0)
    expect(imp.stdout).toMatch(/Imported .*: 5 snapshots, \d+ intervals, 1 environments, 1 runs/)
    const shown = json<{ counts: Record<string, number>; environments: Array<{ name: string; models: number }> }>(await runCli(['-p', embedded, 'state', 'show', '--json']))
    expect(shown.counts).toEqual(counts)
    expect(shown.environments.map((e) => [e.name, e.models])).toEqual([['prod', 5]])
    expect(json<{ models: unknown }>(await runCli(['-p', embedded, 'plan', 'prod', '--json'])).models).toEqual(planBefore.models)
    // A second import is refused (the store is not empty) and changes nothing; --replace works.
    const again = await runCli(['-p', embedded, 'state', 'import', file])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/is not empty .*--replace/)
    expect((await runCli(['-p', embedded, 'state', 'import', file, '--replace'])).code).toBe(0)
    expect(json<{ counts: Record<string, number> }>(await runCli(['-p', embedded, 'state', 'show', '--json'])).counts).toEqual(counts)
    // A broken file: one message naming the file, nothing changes.
    writeFileSync(join(embedded, 'bad.json'), '{"format": "tributary-state", "version": 1,\n "snapshots": [}')
    const bad = await runCli(['-p', embedded, 'state', 'import', join(embedded, 'bad.json'), '--replace'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/bad\.json:2: not a state export \(invalid JSON\)/)
    expect(json<{ counts: Record<string, number> }>(await runCli(['-p', embedded, 'state', 'show', '--json'])).counts).toEqual(counts)
    // The export never holds the password; the text view names the store without it.
    expect(readFileSync(file, 'utf8')).not.toContain(password)
    const text = await runCli(['-p', embedded, 'state', 'show'])
    expect(text.stdout).toMatch(/State store: postgres tuser_\w+@127.0.0.1:\d+\/\w+ \(schema tstate_\w+\)/)
    expect(text.stdout + text.stderr).not.toContain(password)
  })

  it('a bad state connection: one clear error naming the option or the store, exit 1, no password', async () => {
    const dir = pgProject()
    process.env['DGS_PG_PRT'] = 'not-a-port'
    const badPort = await runCli(['-p', dir, 'plan', 'prod'])
    process.env['DGS_PG_PRT'] = '1'
    const unreachable = await runCli(['-p', dir, 'plan', 'prod'])
    process.env['DGS_PG_PRT'] = String(adminTarget().port)
    process.env['DGS_PG_PSW'] = 'definitely-wrong-pw'
    const wrong = await runCli(['-p', dir, 'plan', 'prod'])
    process.env['DGS_PG_PSW'] = password
    expect(badPort.code).toBe(1)
    expect(badPort.stderr).toMatch(/config\.yaml:\d+: .*state_connection\.port/)
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/cannot reach the state store tuser_\w+@127.0.0.1:1\//)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/authentication failed for user 'tuser_\w+'/)
    for (const r of [badPort, unreachable, wrong]) {
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).not.toContain(password)
      expect(r.stderr).not.toContain('definitely-wrong-pw')
    }
  })

  it("takes the password from the secret resolver with `secret: { group, key }`", async () => {
    const config = PG_STATE_CONFIG.replace(`password: "{{ env_var('DGS_PG_PSW') }}"`, 'secret: { group: state, key: password }')
    const dir = pgProject({ 'config.yaml': config })
    process.env['TRIBUTARY__STATE__PASSWORD'] = password
    const ok = await runCli(['-p', dir, 'state', 'show', '--json'])
    delete process.env['TRIBUTARY__STATE__PASSWORD']
    expect(ok.code, ok.stderr).toBe(0)
    expect(json<{ backend: string }>(ok).backend).toBe('postgres')
    expect(ok.stdout).not.toContain(password)
    const missing = await runCli(['-p', dir, 'state', 'show'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/secret state\.password is not set: looked in .*TRIBUTARY__STATE__PASSWORD/)
  })

  it('scripts/state-db.sh sets up a least-privileged dev database the tool runs on as is', async () => {
    const repo = join(import.meta.dirname, '..', '..', '..')
    const names = { TRIBUTARY_STATE_DB: 'tst_statedb', TRIBUTARY_STATE_USER: 'tst_stateuser', TRIBUTARY_STATE_SCHEMA: 'tst_stateschema' }
    const sh = (cmd: string): string => execFileSync('bash', [join(repo, 'scripts', 'state-db.sh'), cmd], { env: { ...process.env, ...names }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const before = { ...process.env }
    try {
      expect(sh('up')).toBe('') // nothing (and no password) on stdout
      const exports = Object.fromEntries([...sh('env').matchAll(/^export (DGS_PG_\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.replace(/^'(.*)'$/, '$1')]))
      expect(Object.keys(exports).sort()).toEqual(['DGS_PG_DBN', 'DGS_PG_PRT', 'DGS_PG_PSW', 'DGS_PG_SCH', 'DGS_PG_SRV', 'DGS_PG_USR'])
      Object.assign(process.env, exports)
      const dir = pgProject()
      const run = await runCli(['-p', dir, 'run'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/state: migrating schema tst_stateschema on tst_stateuser@127.0.0.1:\d+\/tst_statedb from version 0 to 3/)
      const show = json<{ schema: string; counts: Record<string, number> }>(await runCli(['-p', dir, 'state', 'show', '--json']))
      expect(show.schema).toBe('tst_stateschema')
      expect(show.counts['snapshots']).toBe(5)
      expect(run.stdout + run.stderr).not.toContain(exports['DGS_PG_PSW']!)
    } finally {
      process.env = before
      sh('down')
    }
  })
})
