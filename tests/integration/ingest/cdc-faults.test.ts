import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../../helpers/cli.js'
import { CdcFixture } from './cdc-fixture.js'

/**
 * Faults while a CDC source streams, end to end through the built CLI against the real Postgres:
 * the walsender terminated (`pg_terminate_backend`) in the middle of a sync.
 */
describe('models ingest with cdc: the replication connection dropping mid-stream', () => {
  const f = new CdcFixture('drop')
  let next = 100_001

  /** Terminate the walsender streaming from the fixture's slot; resolves with how many were terminated. */
  const terminateWalsender = async (): Promise<number> => {
    const r = await f.admin.query('SELECT pg_terminate_backend(active_pid) AS t FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [f.slot])
    return r.rows.filter((x) => x.t === true).length
  }
  const waitActive = async (): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      const r = await f.admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [f.slot])
      if (r.rows[0]?.active) return
      await sleep(50)
    }
    throw new Error('the slot never became active')
  }
  /** The failure report: exit 8, every table FAILED with the one message naming the source and what happened. */
  const expectConnectionLost = (r: { code: number; stdout: string; stderr: string }): void => {
    expect(r.code, r.stdout + r.stderr).toBe(8)
    expect(r.stdout).toMatch(/FAILED shop\.orders: source 'shop': the replication connection to the server was lost \(terminating connection due to administrator command\)/)
    expect(r.stdout).toMatch(/run `models ingest --source shop` again to resume/)
    expect(r.stdout + r.stderr).not.toContain(f.url.split('@')[0]!.split(':').pop()!) // the password
    expect(r.stderr).not.toMatch(/Unhandled|at .*\.js:\d+/)
  }

  beforeAll(async () => {
    process.env['TRIBUTARY_CDC_BATCH_CHANGES'] = '10000'
    await f.setUp(1000)
    const r = await f.cli('ingest')
    expect(r.code, r.stdout + r.stderr).toBe(0)
  })
  afterAll(async () => {
    delete process.env['TRIBUTARY_CDC_BATCH_CHANGES']
    await f.tearDown()
  })

  it('drain: terminated while a big transaction is applied -> exit 8, one clear error, nothing of it applied; the next sync converges', async () => {
    const first = next
    next += 100_000
    const walBefore = await f.walInsertLsn()
    // ~55 MB of changes: far more than the socket buffers and the client's queue hold, so the
    // Commit cannot have arrived when the first chunk is reported.
    await f.admin.query(`BEGIN;
      INSERT INTO ${f.schema}.orders SELECT g, 'big', g % 100, repeat('x', 500) FROM generate_series(${first}, ${first + 99_999}) g;
      UPDATE ${f.schema}.orders SET status = 'touched' WHERE id % 10 = 0;
      COMMIT`)
    let terminated: Promise<number> | undefined
    const r = await spawnCli(['-p', f.dir, 'ingest'], {
      onStderr: (s) => {
        if (!terminated && /shop: [\d,]+ rows/.test(s)) terminated = terminateWalsender()
      },
    })
    expect(await terminated).toBe(1)
    expectConnectionLost(r)
    expect(await f.compareLsn((await f.position())!, walBefore)).toBeLessThanOrEqual(0)
    expect(await f.query(`SELECT count(*) AS n FROM shop.orders WHERE id >= ${first}`)).toEqual([{ n: 0 }])

    await f.slotInactive()
    const again = await f.cli('ingest')
    expect(again.code, again.stdout + again.stderr).toBe(0)
    await f.expectSame()
  })

  it('--follow: terminated while writes stream in -> exit 8 with the same error; the next sync converges', async () => {
    let stop = false
    const writer = (async () => {
      const w = new pg.Client({ connectionString: f.url })
      await w.connect()
      while (!stop) {
        const id = next++
        await w.query(`INSERT INTO ${f.schema}.orders VALUES (${id}, 'live', 1, NULL); UPDATE ${f.schema}.orders SET amount = amount + 1 WHERE id = ${(id % 1000) + 1}; DELETE FROM ${f.schema}.orders WHERE id = ${id - 3}`)
      }
      await w.end()
    })()
    try {
      const follower = spawnCli(['-p', f.dir, 'ingest', '--follow'])
      await waitActive()
      await sleep(1500) // a few batches applied and acknowledged
      expect(await terminateWalsender()).toBe(1)
      const r = await follower
      expectConnectionLost(r)
    } finally {
      stop = true
      await writer
    }
    await f.slotInactive()
    const again = await f.cli('ingest')
    expect(again.code, again.stdout + again.stderr).toBe(0)
    await f.expectSame()
  })
})
