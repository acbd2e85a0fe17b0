/**
 * The change stream of one CDC source, applied to any {@link CdcDestination}.
 *
 * Changes are buffered per Postgres transaction and handed over at Commit; many committed
 * transactions go into one destination transaction, collapsed per key, and the last commit's end
 * LSN is stored in it. Only after that commit is the LSN acknowledged to Postgres, so a crash
 * anywhere means Postgres resends from the stored position and re-applying is idempotent.
 *
 * A Postgres transaction larger than one batch is not held in memory: the committed transactions
 * before it are applied first, then a destination transaction is opened and the big one is
 * applied chunk by chunk (each collapsed on its own; applied in order, chunks keep the semantics)
 * and committed with its end LSN at its Commit. Anything that goes wrong before rolls it back,
 * and Postgres resends the whole transaction from the last acknowledged position.
 *
 * Destination work (apply, commit, position, acknowledgement) runs one step at a time on a serial
 * chain, so flushes and acknowledgements never overlap or reorder.
 */
import type pg from 'pg'
import type { SourceDefinition } from '../source-config.js'
import { CdcRestart, type CdcDestination, type CdcProgress, type CdcTable, type CdcTransaction, type CdcWrite } from './cdc-destination.js'
import { collapseChanges, UNCHANGED, type CellText, type RowChange } from './change-batch.js'
import { parseLsn, UNCHANGED_TOAST, type Lsn, type PgoutputMessage, type RelationMessage, type TupleValue } from './pgoutput.js'
import type { ReplicationClient } from './replication-stream.js'

export interface StreamOptions {
  /** Keep streaming until `signal` aborts; otherwise drain what was committed before the start. */
  follow?: boolean
  signal?: AbortSignal
  /** Changes per destination transaction, and per chunk of a larger Postgres transaction. */
  batchChanges: number
  onProgress?: CdcProgress
}

/** How the stream ended: drained / stopped, or a restart from the stored position is needed ({@link CdcRestart}). */
export type StreamEnd = 'done' | 'restart'

/** A Postgres transaction bigger than one batch, applied in chunks into one destination transaction. */
interface LargeTxn {
  /** Set by the serial step that begins it. */
  tx?: CdcTransaction
  /** Changes applied into `tx` so far. */
  changes: number
  /** The last chunk's apply step. */
  lastChunk: Promise<void>
}

/** Heartbeat / quiet-stream tick. */
const TICK_MS = 1_000

export async function streamChanges(
  dest: CdcDestination,
  client: pg.Client,
  repl: ReplicationClient,
  source: SourceDefinition,
  tables: Map<string, CdcTable>,
  from: Lsn,
  o: StreamOptions,
): Promise<StreamEnd> {
  const relations = new Map<number, { msg: RelationMessage; table?: CdcTable }>()
  const limit = o.batchChanges
  const started = Date.now()
  let applied = 0
  /** Changes of the open Postgres transaction not yet handed to the destination. */
  let txn: RowChange[] | undefined
  /** The open Postgres transaction outgrew one batch: its destination transaction (once begun). */
  let large: LargeTxn | undefined
  /** Committed transactions waiting to be applied, and the end LSN of the last one. */
  let pending: RowChange[] = []
  let pendingEnd: Lsn | undefined
  let pendingSince = 0
  let lastSaved = 0
  let stopping = false

  let finished!: () => void
  let failed!: (e: unknown) => void
  const done = new Promise<void>((res, rej) => {
    finished = res
    failed = rej
  })
  done.catch(() => undefined)

  let chain: Promise<void> = Promise.resolve()
  /** Destination steps, one at a time and in order; a failed step fails the stream (and every later step). */
  const serial = (fn: () => Promise<void>): Promise<void> => {
    const p = chain.then(fn)
    chain = p
    p.catch(failed)
    return p
  }
  const writes = (changes: readonly RowChange[]): CdcWrite[] => collapseChanges(changes, (t) => tables.get(t)!.key).map((batch) => ({ table: tables.get(batch.table)!, batch }))
  const progress = (rows: number): void => o.onProgress?.({ node: source.name, rows, rowsPerSecond: Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000)), tablesDone: 0, tablesTotal: tables.size })
  const acknowledge = (lsn: Lsn): void => {
    // Durable in the warehouse (or nothing before it is pending): now Postgres may forget it.
    repl.ack(lsn)
    repl.sendStatus()
  }
  /** Apply `changes` and store `end` in one destination transaction, then acknowledge. */
  const commitBatch = async (changes: readonly RowChange[], end: Lsn): Promise<void> => {
    const tx = await dest.begin()
    try {
      if (changes.length > 0) await tx.apply(writes(changes))
      await tx.commit(end)
    } catch (e) {
      await tx.rollback()
      throw e
    }
    lastSaved = Date.now()
    acknowledge(end)
    applied += changes.length
    if (changes.length > 0) progress(applied)
  }
  const flush = (): Promise<void> =>
    serial(async () => {
      if (pendingEnd === undefined) return
      const changes = pending
      const end = pendingEnd
      pending = []
      pendingEnd = undefined
      await commitBatch(changes, end)
    })

  /** The open transaction reached the batch size: apply what it has so far in its own destination transaction. */
  const spill = async (): Promise<void> => {
    const chunk = txn!
    txn = []
    if (!large) {
      const l: LargeTxn = { changes: 0, lastChunk: Promise.resolve() }
      large = l
      void flush()
      void serial(async () => {
        l.tx = await dest.begin()
      })
    }
    const l = large
    // At most one chunk applying while the next one fills (memory stays at about two batches).
    await l.lastChunk
    l.lastChunk = serial(async () => {
      await l.tx!.apply(writes(chunk))
      l.changes += chunk.length
      progress(applied + l.changes)
    })
  }
  const commitLarge = (end: Lsn): Promise<void> => {
    const l = large!
    const rest = txn ?? []
    large = undefined
    return serial(async () => {
      if (rest.length > 0) await l.tx!.apply(writes(rest))
      await l.tx!.commit(end)
      l.tx = undefined
      lastSaved = Date.now()
      acknowledge(end)
      applied += l.changes + rest.length
      progress(applied)
    })
  }
  const rollbackLarge = async (): Promise<void> => {
    const l = large
    large = undefined
    await chain.catch(() => undefined)
    await l?.tx?.rollback().catch(() => undefined)
  }

  // Drain mode: stop once the stream passes where WAL insertion was when we started (with
  // synchronous_commit off, committed transactions can sit beyond the *write* position), or our heartbeat.
  const target = o.follow ? undefined : parseLsn(String((await client.query('SELECT pg_current_wal_insert_lsn() AS l')).rows[0].l))
  const heartbeat = async (): Promise<Lsn> => parseLsn(String((await client.query(`SELECT pg_logical_emit_message(false, 'tributary', 'heartbeat')::text AS l`)).rows[0].l))
  const finishIfDrained = async (at: Lsn): Promise<void> => {
    if (txn === undefined && target !== undefined && at >= target && !stopping) {
      stopping = true
      await flush()
      await chain
      finished()
    }
  }

  const onMessage = async (m: PgoutputMessage): Promise<void> => {
    if (stopping) return // not applied, not acknowledged: resent next time
    try {
      switch (m.kind) {
        case 'relation': {
          const table = tables.get(`${m.namespace}.${m.name}`)
          relations.set(m.relationId, { msg: m, table })
          if (table) noteColumns(table, m)
          break
        }
        case 'begin':
          txn = []
          break
        case 'insert':
        case 'update':
        case 'delete': {
          const rel = relations.get(m.relationId)
          if (!rel?.table || !txn) break
          const table = `${rel.table.t.schema}.${rel.table.t.table}`
          if (m.kind === 'insert') txn.push({ op: 'insert', table, values: row(rel.msg, m.newTuple) })
          else if (m.kind === 'update') txn.push({ op: 'update', table, values: row(rel.msg, m.newTuple), ...(m.old ? { oldKey: row(rel.msg, m.old.tuple) } : {}) })
          else txn.push({ op: 'delete', table, key: row(rel.msg, m.old.tuple) })
          if (txn.length >= limit) await spill()
          break
        }
        case 'truncate':
          if (!txn) break
          for (const id of m.relationIds) {
            const rel = relations.get(id)
            if (rel?.table) txn.push({ op: 'truncate', table: `${rel.table.t.schema}.${rel.table.t.table}` })
          }
          break
        case 'commit':
          if (large) {
            await commitLarge(m.endLsn)
          } else {
            // A loop, not push(...txn): spreading a batch-sized array can exceed the call stack.
            if (txn) for (const c of txn) pending.push(c)
            if (pendingEnd === undefined) pendingSince = Date.now()
            pendingEnd = m.endLsn
            if (pending.length >= limit) await flush()
          }
          txn = undefined
          await finishIfDrained(m.endLsn)
          break
        case 'message':
          // Our heartbeat (or anyone's), never inside a transaction: once everything before it is
          // applied, its position is durable too.
          if (!m.transactional && txn === undefined) {
            // Committed changes still gathering (a destination that applies in bigger batches): not yet.
            if (pendingEnd === undefined || Date.now() - pendingSince >= dest.flushIntervalMs) {
              await flush()
              await serial(async () => {
                if (pendingEnd !== undefined) return
                if (Date.now() - lastSaved >= dest.positionIntervalMs) await commitBatch([], m.lsn)
                else acknowledge(m.lsn)
              })
            }
            await finishIfDrained(m.lsn)
          }
          break
        default:
          break
      }
    } catch (e) {
      failed(e)
      throw e
    }
  }

  // Keepalives carry the server's WAL end, not what was sent: never a reason to stop. The drain
  // ends at our heartbeat message, which arrives after every change committed before it.
  await repl.start(source.cdc!.slot, source.cdc!.publication, from, { onMessage })
  repl.wait().then(
    () => finished(),
    (e: unknown) => failed(e),
  )
  const tick = setInterval(() => {
    // Apply what arrived when the stream goes quiet; heartbeat so an idle slot still advances.
    if (stopping) return
    if (txn === undefined && pending.length > 0 && Date.now() - pendingSince >= dest.flushIntervalMs) void flush()
    if (o.follow) void heartbeat().catch(() => undefined)
  }, TICK_MS)
  const onAbort = (): void => {
    if (stopping) return
    stopping = true
    // Stop after the current batch: what is committed gets applied; an open transaction is resent next time.
    if (txn === undefined) void flush()
    void chain.then(finished, () => undefined)
  }
  o.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (o.signal?.aborted) onAbort()
    if (!o.follow) await heartbeat()
    await done
    await chain
    return 'done'
  } catch (e) {
    if (e instanceof CdcRestart) return 'restart'
    throw e
  } finally {
    stopping = true
    clearInterval(tick)
    o.signal?.removeEventListener('abort', onAbort)
    await rollbackLarge()
    await repl.stop().catch(() => undefined)
  }
}

/** A Relation message: the key (for tables without a primary key) and columns the destination lacks. */
function noteColumns(table: CdcTable, rel: RelationMessage): void {
  // No primary key: the replica identity's columns (all of them under REPLICA IDENTITY FULL).
  if (table.key.length === 0) table.key = rel.columns.filter((c) => c.isKey).map((c) => c.name)
  const have = new Set([...table.columns, ...table.newColumns].map((c) => c.name))
  table.newColumns.push(...rel.columns.filter((c) => !have.has(c.name)))
}

/** A tuple as column name -> Postgres text (unchanged TOAST marked). */
function row(rel: RelationMessage, tuple: readonly TupleValue[]): Record<string, CellText> {
  const out: Record<string, CellText> = {}
  rel.columns.forEach((c, i) => {
    const v = tuple[i]
    if (v === undefined) return
    out[c.name] = v === UNCHANGED_TOAST ? UNCHANGED : v === null ? null : typeof v === 'string' ? v : v.toString('utf8')
  })
  return out
}
