import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DuckDbAdapter } from '../../../../src/engines/duckdb/duckdb-adapter.js'
import { DuckDbEnvironmentLayer } from '../../../../src/engines/duckdb/duckdb-environments.js'
import { QueryError } from '../../../../src/errors.js'
import { describeEngineContract } from '../engine-contract.js'

const tmpRoot = mkdtempSync(join(tmpdir(), 'tributary-duckdb-'))
let fileCounter = 0
const newFile = (): string => join(tmpRoot, `db-${++fileCounter}.duckdb`)
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }))

const makeEnvironments = (a: DuckDbAdapter) => new DuckDbEnvironmentLayer(a)
describeEngineContract('duckdb :memory:', { makeAdapter: () => DuckDbAdapter.open({ path: ':memory:' }), makeEnvironments })
describeEngineContract('duckdb file', { makeAdapter: () => DuckDbAdapter.open({ path: newFile(), threads: 2 }), makeEnvironments })

const REPO = process.cwd()

/** Run a Node ESM snippet in a child process (cwd = repo, so `@duckdb/node-api` resolves). */
function child(code: string): { ready: Promise<string>; done: Promise<string>; kill: () => void } {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let onReady: (s: string) => void = () => undefined
  const ready = new Promise<string>((r) => (onReady = r))
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    if (out.includes('\n')) onReady(out)
  })
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const done = new Promise<string>((r) => proc.on('close', () => r(out)))
  return { ready, done, kill: () => proc.kill() }
}

const openInChild = (path: string, hold: boolean) => `
import { DuckDBInstance } from '@duckdb/node-api'
try {
  const i = await DuckDBInstance.create(${JSON.stringify(path)})
  const c = await i.connect()
  const r = await c.runAndReadAll('SELECT count(*)::INTEGER AS n FROM kept')
  console.log('opened ' + r.getRows()[0][0])
  if (${hold}) await new Promise(() => setInterval(() => undefined, 1000))
  c.disconnectSync(); i.closeSync()
} catch (e) { console.log('error ' + e.message) }
`

describe('DuckDbAdapter', () => {
  let db: DuckDbAdapter | undefined
  afterEach(async () => {
    await db?.close()
    db = undefined
  })

  it('persists data and views in a file across close and reopen', async () => {
    const path = newFile()
    db = await DuckDbAdapter.open({ path })
    await db.createSchema('s')
    await db.replaceTable({ schema: 's', name: 't' }, 'SELECT 7 AS n')
    await new DuckDbEnvironmentLayer(db).publish('dev', [{ model: 'oso.t', physical: { schema: 's', name: 't' } }])
    await db.close()
    db = await DuckDbAdapter.open({ path })
    expect(await db.query('SELECT n FROM s.t')).toEqual([{ n: 7 }])
    expect(await db.query('SELECT n FROM oso__dev.t')).toEqual([{ n: 7 }])
  })

  it('releases the file on close so another process can open it', async () => {
    const path = newFile()
    db = await DuckDbAdapter.open({ path })
    await db.execute('CREATE TABLE kept AS SELECT 1 AS a UNION ALL SELECT 2')
    await db.close()
    db = undefined
    expect(await child(openInChild(path, false)).done).toContain('opened 2')
  })

  it('says the file is in use when another process holds it', async () => {
    const path = newFile()
    const setup = await DuckDbAdapter.open({ path })
    await setup.execute('CREATE TABLE kept AS SELECT 1 AS a')
    await setup.close()
    const holder = child(openInChild(path, true))
    try {
      expect(await holder.ready).toContain('opened 1')
      const err = await DuckDbAdapter.open({ path }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(QueryError)
      expect((err as QueryError).message).toMatch(/in use by another process/)
      expect((err as QueryError).message).toMatch(/lock/i)
    } finally {
      holder.kill()
      await holder.done
    }
    db = await DuckDbAdapter.open({ path })
    expect(await db.query('SELECT a FROM kept')).toEqual([{ a: 1 }])
  })

  it('refuses to open the same file twice in one process', async () => {
    const path = newFile()
    db = await DuckDbAdapter.open({ path })
    await expect(DuckDbAdapter.open({ path })).rejects.toThrow(/already open in this process/)
    await db.close()
    db = await DuckDbAdapter.open({ path })
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('keeps DuckDB message, failing SQL and cause on QueryError', async () => {
    db = await DuckDbAdapter.open({ path: ':memory:' })
    const err = await db.execute("SELECT CAST('x' AS INTEGER)").catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QueryError)
    expect((err as QueryError).message).toMatch(/^Conversion Error: Could not convert string 'x' to INT32/)
    expect((err as QueryError).sql).toBe("SELECT CAST('x' AS INTEGER)")
    expect((err as QueryError).cause).toBeInstanceOf(Error)
  })

  it('runs every connection in UTC with the prelude installed', async () => {
    db = await DuckDbAdapter.open({
      path: ':memory:',
      connections: 3,
      prelude: ['CREATE OR REPLACE TEMP MACRO plus_one(x) AS x + 1'],
    })
    const slow = 'SELECT plus_one(count(*)) AS n, current_setting(\'TimeZone\') AS tz FROM range(2000000)'
    const got = await Promise.all(Array.from({ length: 6 }, () => db!.query(slow)))
    expect(got).toEqual(Array.from({ length: 6 }, () => [{ n: 2000001, tz: 'UTC' }]))
  })

  it('fails to open when a prelude statement fails, naming the statement', async () => {
    const err = await DuckDbAdapter.open({ path: ':memory:', prelude: ['CREATE MACRO broken(x) AS nope(x'] }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(QueryError)
    expect((err as QueryError).sql).toBe('CREATE MACRO broken(x) AS nope(x')
  })

  it('rejects a bad pool size', async () => {
    await expect(DuckDbAdapter.open({ path: ':memory:', connections: 0 })).rejects.toMatchObject({ code: 'OPTION_INVALID' })
  })

  it('serves other callers while one connection is busy, and queues beyond the pool size', async () => {
    db = await DuckDbAdapter.open({ path: ':memory:', connections: 2 })
    const ac = new AbortController()
    const long = db.query('SELECT sum(i) AS s FROM range(1000000000000) t(i)', { signal: ac.signal }).catch((e: unknown) => e)
    try {
      const quick = await Promise.race([
        Promise.all([1, 2, 3].map((n) => db!.query(`SELECT ${n} AS n`))),
        new Promise((r) => setTimeout(() => r('blocked behind the long query'), 10_000)),
      ])
      expect(quick).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]])
    } finally {
      ac.abort()
    }
    const err = await long
    expect(err).toBeInstanceOf(QueryError)
    expect((err as QueryError).message).toMatch(/interrupt/i)
  })

  it('cancels: an aborted signal never runs; an abort during replaceWindow rolls back', async () => {
    db = await DuckDbAdapter.open({ path: ':memory:', connections: 1 })
    const t = { schema: 'main', name: 'w' }
    await db.replaceTable(t, 'SELECT i AS id, DATE \'2024-01-01\' AS d FROM range(5) r(i)')
    const aborted = AbortSignal.abort()
    await expect(db.execute(`DROP TABLE ${db.quoteTable(t)}`, { signal: aborted })).rejects.toBeInstanceOf(QueryError)
    const ac = new AbortController()
    const w = { timeColumn: 'd', startLiteral: "DATE '2024-01-01'", endLiteral: "DATE '2024-01-02'" }
    const slow = "SELECT count(*) AS id, DATE '2024-01-01' AS d FROM range(1000000000000)"
    const pending = db.replaceWindow(t, slow, w, { signal: ac.signal }).catch((e: unknown) => e)
    setTimeout(() => ac.abort(), 50)
    expect(await pending).toBeInstanceOf(QueryError)
    expect(await db.query(`SELECT count(*) AS n FROM ${db.quoteTable(t)}`)).toEqual([{ n: 5 }])
  })

  it('merges NULL keys onto NULL keys instead of duplicating them', async () => {
    db = await DuckDbAdapter.open({ path: ':memory:' })
    const t = { schema: 'main', name: 'm' }
    await db.replaceTable(t, "SELECT * FROM (VALUES (NULL, 'old'), (1, 'one')) AS v(k, name)")
    await db.mergeByKey(t, "SELECT CAST(NULL AS INTEGER) AS k, 'new' AS name", ['k'])
    expect(await db.query('SELECT * FROM m ORDER BY k NULLS FIRST')).toEqual([
      { k: null, name: 'new' },
      { k: 1, name: 'one' },
    ])
  })

  it('fails calls after close, and close is idempotent', async () => {
    const a = await DuckDbAdapter.open({ path: ':memory:' })
    await a.close()
    await a.close()
    await expect(a.query('SELECT 1')).rejects.toThrow(/closed/)
  })

  it('waits for running statements before closing', async () => {
    const a = await DuckDbAdapter.open({ path: ':memory:' })
    const running = a.query('SELECT count(*) AS n FROM range(30000000)')
    await a.close()
    expect(await running).toEqual([{ n: 30000000 }])
  })

  it('publishes all models of one call atomically and validates names', async () => {
    db = await DuckDbAdapter.open({ path: ':memory:' })
    const envs = new DuckDbEnvironmentLayer(db, { prodEnv: 'production' })
    expect(envs.publicName('production', 'cat.oso.x')).toEqual({ catalog: 'cat', schema: 'oso', name: 'x' })
    expect(envs.publicName('prod', 'oso.x')).toEqual({ schema: 'oso__prod', name: 'x' })
    expect(() => envs.publicName('dev', 'x')).toThrow(expect.objectContaining({ code: 'MODEL_INVALID' }))
    expect(() => envs.publicName('de v', 'oso.x')).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }))
    await db.replaceTable({ schema: 'main', name: 'a1' }, 'SELECT 1 AS n')
    await db.replaceTable({ schema: 'main', name: 'a2' }, 'SELECT 2 AS n')
    await envs.publish('dev', [{ model: 'oso.a', physical: { schema: 'main', name: 'a1' } }])
    const err = await envs
      .publish('dev', [
        { model: 'oso.a', physical: { schema: 'main', name: 'a2' } },
        { model: 'oso.b', physical: { schema: 'main', name: 'missing' } },
      ])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QueryError)
    expect(await db.tableExists({ schema: 'oso__dev', name: 'b' })).toBe(false)
    expect(await db.query('SELECT n FROM oso__dev.a')).toEqual([{ n: 1 }])
  })
})
