/**
 * Change data capture of one Postgres source into DuckDB.
 *
 * First sync (or `--resnapshot`): create the slot with an exported snapshot, copy every table
 * inside that snapshot (`SET TRANSACTION SNAPSHOT`), and swap them in together with the slot's
 * consistent point in ONE DuckDB transaction — then stream from exactly that point: no gap, no
 * overlap. Later syncs stream from the stored position.
 *
 * Streaming: changes are buffered per transaction and applied at Commit, many transactions per
 * DuckDB transaction, collapsed per key; the commit's end LSN is stored in the same DuckDB
 * transaction, and only then acknowledged to Postgres. A crash anywhere means Postgres resends
 * from the last acknowledged (= stored) position, and re-applying is idempotent (upsert/delete by
 * key): nothing lost, nothing doubled.
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import pg from 'pg'
import type { DuckDbAdapter } from '../../engines/duckdb/duckdb-adapter.js'
import { EngineError } from '../../errors.js'
import { INGEST_SCHEMA, planRead, readIntoStaging, type TableOutcome } from '../ingest.js'
import { connectSource, describeSourceTable } from '../postgres/pg-source.js'
import { duckdbTypeFor } from '../postgres/pg-types.js'
import type { SecretChain } from '../secrets.js'
import { sourceNodeName, type SourceDefinition, type SourceTable } from '../source-config.js'
import { applyTableBatch, type DestTable } from './apply-duckdb.js'
import { collapseChanges, UNCHANGED, type CellText, type RowChange } from './change-batch.js'
import { lsnToString, parseLsn, UNCHANGED_TOAST, type Lsn, type PgoutputMessage, type RelationMessage, type TupleValue } from './pgoutput.js'
import { ReplicationClient, ReplicationError } from './replication-stream.js'
import { quoteIdent, quoteString } from '../../sql/quote.js'

export interface CdcOptions {
  secrets: SecretChain
  /** Drop the slot and copy every table again (after a lost slot). */
  resnapshot?: boolean
  /** Keep streaming until `signal` aborts; otherwise drain what is available and return. */
  follow?: boolean
  signal?: AbortSignal
  /** Changes per DuckDB transaction (default 50,000). */
  batchChanges?: number
  onProgress?: (p: { node: string; rows: number; rowsPerSecond: number; tablesDone: number; tablesTotal: number }) => void
}

interface TableMap {
  t: SourceTable
  node: string
  dest: DestTable
  /** Changes applied this sync. */
  applied: number
}

export async function cdcSyncDuckDb(dest: DuckDbAdapter, source: SourceDefinition, o: CdcOptions): Promise<TableOutcome[]> {
  const cdc = source.cdc!
  const started = Date.now()
  const url = await o.secrets.resolve(source.secret)
  await dest.execute(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(INGEST_SCHEMA)}`)
  await dest.execute(`CREATE TABLE IF NOT EXISTS ${quoteIdent(INGEST_SCHEMA)}.cdc_state (source VARCHAR PRIMARY KEY, slot VARCHAR, lsn VARCHAR, updated_at TIMESTAMP)`)
  const stateRows = await dest.query(`SELECT slot, lsn FROM ${quoteIdent(INGEST_SCHEMA)}.cdc_state WHERE source = ${quoteString(source.name)}`)
  let position: Lsn | undefined = stateRows[0] && stateRows[0]['slot'] === cdc.slot ? parseLsn(String(stateRows[0]['lsn'])) : undefined

  const repl = new ReplicationClient({ connection: url })
  const client = await connectSource(source.name, url, (s) => o.secrets.redact(s))
  const outcomes: TableOutcome[] = []
  try {
    if (position === undefined || o.resnapshot) {
      const slot = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [cdc.slot])
      if (slot.rows.length > 0) {
        if (!o.resnapshot) {
          throw new EngineError(
            'INGEST_FAILED',
            `source '${source.name}': slot ${cdc.slot} exists but this warehouse has no position for it (someone else's slot, or a lost state): run \`models ingest --source ${source.name} --resnapshot\` to recreate it and copy the tables again`,
          )
        }
        await repl.dropSlot(cdc.slot, { wait: true })
      }
      position = await initialCopy(dest, client, repl, source, o, outcomes)
    } else {
      const health = await client.query<{ wal_status: string | null; active: boolean }>('SELECT wal_status, active FROM pg_replication_slots WHERE slot_name = $1', [cdc.slot])
      if (health.rows.length === 0) {
        throw new EngineError('INGEST_FAILED', `source '${source.name}': replication slot ${cdc.slot} is gone: changes since ${lsnToString(position)} are lost; recover with \`models ingest --source ${source.name} --resnapshot\``)
      }
      if (health.rows[0]!.wal_status === 'lost') {
        throw new EngineError('INGEST_FAILED', `source '${source.name}': replication slot ${cdc.slot} is lost (its WAL was removed); recover with \`models ingest --source ${source.name} --resnapshot\``)
      }
    }
    const tables = await tableMaps(dest, client, source)
    await stream(dest, client, repl, source, tables, position, o)
    for (const m of tables.values()) {
      if (!outcomes.some((x) => x.node === m.node)) {
        outcomes.push({ node: m.node, source: source.name, sourceTable: `${m.t.schema}.${m.t.table}`, status: 'loaded', mode: 'cdc', disposition: 'merge', rows: m.applied, durationMs: Date.now() - started })
      } else {
        const x = outcomes.find((y) => y.node === m.node)!
        x.rows += m.applied
      }
    }
    return outcomes
  } catch (e) {
    if (e instanceof ReplicationError && e.reason === 'SLOT_IN_USE') {
      throw new EngineError('INGEST_FAILED', `source '${source.name}': replication slot ${cdc.slot} is in use by another consumer (another \`models ingest --follow\`?)`)
    }
    throw e
  } finally {
    await repl.close().catch(() => undefined)
    await client.end().catch(() => undefined)
  }
}

/** Slot with exported snapshot, every table copied in it, swapped in with the consistent point. */
async function initialCopy(dest: DuckDbAdapter, client: pg.Client, repl: ReplicationClient, source: SourceDefinition, o: CdcOptions, outcomes: TableOutcome[]): Promise<Lsn> {
  const snap = await repl.createSlotWithSnapshot(source.cdc!.slot)
  const started = Date.now()
  // The exported snapshot lives while `repl` stays idle: copy everything now, on `client`.
  return dest.withConnection(`cdc snapshot ${source.name}`, async (conn) => {
    const staged: Array<{ node: string; staging: string; table: string; rows: number; t: SourceTable }> = []
    try {
      for (const [i, t] of source.tables.entries()) {
        const node = sourceNodeName(source, t)
        const plan = await planRead(client, source, t, { boundaryKeys: [] }, { fullRefresh: true, secrets: o.secrets })
        const staging = `__tributary_stg_${plan.destTable}`
        const rows = await readIntoStaging(client, conn, source.name, staging, source, t, plan, { onProgress: o.onProgress, secrets: o.secrets }, i, source.tables.length, snap.snapshotName)
        staged.push({ node, staging, table: plan.destTable, rows, t })
      }
      await conn.run('BEGIN TRANSACTION')
      try {
        for (const s of staged) {
          await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(source.name)}.${quoteIdent(s.table)}`)
          await conn.run(`ALTER TABLE ${quoteIdent(source.name)}.${quoteIdent(s.staging)} RENAME TO ${quoteIdent(s.table)}`)
        }
        await saveLsn(conn, source, snap.consistentPoint)
        await conn.run('COMMIT')
      } catch (e) {
        await conn.run('ROLLBACK').catch(() => undefined)
        throw e
      }
    } catch (e) {
      for (const s of staged) await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(source.name)}.${quoteIdent(s.staging)}`).catch(() => undefined)
      throw e
    }
    for (const s of staged) {
      outcomes.push({ node: s.node, source: source.name, sourceTable: `${s.t.schema}.${s.t.table}`, status: 'loaded', mode: 'cdc-snapshot', disposition: 'replace', rows: s.rows, durationMs: Date.now() - started })
    }
    return snap.consistentPoint
  })
}

async function saveLsn(conn: DuckDBConnection, source: SourceDefinition, lsn: Lsn): Promise<void> {
  await conn.run(`INSERT OR REPLACE INTO ${quoteIdent(INGEST_SCHEMA)}.cdc_state VALUES (${quoteString(source.name)}, ${quoteString(source.cdc!.slot)}, ${quoteString(lsnToString(lsn))}, now()::TIMESTAMP)`)
}

/** Destination tables by `schema.table` of the source, with their columns and keys. */
async function tableMaps(dest: DuckDbAdapter, client: pg.Client, source: SourceDefinition): Promise<Map<string, TableMap>> {
  const out = new Map<string, TableMap>()
  for (const t of source.tables) {
    const pk = t.primary_key ?? (await describeSourceTable(client, source.name, t.schema, t.table)).primaryKey
    const node = sourceNodeName(source, t)
    const name = node.split('.')[1]!
    const cols = await dest.describeTable({ schema: source.name, name })
    if (!cols) throw new EngineError('INGEST_FAILED', `${node} does not exist in the warehouse: run with --resnapshot`)
    out.set(`${t.schema}.${t.table}`, { t, node, applied: 0, dest: { quoted: `${quoteIdent(source.name)}.${quoteIdent(name)}`, columns: cols.map((c) => ({ name: c.name, type: c.type })), key: pk } })
  }
  return out
}

async function stream(dest: DuckDbAdapter, client: pg.Client, repl: ReplicationClient, source: SourceDefinition, tables: Map<string, TableMap>, from: Lsn, o: CdcOptions): Promise<void> {
  const relations = new Map<number, { msg: RelationMessage; map?: TableMap }>()
  let txn: RowChange[] | undefined
  let pending: RowChange[] = []
  let pendingEnd: Lsn | undefined
  let finished!: () => void
  let failed!: (e: unknown) => void
  const done = new Promise<void>((res, rej) => {
    finished = res
    failed = rej
  })
  let stopping = false
  const limit = o.batchChanges ?? 50_000
  const started = Date.now()
  let applied = 0

  /** Flushes, position saves and acknowledgements run one at a time, in order (never overlapping). */
  let chain: Promise<void> = Promise.resolve()
  const serial = (fn: () => Promise<void>): Promise<void> => (chain = chain.then(fn))
  const flush = (): Promise<void> => serial(flushNow)
  const flushNow = async (): Promise<void> => {
    if (pendingEnd === undefined) return
    const changes = pending
    const end = pendingEnd
    pending = []
    pendingEnd = undefined
    await dest.withConnection(`cdc apply ${source.name}`, async (conn) => {
      await conn.run('BEGIN TRANSACTION')
      try {
        for (const b of collapseChanges(changes, (tbl) => tables.get(tbl)!.dest.key)) {
          const m = tables.get(b.table)!
          await applyTableBatch(conn, m.dest, b)
          m.applied += b.changes
        }
        await saveLsn(conn, source, end)
        await conn.run('COMMIT')
      } catch (e) {
        await conn.run('ROLLBACK').catch(() => undefined)
        throw e
      }
    })
    // Durable in the warehouse: now Postgres may forget it.
    repl.ack(end)
    repl.sendStatus()
    applied += changes.length
    o.onProgress?.({ node: source.name, rows: applied, rowsPerSecond: Math.round(applied / Math.max(0.001, (Date.now() - started) / 1000)), tablesDone: 0, tablesTotal: tables.size })
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
    try {
      switch (m.kind) {
        case 'relation': {
          const map = tables.get(`${m.namespace}.${m.name}`)
          relations.set(m.relationId, { msg: m, map })
          if (map) await evolve(dest, map, m)
          break
        }
        case 'begin':
          txn = []
          break
        case 'insert':
        case 'update':
        case 'delete': {
          const rel = relations.get(m.relationId)
          if (!rel?.map || !txn) break
          const table = `${rel.map.t.schema}.${rel.map.t.table}`
          if (m.kind === 'insert') txn.push({ op: 'insert', table, values: row(rel.msg, m.newTuple) })
          else if (m.kind === 'update') txn.push({ op: 'update', table, values: row(rel.msg, m.newTuple), ...(m.old ? { oldKey: row(rel.msg, m.old.tuple) } : {}) })
          else txn.push({ op: 'delete', table, key: row(rel.msg, m.old.tuple) })
          break
        }
        case 'truncate':
          if (!txn) break
          for (const id of m.relationIds) {
            const rel = relations.get(id)
            if (rel?.map) txn.push({ op: 'truncate', table: `${rel.map.t.schema}.${rel.map.t.table}` })
          }
          break
        case 'commit':
          if (txn) pending.push(...txn)
          txn = undefined
          pendingEnd = m.endLsn
          if (pending.length >= limit) await flush()
          await finishIfDrained(m.endLsn)
          break
        case 'message':
          if (!m.transactional) {
            // Our heartbeat (or anyone's): nothing to apply; once applied up to here, it may be acknowledged.
            if (txn === undefined) {
              // After everything before it is applied (flush first), the heartbeat's position is durable too.
              await flush()
              await serial(async () => {
                if (pending.length > 0) return
                await dest.withConnection('cdc position', async (conn) => saveLsn(conn, source, m.lsn))
                repl.ack(m.lsn)
                repl.sendStatus()
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
  void repl.wait().then(
    () => finished(),
    (e: unknown) => failed(e),
  )
  const idle = setInterval(() => {
    // Apply what arrived when the stream goes quiet; heartbeat so an idle slot still advances.
    void (async () => {
      if (txn === undefined && pending.length > 0) await flush().catch(failed)
      if (o.follow) await heartbeat().catch(() => undefined)
    })()
  }, 1_000)
  const onAbort = (): void => {
    void (async () => {
      stopping = true
      if (txn === undefined) await flush().catch(failed)
      await chain.catch(() => undefined)
      finished()
    })()
  }
  o.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (!o.follow) await heartbeat()
    await done
    await chain
  } finally {
    clearInterval(idle)
    o.signal?.removeEventListener('abort', onAbort)
    await repl.stop().catch(() => undefined)
  }
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

/** A Relation message with columns the destination lacks: add them (nullable). */
async function evolve(dest: DuckDbAdapter, map: TableMap, rel: RelationMessage): Promise<void> {
  // No primary key: the replica identity's columns (all of them under REPLICA IDENTITY FULL).
  if (map.dest.key.length === 0) map.dest = { ...map.dest, key: rel.columns.filter((c) => c.isKey).map((c) => c.name) }
  const have = new Set(map.dest.columns.map((c) => c.name))
  const added = rel.columns.filter((c) => !have.has(c.name))
  if (added.length === 0) return
  const cols = [...map.dest.columns]
  for (const c of added) {
    const type = duckdbTypeFor({ name: c.name, typeOid: c.typeOid, typmod: c.typeMod, pgType: 'unknown', nullable: true })
    await dest.execute(`ALTER TABLE ${map.dest.quoted} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${type}`)
    cols.push({ name: c.name, type })
  }
  map.dest = { ...map.dest, columns: cols }
}


