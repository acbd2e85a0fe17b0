import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../../helpers/cli.js'
import { CdcFixture } from './cdc-fixture.js'

/**
 * Postgres transactions larger than one CDC batch (TRIBUTARY_CDC_BATCH_CHANGES=10000 here), end to
 * end through the CLI against the real Postgres: applied chunk by chunk inside one DuckDB
 * transaction, committed with the transaction's end LSN, rolled back when the process dies.
 */
const BATCH = 10_000

describe('models ingest with cdc: a transaction larger than one batch', () => {
  const f = new CdcFixture('big')
  let next = 100_001

  /** One source transaction: 120,000 inserts, updates and deletes of some of them and of older rows, key changes. */
  const bigTransaction = async (): Promise<{ first: number; last: number }> => {
    const first = next
    const last = next + 119_999
    next = last + 1
    const t = `${f.schema}.orders`
    await f.admin.query(`BEGIN;
      INSERT INTO ${t} SELECT g, 'big', g % 1000, NULL FROM generate_series(${first}, ${last}) g;
      UPDATE ${t} SET status = 'upd', amount = amount + 1 WHERE id % 3 = 0;
      DELETE FROM ${t} WHERE id % 5 = 0 AND id >= ${first};
      DELETE FROM ${t} WHERE id BETWEEN 100 AND 199;
      UPDATE ${t} SET id = id + 10000000 WHERE id % 7 = 1 AND id >= ${first};
      INSERT INTO ${t} VALUES (${first + 4}, 'reinserted', 1, 'x'); -- deleted above (first % 5 = 1)
      COMMIT`)
    return { first, last }
  }

  beforeAll(async () => {
    process.env['TRIBUTARY_CDC_BATCH_CHANGES'] = String(BATCH)
    await f.setUp(1000)
    const r = await f.cli('ingest', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
  })
  afterAll(async () => {
    delete process.env['TRIBUTARY_CDC_BATCH_CHANGES']
    await f.tearDown()
  })

  it('is applied in chunks (progress before its commit) and the destination equals the source exactly', async () => {
    await bigTransaction()
    const r = await f.cli('ingest')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // The first progress report comes after the first chunk, long before the transaction's ~190,000 changes are in.
    expect(r.stderr).toMatch(new RegExp(`shop: ${BATCH.toLocaleString('en-US')} rows`))
    expect(r.stdout).toMatch(/ok shop\.orders: [\d,]+ rows, cdc merge/)
    await f.expectSame()
  })

  it('SIGKILL while the big transaction is being applied: nothing of it is visible, and the next sync converges', async () => {
    const walBefore = await f.walInsertLsn()
    const { first, last } = await bigTransaction()
    const walAfter = await f.walInsertLsn()
    // Killed as soon as the first chunk is reported applied (its DuckDB transaction still open).
    const killed = await spawnCli(['-p', f.dir, 'ingest'], { onStderr: (s, kill) => /shop: [\d,]+ rows/.test(s) && kill() })
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL')
    await f.slotInactive()
    // Not stored (a leftover heartbeat of the previous sync may have moved it, but not into the transaction).
    expect(await f.compareLsn((await f.position())!, walBefore)).toBeLessThanOrEqual(0)
    expect(await f.query(`SELECT count(*) AS n FROM shop.orders WHERE id BETWEEN ${first} AND ${last}`)).toEqual([{ n: 0 }])

    const again = await f.cli('ingest')
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(await f.compareLsn((await f.position())!, walAfter)).toBeGreaterThanOrEqual(0)
    await f.expectSame()
  })

  it('a column added in the middle of a big transaction, after rows of the table were written in it, is added and the transaction applied', async () => {
    const t = `${f.schema}.orders`
    const first = next
    next += 30_000
    await f.admin.query(`BEGIN;
      INSERT INTO ${t} SELECT g, 'pre', 1, NULL FROM generate_series(${first}, ${first + 24_999}) g;
      ALTER TABLE ${t} ADD COLUMN note text;
      UPDATE ${t} SET note = 'n' || id WHERE id BETWEEN ${first} AND ${first + 99};
      INSERT INTO ${t} SELECT g, 'post', 2, NULL, 'p' FROM generate_series(${first + 25_000}, ${first + 29_999}) g;
      COMMIT`)
    const r = await f.cli('ingest')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    await f.expectSame()
    expect(await f.query(`SELECT count(note) AS n, min(note) AS lo FROM shop.orders WHERE id >= ${first}`)).toEqual([{ n: 5100, lo: `n${first}` }])
  })

  it('a transaction of 300,000 changes under a 400,000 batch is buffered whole and applied (no call-stack overflow)', async () => {
    process.env['TRIBUTARY_CDC_BATCH_CHANGES'] = '400000'
    try {
      const first = next
      next += 300_000
      await f.admin.query(`INSERT INTO ${f.schema}.orders SELECT g, 'one', 1, NULL FROM generate_series(${first}, ${first + 299_999}) g`)
      const r = await f.cli('ingest')
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(r.stdout).toMatch(/ok shop\.orders: 300,000 rows, cdc merge/)
      await f.expectSame()
    } finally {
      process.env['TRIBUTARY_CDC_BATCH_CHANGES'] = String(BATCH)
    }
  })
})
