import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { StateError } from '../../../src/errors.js'
import { PgLocks } from '../../../src/state/postgres/pg-locks.js'
import { LATEST_VERSION } from '../../../src/state/postgres/pg-migrations.js'
import type { PgStateTarget } from '../../../src/state/postgres/pg-state-connection.js'
import { PostgresStateStore } from '../../../src/state/postgres/pg-state-store.js'
import type { StateDump } from '../../../src/state/state-dump.js'
import { describeStateContract } from '../../unit/state/state-contract.js'
import { admin, adminTarget, createStateUser, dropRoles, dropSchemas } from './pg-state-helpers.js'

afterAll(async () => {
  await dropSchemas('tstate')
  await dropRoles('tuser')
})

// The same behavioural suite as the embedded store, each store in a fresh schema.
describeStateContract('postgres', () => PostgresStateStore.open(adminTarget()))

const DAY = 86_400_000

describe('postgres state store: schema and migrations', () => {
  it('creates every table inside its schema from nothing, recording each version', async () => {
    const t = adminTarget()
    const log: string[] = []
    const s = await PostgresStateStore.open(t, { log: (m) => log.push(m) })
    expect(s.migration).toMatchObject({ from: 0, to: LATEST_VERSION })
    expect(s.migration.applied.map((m) => m.version)).toEqual([1, 2, 3])
    expect(log.join('\n')).toContain(`migrating schema ${t.schema} on ${t.user}@${t.host}:${t.port}/${t.database} from version 0 to ${LATEST_VERSION}`)
    await s.close()
    const tables = await admin(async (c) => (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [t.schema])).rows.map((r) => r.table_name as string))
    expect(tables).toEqual(['audits', 'environments', 'intervals', 'locks', 'promotions', 'restatements', 'runs', 'schema_migrations', 'snapshots'])
    // Nothing outside the schema: every relation the migrations made (tables, indexes, sequences) is in it.
    const elsewhere = await admin(async (c) =>
      (await c.query(`SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname IN ('snapshots', 'runs_commit', 'promotions_seq_seq', 'schema_migrations') AND n.nspname <> $1 AND n.nspname NOT LIKE 'tstate\\_%'`, [t.schema])).rows,
    )
    expect(elsewhere).toEqual([])
    const versions = await admin(async (c) => (await c.query(`SELECT version, tool_version FROM "${t.schema}".schema_migrations ORDER BY 1`)).rows)
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3])
    // Opening again: nothing to do, no message.
    const again = await PostgresStateStore.open(t, { log: (m) => log.push(m) })
    expect(again.migration.applied).toEqual([])
    expect(log).toHaveLength(1)
    await again.close()
  })

  it('migrates a schema written by the previous version, keeping its data', async () => {
    const t = adminTarget()
    const old = await PostgresStateStore.open(t, { targetVersion: LATEST_VERSION - 1 })
    expect(old.migration.to).toBe(LATEST_VERSION - 1)
    await old.addIntervals('v1', [[0, DAY]])
    await old.saveEnvironment({ name: 'prod', snapshots: { 'a.x': 'fp' }, revision: 0, updatedAt: 0 }, undefined)
    await old.close()
    const s = await PostgresStateStore.open(t)
    expect(s.migration).toMatchObject({ from: LATEST_VERSION - 1, to: LATEST_VERSION, applied: [{ version: LATEST_VERSION }] })
    expect((await s.getIntervals(['v1'])).get('v1')).toEqual([[0, DAY]])
    expect((await s.getEnvironment('prod'))!.snapshots).toEqual({ 'a.x': 'fp' })
    expect((await s.describe()).schemaVersion).toBe(LATEST_VERSION)
    await s.close()
  })

  it('migrates from version 1 (before run commits and promotions) too', async () => {
    const t = adminTarget()
    const v1 = await PostgresStateStore.open(t, { targetVersion: 1 })
    await v1.close()
    // A run as version 1 wrote it (no commit column yet).
    await admin((c) => c.query(`INSERT INTO "${t.schema}".runs (id, command, env, started_at, status) VALUES ('r1', 'run', 'prod', 1, 'running')`))
    const s = await PostgresStateStore.open(t)
    await s.finishRun('r1', 'succeeded', {}, 'h'.repeat(64))
    expect(await s.findRunByCommit('h'.repeat(64))).toMatchObject({ id: 'r1' })
    await s.close()
  })

  it('two processes opening an empty schema at once: one migrates, both work', async () => {
    const t = adminTarget()
    const [a, b] = await Promise.all([PostgresStateStore.open(t), PostgresStateStore.open(t)])
    expect(a.migration.applied.length + b.migration.applied.length).toBe(LATEST_VERSION)
    await a.addIntervals('v', [[0, 1]])
    expect((await b.getIntervals(['v'])).get('v')).toEqual([[0, 1]])
    await a.close()
    await b.close()
  })

  it('refuses a schema from a newer version of the tool, writing nothing', async () => {
    const t = adminTarget()
    ;(await PostgresStateStore.open(t)).close()
    await admin((c) => c.query(`INSERT INTO "${t.schema}".schema_migrations (version, description, tool_version) VALUES (99, 'future', '9.9.9')`))
    const err = await PostgresStateStore.open(t).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toMatch(new RegExp(`schema '${t.schema}' is at version 99, newer than this tool .* knows \\(${LATEST_VERSION}\\); upgrade the tool`))
  })

  it('does not migrate while another process holds a lock; --wait migrates once it is released', async () => {
    const t = adminTarget()
    const old = await PostgresStateStore.open(t, { targetVersion: LATEST_VERSION })
    const locks = new PgLocks(t, old.connection)
    const held = await locks.acquire('prod', 'run')
    // As if this tool were newer than the schema: undo the last migration (its table goes).
    await admin(async (c) => {
      await c.query(`DELETE FROM "${t.schema}".schema_migrations WHERE version = ${LATEST_VERSION}`)
      await c.query(`DROP TABLE "${t.schema}".locks`)
    })
    const err = await PostgresStateStore.open(t).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as StateError).code).toBe('STATE_LOCKED')
    expect((err as Error).message).toMatch(/cannot be migrated to version \d+ while .* is running; wait for it to finish, or pass --wait/)
    const waited: string[] = []
    const opening = PostgresStateStore.open(t, { wait: true, pollMs: 100, log: (m) => waited.push(m) })
    await new Promise((r) => setTimeout(r, 500))
    expect(waited.some((m) => m.startsWith('state: waiting for'))).toBe(true)
    await held.release()
    await locks.close()
    const s = await opening
    expect(s.migration.applied.map((m) => m.version)).toEqual([LATEST_VERSION])
    await s.close()
    await old.close()
  })
})

describe('postgres state store: locks', () => {
  it('a second holder fails at once naming the first; waits with --wait; gets it once released', async () => {
    const t = adminTarget()
    const s = await PostgresStateStore.open(t)
    const a = new PgLocks(t, s.connection)
    const b = new PgLocks(t, s.connection)
    const held = await a.acquire('prod', 'run')
    const err = await b.acquire('prod', 'restate').catch((e: unknown) => e)
    expect((err as StateError).code).toBe('STATE_LOCKED')
    expect((err as Error).message).toMatch(new RegExp(`environment 'prod' is locked by \`models run\` \\(pid ${process.pid} on .*, user .*, since \\d{4}-.*\\).*pass --wait`))
    // Other environments are independent.
    const dev = await b.acquire('dev', 'run')
    expect((await a.list()).map((l) => [l.name, l.command])).toEqual([
      ['dev', 'run'],
      ['prod', 'run'],
    ])
    let told = 0
    const waiting = b.acquire('prod', 'restate', { wait: true, pollMs: 50, onWait: () => told++ })
    await new Promise((r) => setTimeout(r, 300))
    expect(told).toBe(1)
    await held.release()
    const got = await waiting
    expect((await a.list()).find((l) => l.name === 'prod')?.command).toBe('restate')
    await got.release()
    await dev.release()
    expect(await a.list()).toEqual([])
    await a.close()
    await b.close()
    await s.close()
  })

  it('warns when the connection holding a lock is lost', async () => {
    const t = { ...adminTarget(), applicationName: 'tributary-locklost' }
    const s = await PostgresStateStore.open(t)
    const lost: string[][] = []
    const locks = new PgLocks(t, s.connection, (names) => lost.push(names))
    const held = await locks.acquire('prod', 'run')
    await admin((c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tributary-locklost' AND pid <> pg_backend_pid() AND query LIKE '%locks%'`))
    for (let i = 0; i < 50 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(lost).toEqual([['prod']])
    // The lock is free for others now.
    const other = new PgLocks(t, s.connection)
    await (await other.acquire('prod', 'run')).release()
    await held.release()
    await other.close()
    await locks.close()
    await s.close()
  })

  it("a crashed holder's lock is released with its connection (SIGKILL)", async () => {
    const t = adminTarget()
    const s = await PostgresStateStore.open(t)
    // A child process takes the lock and is killed while holding it.
    const script = `
      import { PgLocks } from ${JSON.stringify(new URL('../../../dist/src/state/postgres/pg-locks.js', import.meta.url).pathname)}
      const t = JSON.parse(process.env.T)
      const l = new PgLocks(t, { host: t.host, port: t.port, database: t.database, user: t.user, password: t.password })
      await l.acquire('prod', 'run')
      console.log('held')
      setInterval(() => {}, 1000)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, T: JSON.stringify(t) }, stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && res())
      child.on('exit', (code) => rej(new Error(`child exited ${code}`)))
    })
    const b = new PgLocks(t, s.connection)
    await expect(b.acquire('prod', 'run')).rejects.toThrow(new RegExp(`pid ${child.pid}`))
    child.kill('SIGKILL')
    await new Promise((r) => child.on('exit', r))
    // The server notices the dead connection right away (socket closed): the lock is free.
    const got = await b.acquire('prod', 'run', { wait: true, pollMs: 100 })
    expect((await b.list()).map((l) => l.pid)).toEqual([process.pid])
    await got.release()
    await b.close()
    await s.close()
  })
})

describe('postgres state store: faults', () => {
  it('an unreachable server: one clear error naming the store, no password', async () => {
    const t: PgStateTarget = { ...adminTarget(), port: 1, password: 'SuperSecret-123' }
    const err = (await PostgresStateStore.open(t).catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(new RegExp(`cannot reach the state store ${t.user}@127.0.0.1:1/${t.database} \\(ECONNREFUSED\\)`))
    expect(err.message).not.toContain('SuperSecret')
  })

  it('a wrong password', async () => {
    const t: PgStateTarget = { ...adminTarget(), password: 'wrong-Password-42' }
    const err = (await PostgresStateStore.open(t).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/authentication failed for user/)
    expect(err.message).not.toContain('wrong-Password-42')
  })

  it('a user without the schema privileges gets the DBA hint; nothing is created', async () => {
    const schema = 'tstate_' + Math.random().toString(16).slice(2, 10)
    const { user, password } = await createStateUser(schema)
    // Missing schema, and the user may not create schemas.
    const missing = { ...adminTarget(`${schema}_x`), user, password }
    const e1 = (await PostgresStateStore.open(missing).catch((e: unknown) => e)) as Error
    expect(e1.message).toMatch(new RegExp(`schema '${schema}_x' does not exist and user '${user}' may not create it; the DBA creates it with \`CREATE SCHEMA`))
    // A schema the user can see but not create in (owned by the admin).
    const foreign = `${schema}_ro`
    await admin(async (c) => {
      await c.query(`CREATE SCHEMA ${foreign}`)
      await c.query(`GRANT USAGE ON SCHEMA ${foreign} TO ${user}`)
    })
    const e2 = (await PostgresStateStore.open({ ...adminTarget(foreign), user, password }).catch((e: unknown) => e)) as Error
    expect(e2.message).toMatch(/needs migrating from version 0 to \d+, but user .* may not create tables in it/)
    // No USAGE at all.
    await admin((c) => c.query(`REVOKE USAGE ON SCHEMA ${foreign} FROM ${user}`))
    const e3 = (await PostgresStateStore.open({ ...adminTarget(foreign), user, password }).catch((e: unknown) => e)) as Error
    expect(e3.message).toMatch(/has no USAGE privilege on schema/)
    expect(await admin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [foreign])).rows[0].n)).toBe(0)
  })

  it('the least-privileged user (CONNECT + its own schema) can do everything the store does', async () => {
    const schema = 'tstate_' + Math.random().toString(16).slice(2, 10)
    const { user, password } = await createStateUser(schema)
    const t = { ...adminTarget(schema), user, password }
    const s = await PostgresStateStore.open(t)
    await s.pushSnapshots([{ name: 'a.x', fingerprint: 'fp', version: 'v', dataHash: 'd', metadataHash: 'm', parents: [], kind: { name: 'FULL' }, dialect: 'duckdb', cron: '@daily', file: 'm.sql', createdAt: 1 }])
    await s.addIntervals('v', [[0, DAY]])
    await s.saveEnvironment({ name: 'prod', snapshots: { 'a.x': 'fp' }, revision: 0, updatedAt: 0 }, undefined)
    await s.startRun({ id: 'r', command: 'run', env: 'prod', startedAt: 1, status: 'running' })
    await s.finishRun('r', 'succeeded', {})
    await s.recordPromotion({ id: 'p', tag: 'consumer', toHash: 'h', user: 'u', at: 1, forced: false })
    const dump = await s.exportState()
    await s.importState(dump, { replace: true })
    const locks = new PgLocks(t, s.connection)
    const l = await locks.acquire('prod', 'run')
    expect((await locks.list()).map((x) => x.name)).toEqual(['prod'])
    await l.release()
    await locks.close()
    expect((await s.describe()).counts).toMatchObject({ snapshots: 1, intervals: 1, environments: 1, runs: 1, promotions: 1 })
    await s.close()
    // And it could not have touched anything else.
    const outside = await admin(async (c) => (await c.query(`SELECT has_database_privilege($1, current_database(), 'CREATE') AS db, has_schema_privilege($1, 'public', 'CREATE') AS pub`, [user])).rows[0])
    expect(outside).toEqual({ db: false, pub: false })
  })

  it('the connection dropping in the middle of a write leaves nothing half-written; the next write converges', async () => {
    const t = adminTarget()
    const s = await PostgresStateStore.open({ ...t, applicationName: 'tributary-droptest' })
    const base = await s.exportState()
    // A big import (one transaction) so there is time to kill its connection mid-way.
    const audits = Array.from({ length: 300_000 }, (_, i) => ({ runId: 'r', model: `m${i}`, version: 'v', fingerprint: 'f', audit: 'not_null', blocking: true, status: 'passed' as const, count: 0, at: i }))
    const dump: StateDump = { ...base, intervals: [{ version: 'v', intervals: [[0, DAY]] }], audits }
    const importing = s.importState(dump, { replace: false }).then(
      () => undefined,
      (e: unknown) => e,
    )
    const killed = await admin(async (c) => {
      for (let i = 0; i < 200; i++) {
        const r = await c.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'tributary-droptest' AND state = 'active' AND query LIKE 'INSERT INTO%'`)
        if (r.rows.some((x) => x.ok)) return true
        await new Promise((res) => setTimeout(res, 10))
      }
      return false
    })
    expect(killed).toBe(true)
    const err = (await importing) as Error
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(/connection was lost while importing state; .*nothing of it was recorded: re-run/)
    expect((await s.describe()).counts).toMatchObject({ intervals: 0, audits: 0 })
    // The pool replaces the dead connection: the same import now completes.
    await s.importState(dump, { replace: false })
    expect((await s.describe()).counts).toMatchObject({ intervals: 1, audits: 300_000 })
    await s.close()
  })
})
