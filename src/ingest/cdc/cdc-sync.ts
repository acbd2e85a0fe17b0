/**
 * Change data capture of one Postgres source into a {@link CdcDestination} (DuckDB or Trino/Iceberg).
 *
 * First sync (or `--resnapshot`): create the slot with an exported snapshot, copy every table
 * inside that snapshot (`SET TRANSACTION SNAPSHOT`), and install them together with the slot's
 * consistent point atomically — then stream from exactly that point: no gap, no overlap. Later
 * syncs stream from the stored position ({@link streamChanges}).
 */
import pg from 'pg'
import { EngineError } from '../../errors.js'
import type { TableOutcome } from '../ingest.js'
import { connectSource, describeSourceTable, SourceError } from '../postgres/pg-source.js'
import type { SecretChain } from '../secrets.js'
import { sourceNodeName, type SourceDefinition } from '../source-config.js'
import type { CdcDestination, CdcProgress, CdcTable } from './cdc-destination.js'
import { lsnToString, type Lsn } from './pgoutput.js'
import { ReplicationClient, ReplicationError } from './replication-stream.js'
import { streamChanges } from './stream-changes.js'

export interface CdcOptions {
  secrets: SecretChain
  /** Drop the slot and copy every table again (after a lost slot). */
  resnapshot?: boolean
  /** Keep streaming until `signal` aborts; otherwise drain what is available and return. */
  follow?: boolean
  signal?: AbortSignal
  /**
   * Changes per destination transaction, and the chunk size a bigger Postgres transaction is
   * applied in. Default: `$TRIBUTARY_CDC_BATCH_CHANGES`, else 50,000.
   */
  batchChanges?: number
  onProgress?: CdcProgress
}

/** Environment variable overriding the default {@link CdcOptions.batchChanges}. */
export const BATCH_CHANGES_ENV = 'TRIBUTARY_CDC_BATCH_CHANGES'
const DEFAULT_BATCH_CHANGES = 50_000
/** Restarts from the stored position within one sync (a column added inside a big transaction). */
const MAX_RESTARTS = 3

/** Sync one CDC source into `dest` (closed at the end); one outcome per table. */
export async function cdcSync(dest: CdcDestination, source: SourceDefinition, o: CdcOptions): Promise<TableOutcome[]> {
  const cdc = source.cdc!
  const started = Date.now()
  const batchChanges = resolveBatchChanges(o.batchChanges)
  let client: pg.Client | undefined
  const outcomes: TableOutcome[] = []
  try {
    const url = await o.secrets.resolve(source.secret)
    client = await connectSource(source.name, url, (s) => o.secrets.redact(s))
    await dest.prepare()
    let position = await dest.readPosition()
    if (position === undefined || o.resnapshot) {
      const slot = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [cdc.slot])
      if (slot.rows.length > 0 && !o.resnapshot) {
        throw new EngineError(
          'INGEST_FAILED',
          `source '${source.name}': slot ${cdc.slot} exists but this warehouse has no position for it (someone else's slot, or a lost state): run \`models ingest --source ${source.name} --resnapshot\` to recreate it and copy the tables again`,
        )
      }
      const snap = await initialCopy(dest, client, url, source, slot.rows.length > 0, o.onProgress)
      position = snap.position
      outcomes.push(...snap.outcomes)
    } else {
      await checkSlot(client, source, position)
    }
    const applied = new Map<string, number>()
    for (let attempt = 0; ; attempt++) {
      const tables = await tableMaps(dest, client, source)
      const repl = new ReplicationClient({ connection: url })
      const end = await streamChanges(dest, client, repl, source, tables, position, { follow: o.follow, signal: o.signal, batchChanges, onProgress: o.onProgress })
      for (const t of tables.values()) applied.set(t.node, (applied.get(t.node) ?? 0) + t.applied)
      if (end === 'done') break
      if (attempt >= MAX_RESTARTS) throw new EngineError('INGEST_FAILED', `source '${source.name}': streaming had to restart ${MAX_RESTARTS} times in a row; giving up`)
      position = (await dest.readPosition()) ?? position
    }
    for (const t of source.tables) {
      const node = sourceNodeName(source, t)
      const rows = applied.get(node) ?? 0
      const snapshot = outcomes.find((x) => x.node === node)
      if (snapshot) snapshot.rows += rows
      else outcomes.push({ node, source: source.name, sourceTable: `${t.schema}.${t.table}`, status: 'loaded', mode: 'cdc', disposition: 'merge', rows, durationMs: Date.now() - started })
    }
    return outcomes
  } catch (e) {
    throw cdcError(source, e, (s) => o.secrets.redact(s))
  } finally {
    await client?.end().catch(() => undefined)
    await dest.close().catch(() => undefined)
  }
}

/** The batch size from the option, else the environment, else 50,000; anything but a positive integer is refused. */
export function resolveBatchChanges(option?: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = option ?? env[BATCH_CHANGES_ENV]
  if (raw === undefined || raw === '') return DEFAULT_BATCH_CHANGES
  const n = typeof raw === 'number' ? raw : Number(raw)
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new EngineError('OPTION_INVALID', `${option === undefined ? BATCH_CHANGES_ENV : 'batchChanges'} must be a positive integer (changes per batch), got '${String(raw)}'`)
  }
  return n
}

/** Slot with exported snapshot, every table copied in it, installed with the consistent point. */
async function initialCopy(dest: CdcDestination, client: pg.Client, url: string, source: SourceDefinition, dropFirst: boolean, onProgress?: CdcProgress): Promise<{ position: Lsn; outcomes: TableOutcome[] }> {
  const slot = source.cdc!.slot
  const repl = new ReplicationClient({ connection: url })
  try {
    if (dropFirst) await repl.dropSlot(slot, { wait: true })
    const snap = await repl.createSlotWithSnapshot(slot)
    try {
      // The exported snapshot lives while `repl` stays idle: copy everything now, on `client`.
      const outcomes = await dest.installSnapshot(client, snap.snapshotName, snap.consistentPoint, onProgress)
      return { position: snap.consistentPoint, outcomes }
    } catch (e) {
      // No position stored: a slot left behind would only make the next sync refuse to start.
      await repl.release().catch(() => undefined)
      await repl.dropSlot(slot).catch(() => undefined)
      throw e
    }
  } finally {
    await repl.close().catch(() => undefined)
  }
}

async function checkSlot(client: pg.Client, source: SourceDefinition, position: Lsn): Promise<void> {
  const slot = source.cdc!.slot
  const health = await client.query<{ wal_status: string | null }>('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [slot])
  if (health.rows.length === 0) {
    throw new EngineError('INGEST_FAILED', `source '${source.name}': replication slot ${slot} is gone: changes since ${lsnToString(position)} are lost; recover with \`models ingest --source ${source.name} --resnapshot\``)
  }
  if (health.rows[0]!.wal_status === 'lost') {
    throw new EngineError('INGEST_FAILED', `source '${source.name}': replication slot ${slot} is lost (its WAL was removed); recover with \`models ingest --source ${source.name} --resnapshot\``)
  }
}

/** Destination tables by `schema.table` of the source, with their columns and keys. */
async function tableMaps(dest: CdcDestination, client: pg.Client, source: SourceDefinition): Promise<Map<string, CdcTable>> {
  const out = new Map<string, CdcTable>()
  for (const t of source.tables) {
    const key = t.primary_key ?? (await describeSourceTable(client, source.name, t.schema, t.table)).primaryKey
    const node = sourceNodeName(source, t)
    const name = node.split('.')[1]!
    const columns = await dest.describe(name)
    if (!columns) throw new EngineError('INGEST_FAILED', `source '${source.name}': ${node} does not exist in ${dest.label}: run with --resnapshot`)
    out.set(`${t.schema}.${t.table}`, { t, node, name, key: [...key], columns, newColumns: [], applied: 0 })
  }
  return out
}

/** One clear error naming the source (replication failures carry the replication command otherwise). */
function cdcError(source: SourceDefinition, e: unknown, redact: (s: string) => string): unknown {
  const name = source.name
  const resume = `what was applied is stored with its position and nothing was half-applied — run \`models ingest --source ${name}\` again to resume`
  if (e instanceof ReplicationError) {
    // The server's own words, without the replication command.
    const said = redact(e.cause instanceof Error ? e.cause.message : e.message)
    const check = `\`models ingest check --source ${name}\` lists every missing prerequisite with the SQL that fixes it`
    if (e.sqlState === '55000' && /wal_level/.test(said)) {
      return new EngineError('INGEST_FAILED', `source '${name}': wal_level is not logical on the server (Postgres: ${said}); set wal_level = logical and restart the server — ${check}`, { cause: e })
    }
    if (e.sqlState === '42501' && /replication/i.test(said)) {
      return new EngineError('INGEST_FAILED', `source '${name}': the source's user lacks the REPLICATION attribute (Postgres: ${said}); ${check}`, { cause: e })
    }
    switch (e.reason) {
      case 'SLOT_IN_USE':
        return new EngineError('INGEST_FAILED', `source '${name}': replication slot ${source.cdc!.slot} is in use by another consumer (another \`models ingest --follow\`?)`, { cause: e })
      case 'CONNECTION_LOST':
        return new EngineError('INGEST_FAILED', `source '${name}': the replication connection to the server was lost (${said}); ${resume}`, { cause: e })
      case 'PUBLICATION_NOT_FOUND':
        return new EngineError('INGEST_FAILED', `source '${name}': ${said}; see \`models ingest check --source ${name}\``, { cause: e })
      default:
        return new EngineError('INGEST_FAILED', `source '${name}': replication failed: ${said}`, { cause: e })
    }
  }
  if (e instanceof pg.DatabaseError || (e instanceof Error && !(e instanceof EngineError) && /Connection terminated|ECONNRESET|EPIPE/i.test(e.message))) {
    return new SourceError(`source '${name}': ${redact(e.message)}${e instanceof pg.DatabaseError ? '' : `; ${resume}`}`, (e as { code?: string }).code)
  }
  return e
}
