import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CdcFixture } from './cdc-fixture.js'

/**
 * CDC prerequisites missing at sync time (not only in `models ingest check`): the first sync
 * creates the slot, and the server's refusal becomes one clear error pointing at the check.
 */
const exec = promisify(execFile)
const PG_SH = resolve(import.meta.dirname, '../../../scripts/pg.sh')

/** A free loopback port (the throwaway cluster's). */
async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((res) => srv.close(() => res()))
  return port
}

const expectNoSlot = async (f: CdcFixture): Promise<void> => {
  expect((await f.admin.query('SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [f.slot])).rows).toEqual([])
}

describe('models ingest with cdc against a server whose wal_level is replica', () => {
  const dir = join(tmpdir(), `tributary-pg-replica-${process.pid}`)
  let env: NodeJS.ProcessEnv
  let f: CdcFixture

  beforeAll(async () => {
    // A throwaway second cluster from the same Debian binaries, through scripts/pg.sh's overrides.
    env = { ...process.env, TRIBUTARY_PG_DIR: dir, TRIBUTARY_PG_PORT: String(await freePort()), TRIBUTARY_PG_WAL_LEVEL: 'replica' }
    const up = await exec('bash', [PG_SH, 'up'], { env })
    const url = /^export TRIBUTARY_PG_URL=(\S+)$/m.exec(up.stdout)?.[1]
    if (!url) throw new Error(`pg.sh up printed no URL:\n${up.stdout}\n${up.stderr}`)
    f = new CdcFixture('walrep', url)
    await f.setUp(10)
  })
  afterAll(async () => {
    await f?.tearDown().catch(() => undefined)
    await exec('bash', [PG_SH, 'down'], { env }).catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  })

  it('the first sync fails (exit 8) saying wal_level is not logical and pointing at `models ingest check`; no slot is left', async () => {
    expect((await f.admin.query('SHOW wal_level')).rows[0].wal_level).toBe('replica')
    const r = await f.cli('ingest')
    expect(r.code, r.stdout + r.stderr).toBe(8)
    expect(r.stdout).toMatch(/FAILED shop\.orders: source 'shop': wal_level is not logical on the server \(Postgres: logical decoding requires wal_level >= logical\); set wal_level = logical and restart the server — `models ingest check --source shop` lists every missing prerequisite/)
    expect(r.stdout).not.toContain(new URL(f.url).password)
    await expectNoSlot(f)
    // And the check it points at names the fix.
    const check = await f.cli('ingest', 'check', '--source', 'shop')
    expect(check.code).toBe(9)
    expect(check.stdout).toMatch(/MISSING wal_level = replica\n\s+fix: ALTER SYSTEM SET wal_level = logical;/)
  })
})

describe('models ingest with cdc as a user without the REPLICATION attribute', () => {
  const f = new CdcFixture('norepl')
  const role = `norepl_${process.pid}_${Date.now().toString(36)}`
  const password = `pw_${Math.random().toString(36).slice(2)}`

  beforeAll(async () => {
    const u = new URL(f.url)
    u.username = role
    u.password = password
    await f.setUp(50, u.toString())
    await f.admin.query(`CREATE ROLE ${role} LOGIN NOREPLICATION PASSWORD '${password}';
      GRANT USAGE ON SCHEMA ${f.schema} TO ${role}; GRANT SELECT ON ${f.schema}.orders TO ${role}`)
  })
  afterAll(async () => {
    await f.tearDown(`DROP ROLE IF EXISTS ${role}`)
  })

  it('the first sync fails (exit 8) naming the missing REPLICATION attribute; once granted, the next sync converges', async () => {
    const r = await f.cli('ingest')
    expect(r.code, r.stdout + r.stderr).toBe(8)
    expect(r.stdout).toMatch(/FAILED shop\.orders: source 'shop': the source's user lacks the REPLICATION attribute \(Postgres: must be superuser or replication role to start walsender\); `models ingest check --source shop` lists every missing prerequisite/)
    expect(r.stdout + r.stderr).not.toContain(password)
    await expectNoSlot(f)

    await f.admin.query(`ALTER ROLE ${role} WITH REPLICATION`)
    const again = await f.cli('ingest')
    expect(again.code, again.stdout + again.stderr).toBe(0)
    await f.admin.query(`INSERT INTO ${f.schema}.orders VALUES (1000, 'late', 1, NULL)`)
    expect((await f.cli('ingest')).code).toBe(0)
    await f.expectSame()
  })
})
