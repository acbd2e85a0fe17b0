import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UNCHANGED_TOAST, type CommitMessage, type PgoutputMessage, type RelationMessage } from '../../../src/ingest/cdc/pgoutput.js'
import { lsnToString, parseLsn, ReplicationClient, ReplicationError, type Keepalive, type Lsn, type SlotSnapshot } from '../../../src/ingest/cdc/replication-stream.js'

/**
 * The replication connection against the real PostgreSQL of `scripts/pg.sh` (wal_level=logical):
 * a slot with an exported snapshot gives a consistent cut (the snapshot sees the rows before the
 * slot, the stream exactly the changes after it), and the slot's confirmed_flush_lsn moves only
 * to positions the caller acknowledged.
 */
const url = process.env['TRIBUTARY_PG_URL'] ?? ''
if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')

const P = `cdc_it_${process.pid}_${Date.now().toString(36)}`
const ITEMS = `${P}_items`
const OTHER = `${P}_other`
const PUB = `${P}_pub`
const SLOT = `${P}_slot`
const TMP_SLOT = `${P}_tmp`
const BIG = 'x'.repeat(100_000)

/** Poll until `check` returns a value that is not undefined. */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

async function rejection(p: Promise<unknown>): Promise<ReplicationError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ReplicationError)
    return e as ReplicationError
  }
  throw new Error('expected a rejection')
}

/** Collects messages with an async handler that yields, and records how many ran at once. */
function recorder() {
  const messages: PgoutputMessage[] = []
  const keepalives: Keepalive[] = []
  let running = 0
  let maxRunning = 0
  return {
    messages,
    keepalives,
    get maxRunning() {
      return maxRunning
    },
    commits: () => messages.filter((m): m is CommitMessage => m.kind === 'commit'),
    handlers: {
      onMessage: async (m: PgoutputMessage) => {
        running++
        maxRunning = Math.max(maxRunning, running)
        await sleep(1)
        messages.push(m)
        running--
      },
      onKeepalive: (k: Keepalive) => {
        keepalives.push(k)
      },
    },
  }
}

describe('replication stream (pgoutput over pg, real PostgreSQL)', () => {
  let admin: pg.Client
  const clients: ReplicationClient[] = []
  const repl = (opts: Partial<ConstructorParameters<typeof ReplicationClient>[0]> = {}): ReplicationClient => {
    const c = new ReplicationClient({ connection: url!, statusIntervalMs: 200, ...opts })
    clients.push(c)
    return c
  }
  const confirmedFlush = async (): Promise<Lsn> => {
    const r = await admin.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [SLOT])
    return parseLsn(r.rows[0]!.lsn)
  }
  const slotInactive = () =>
    until('slot inactive', async () => {
      const r = await admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [SLOT])
      return r.rows[0].active ? undefined : true
    })
  const relid = async (table: string): Promise<number> => Number((await admin.query<{ oid: string }>(`SELECT '${table}'::regclass::oid AS oid`)).rows[0]!.oid)

  let main: ReplicationClient
  let snap: SlotSnapshot
  let rec: ReturnType<typeof recorder>
  let ids: { items: number; other: number }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`
      CREATE TABLE ${ITEMS} (id integer PRIMARY KEY, v text, big text);
      -- Out of line and uncompressed, so an update that does not touch it sends 'u'.
      ALTER TABLE ${ITEMS} ALTER COLUMN big SET STORAGE EXTERNAL;
      CREATE TABLE ${OTHER} (id bigint PRIMARY KEY, n numeric(10,2));
      INSERT INTO ${ITEMS} VALUES (1, 'one', NULL), (2, 'two', NULL), (3, 'three', NULL);
      INSERT INTO ${OTHER} VALUES (1, 1.5);
      CREATE PUBLICATION ${PUB} FOR TABLE ${ITEMS}, ${OTHER};`)
    ids = { items: await relid(ITEMS), other: await relid(OTHER) }
  })

  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined)
    if (!admin) return
    // A terminated walsender may take a moment to release its slot.
    for (const slot of [SLOT, TMP_SLOT]) {
      for (let i = 0; i < 100; i++) {
        const r = await admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])
        if (r.rows.length === 0) break
        if (!r.rows[0].active) {
          await admin.query('SELECT pg_drop_replication_slot($1)', [slot])
          break
        }
        await sleep(100)
      }
    }
    await admin.query(`DROP PUBLICATION IF EXISTS ${PUB}; DROP TABLE IF EXISTS ${ITEMS}, ${OTHER};`)
    await admin.end()
  })

  it('slot with an exported snapshot: the snapshot sees the rows before, the stream exactly the changes after, in commit order', async () => {
    main = repl({ maxBufferedBytes: 4096 })
    snap = await main.createSlotWithSnapshot(SLOT)
    expect(snap.slotName).toBe(SLOT)
    expect(snap.outputPlugin).toBe('pgoutput')
    expect(snap.snapshotName).toMatch(/^[0-9A-F]+-[0-9A-F]+-\d+$/)
    expect(await confirmedFlush()).toBe(snap.consistentPoint)
    // Any other command would end the exported snapshot: refused until release().
    expect((await rejection(main.identifySystem())).reason).toBe('INVALID_STATE')

    const reader = new pg.Client({ connectionString: url })
    await reader.connect()
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      await reader.query(`SET TRANSACTION SNAPSHOT ${admin.escapeLiteral(snap.snapshotName)}`)

      // The changes after the slot, one transaction each (autocommit).
      await admin.query(`INSERT INTO ${ITEMS} VALUES (4, 'four', NULL)`) // T1
      await admin.query(`UPDATE ${ITEMS} SET v = 'ONE' WHERE id = 1`) // T2
      await admin.query(`UPDATE ${ITEMS} SET id = 20 WHERE id = 2`) // T3: key change -> old key 'K'
      await admin.query(`DELETE FROM ${ITEMS} WHERE id = 3`) // T4
      await admin.query(`INSERT INTO ${ITEMS} VALUES (5, 'five', $1)`, [BIG]) // T5: TOASTed
      await admin.query(`UPDATE ${ITEMS} SET v = 'FIVE' WHERE id = 5`) // T6: big unchanged -> 'u'
      await admin.query(`BEGIN; INSERT INTO ${OTHER} VALUES (2, 2.25); SELECT pg_logical_emit_message(true, 'tributary', 'hello'); COMMIT`) // T7

      const seen = await reader.query(`SELECT id, v, big FROM ${ITEMS} ORDER BY id`)
      expect(seen.rows).toEqual([
        { id: 1, v: 'one', big: null },
        { id: 2, v: 'two', big: null },
        { id: 3, v: 'three', big: null },
      ])
      expect((await reader.query(`SELECT id FROM ${OTHER}`)).rows).toEqual([{ id: '1' }])
      await reader.query('COMMIT')
    } finally {
      await reader.end()
    }
    await admin.query(`TRUNCATE ${ITEMS}, ${OTHER}`) // T8 (after the reader let go of its locks)

    rec = recorder()
    await main.start(SLOT, PUB, snap.consistentPoint, rec.handlers)
    await until('8 commits', () => (rec.commits().length >= 8 ? true : undefined))
    await sleep(300)
    expect(rec.commits()).toHaveLength(8)
    expect(rec.maxRunning).toBe(1) // one handler at a time, each awaited

    // START_REPLICATION was the next command on the exporting connection: the snapshot is gone.
    const late = new pg.Client({ connectionString: url })
    await late.connect()
    try {
      await late.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      await expect(late.query(`SET TRANSACTION SNAPSHOT ${admin.escapeLiteral(snap.snapshotName)}`)).rejects.toMatchObject({ code: '22023' })
    } finally {
      await late.end()
    }

    // Relation messages: before the first change of their table, with the right columns.
    const relations = rec.messages.filter((m): m is RelationMessage => m.kind === 'relation')
    const items = relations.find((r) => r.relationId === ids.items)!
    expect(items).toEqual({
      kind: 'relation',
      relationId: ids.items,
      namespace: 'public',
      name: ITEMS,
      replicaIdentity: 'default',
      columns: [
        { flags: 1, isKey: true, name: 'id', typeOid: 23, typeMod: -1 },
        { flags: 0, isKey: false, name: 'v', typeOid: 25, typeMod: -1 },
        { flags: 0, isKey: false, name: 'big', typeOid: 25, typeMod: -1 },
      ],
    })
    expect(relations.find((r) => r.relationId === ids.other)).toMatchObject({
      name: OTHER,
      columns: [
        { name: 'id', isKey: true, typeOid: 20, typeMod: -1 },
        { name: 'n', isKey: false, typeOid: 1700, typeMod: ((10 << 16) | 2) + 4 },
      ],
    })
    const known = new Set<number>()
    for (const m of rec.messages) {
      if (m.kind === 'relation') known.add(m.relationId)
      if (m.kind === 'insert' || m.kind === 'update' || m.kind === 'delete') expect(known.has(m.relationId)).toBe(true)
      if (m.kind === 'truncate') for (const id of m.relationIds) expect(known.has(id)).toBe(true)
    }

    // The transactions, in commit order, without the Relation messages.
    const txns: PgoutputMessage[][] = []
    for (const m of rec.messages) {
      if (m.kind === 'begin') txns.push([])
      if (m.kind !== 'relation') txns[txns.length - 1]!.push(m)
    }
    const changes = txns.map((t) => t.slice(1, -1))
    expect(changes).toEqual([
      [{ kind: 'insert', relationId: ids.items, newTuple: ['4', 'four', null] }],
      [{ kind: 'update', relationId: ids.items, old: null, newTuple: ['1', 'ONE', null] }],
      [{ kind: 'update', relationId: ids.items, old: { identity: 'key', tuple: ['2', null, null] }, newTuple: ['20', 'two', null] }],
      [{ kind: 'delete', relationId: ids.items, old: { identity: 'key', tuple: ['3', null, null] } }],
      [{ kind: 'insert', relationId: ids.items, newTuple: ['5', 'five', BIG] }],
      [{ kind: 'update', relationId: ids.items, old: null, newTuple: ['5', 'FIVE', UNCHANGED_TOAST] }],
      [
        { kind: 'insert', relationId: ids.other, newTuple: ['2', '2.25'] },
        { kind: 'message', transactional: true, lsn: expect.any(BigInt), prefix: 'tributary', content: Buffer.from('hello') },
      ],
      [{ kind: 'truncate', cascade: false, restartIdentity: false, relationIds: expect.arrayContaining([ids.items, ids.other]) }],
    ])
    // Begin/Commit pair up; commits strictly increase and all lie after the consistent point.
    let prev = snap.consistentPoint
    for (const t of txns) {
      const begin = t[0]!
      const commit = t[t.length - 1]!
      if (begin.kind !== 'begin' || commit.kind !== 'commit') throw new Error('transaction not framed by Begin/Commit')
      expect(begin.finalLsn).toBe(commit.commitLsn)
      expect(commit.commitLsn).toBeGreaterThanOrEqual(prev)
      expect(commit.endLsn).toBeGreaterThan(commit.commitLsn)
      expect(Math.abs(commit.commitTime.getTime() - Date.now())).toBeLessThan(60_000)
      prev = commit.endLsn
    }
    expect(main.receivedLsn).toBeGreaterThanOrEqual(rec.commits()[7]!.endLsn)
  })

  it('confirmed_flush_lsn stays put while nothing is acknowledged, and moves exactly to the acknowledged LSN', async () => {
    // Received everything, acknowledged nothing: several periodic status updates and keepalives later, unchanged.
    await sleep(1_000)
    expect(main.acknowledgedLsn).toBe(0n)
    expect(await confirmedFlush()).toBe(snap.consistentPoint)

    const third = rec.commits()[2]!.endLsn
    main.ack(third)
    main.sendStatus()
    await until('confirmed_flush_lsn = ack', async () => ((await confirmedFlush()) === third ? true : undefined))
    // Keepalives keep reporting a later WAL end; the slot still does not move past the ack.
    const walEnd = rec.keepalives.at(-1)?.walEnd ?? 0n
    expect(walEnd).toBeGreaterThan(third)
    await sleep(800)
    expect(await confirmedFlush()).toBe(third)

    // Lower acks are ignored; acks beyond what arrived are refused.
    main.ack(rec.commits()[0]!.endLsn)
    expect(main.acknowledgedLsn).toBe(third)
    expect(() => main.ack(main.receivedLsn + 1n)).toThrow(ReplicationError)
    expect(() => main.ack(-1n)).toThrow(/not an LSN/)
  })

  it('a second consumer on the same slot fails with SLOT_IN_USE (55006)', async () => {
    const second = repl()
    const err = await rejection(second.start(SLOT, PUB, 0n, recorder().handlers))
    expect(err.reason).toBe('SLOT_IN_USE')
    expect(err.sqlState).toBe('55006')
    expect(err.code).toBe('INGEST_FAILED')
    expect(err.command).toMatch(/^START_REPLICATION SLOT "cdc_it_/)
    // The failed START leaves the connection usable.
    expect((await second.identifySystem()).xlogPos).toBeGreaterThan(0n)
    await second.stop()
  })

  it('stop() ends the stream cleanly; a restart from the slot resends everything after the acknowledged LSN', async () => {
    const acked = main.acknowledgedLsn
    await main.stop()
    await expect(main.wait()).resolves.toBeUndefined()
    await slotInactive()
    expect(await confirmedFlush()).toBe(acked)

    const again = repl()
    const rec2 = recorder()
    await again.start(SLOT, [PUB], 0n, rec2.handlers)
    await until('5 commits', () => (rec2.commits().length >= 5 ? true : undefined))
    // T4 … T8 again, nothing before the ack.
    expect(rec2.commits().map((c) => c.endLsn)).toEqual(rec.commits().slice(3).map((c) => c.endLsn))
    expect(rec2.messages.find((m) => m.kind === 'delete')).toMatchObject({ old: { tuple: ['3', null, null] } })
    await again.stop()
  })

  it('answers keepalives that request a reply (wal_sender_timeout 1.5 s, no periodic updates) without acknowledging anything new', async () => {
    await slotInactive()
    const before = await confirmedFlush()
    const c = repl({ connection: { connectionString: url, options: '-c wal_sender_timeout=1500' }, statusIntervalMs: 600_000 })
    const r = recorder()
    let failed: unknown
    await c.start(SLOT, PUB, 0n, r.handlers)
    c.wait().catch((e) => (failed = e))
    await sleep(5_000)
    expect(failed).toBeUndefined()
    expect(r.keepalives.some((k) => k.replyRequested)).toBe(true)
    expect(await confirmedFlush()).toBe(before)
    await c.stop()
  })

  it('a throwing handler ends the stream with HANDLER_FAILED; nothing is acknowledged', async () => {
    await slotInactive()
    const before = await confirmedFlush()
    const c = repl()
    await c.start(SLOT, PUB, 0n, {
      onMessage: (m) => {
        if (m.kind === 'insert') throw new Error('sink down')
      },
    })
    await admin.query(`INSERT INTO ${ITEMS} VALUES (100, 'boom', NULL)`)
    const err = await rejection(c.wait())
    expect(err.reason).toBe('HANDLER_FAILED')
    expect((err.cause as Error).message).toBe('sink down')
    expect(await confirmedFlush()).toBe(before)
  })

  it('a terminated walsender surfaces as CONNECTION_LOST with its SQLSTATE', async () => {
    await slotInactive()
    const c = repl()
    await c.start(SLOT, PUB, 0n, recorder().handlers)
    await admin.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1', [SLOT])
    const err = await rejection(c.wait())
    expect(err.reason).toBe('CONNECTION_LOST')
    expect(err.sqlState).toBe('57P01')
    await c.stop()
  })

  it('typed errors for a missing slot, an existing slot and bad arguments', async () => {
    const c = repl()
    const missing = await rejection(c.start(`${P}_nope`, PUB, 0n, recorder().handlers))
    expect(missing.reason).toBe('SLOT_NOT_FOUND')
    expect(missing.sqlState).toBe('42704')
    const exists = await rejection(c.createSlotWithSnapshot(SLOT))
    expect(exists.reason).toBe('SLOT_EXISTS')
    expect(exists.sqlState).toBe('42710')
    for (const bad of ['Upper', 'has-dash', 'x'.repeat(64), '', 'a"b']) {
      expect((await rejection(c.start(bad, PUB, 0n, recorder().handlers))).reason).toBe('INVALID_ARGUMENT')
    }
    expect((await rejection(c.start(SLOT, [], 0n, recorder().handlers))).reason).toBe('INVALID_ARGUMENT')
    expect((await rejection(c.start(SLOT, PUB, -5n, recorder().handlers))).reason).toBe('INVALID_ARGUMENT')
    expect(lsnToString(snap.consistentPoint)).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    await c.stop()
  })

  it('a missing publication surfaces once streaming reaches a change (PUBLICATION_NOT_FOUND, 42704)', async () => {
    await slotInactive()
    const before = await confirmedFlush()
    const c = repl()
    await c.start(SLOT, `${P}_nopub`, 0n, recorder().handlers)
    await admin.query(`INSERT INTO ${ITEMS} VALUES (101, 'x', NULL)`)
    const err = await rejection(c.wait())
    expect(err.reason).toBe('PUBLICATION_NOT_FOUND')
    expect(err.sqlState).toBe('42704')
    expect(await confirmedFlush()).toBe(before)
  })

  it('release() frees the exported snapshot and keeps the connection; dropSlot() removes the slot', async () => {
    const c = repl()
    const tmp = await c.createSlotWithSnapshot(TMP_SLOT)
    await c.release()
    const late = new pg.Client({ connectionString: url })
    await late.connect()
    try {
      await late.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      await expect(late.query(`SET TRANSACTION SNAPSHOT ${admin.escapeLiteral(tmp.snapshotName)}`)).rejects.toMatchObject({ code: '22023' })
    } finally {
      await late.end()
    }
    expect((await c.identifySystem()).dbName).toBe(new URL(url!).pathname.slice(1))
    await c.dropSlot(TMP_SLOT, { wait: true })
    expect((await admin.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [TMP_SLOT])).rows).toEqual([])
    await c.stop()
  })
})
