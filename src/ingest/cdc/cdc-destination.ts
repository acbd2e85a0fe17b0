/**
 * What change data capture needs from a warehouse, so the stream / decode / batch / acknowledge
 * loop ({@link streamChanges}) is the same for every destination: DuckDB (`cdc-duckdb.ts`) and
 * Trino/Iceberg (`cdc-trino.ts`).
 *
 * The contract that makes delivery exact: {@link CdcTransaction.commit} makes the applied changes
 * and the stored position durable together (or neither); the loop acknowledges a position to
 * Postgres only after that commit resolved.
 */
import type pg from 'pg'
import type { TableOutcome } from '../ingest.js'
import type { SourceTable } from '../source-config.js'
import type { TableBatch } from './change-batch.js'
import type { Lsn, RelationColumn } from './pgoutput.js'

/** One replicated table as the destination holds it. */
export interface CdcTable {
  /** The table's entry in the source YAML. */
  readonly t: SourceTable
  /** `shop.orders`: the DAG node (schema = source name). */
  readonly node: string
  /** The destination table's name (in the schema named after the source). */
  readonly name: string
  /** Key columns in order: the primary key, else the replica identity's columns. */
  key: string[]
  /** Destination columns in table order, with the destination's type names. */
  columns: Array<{ name: string; type: string }>
  /**
   * Source columns the destination lacks (from a Relation message), added (nullable) by the next
   * {@link CdcTransaction.apply} that writes to the table, before it writes.
   */
  newColumns: RelationColumn[]
  /** Changes applied to it during this sync. */
  applied: number
}

/** One table's collapsed changes. */
export interface CdcWrite {
  table: CdcTable
  batch: TableBatch
}

/** Progress of a snapshot copy or of the stream. */
export type CdcProgress = (p: { node: string; rows: number; rowsPerSecond: number; tablesDone: number; tablesTotal: number }) => void

/**
 * One atomic unit of work on the destination: any number of {@link apply} calls (applied in
 * order, each one's effects visible to the next), then {@link commit} with the position, or
 * {@link rollback}. Nothing of it is visible to readers before the commit.
 */
export interface CdcTransaction {
  /** Apply collapsed changes (several tables), each table's {@link CdcTable.newColumns} first. */
  apply(writes: readonly CdcWrite[]): Promise<void>
  /** Store `lsn` as the applied position together with everything applied; durable once this resolves. */
  commit(lsn: Lsn): Promise<void>
  /** Discard everything applied (safe to call more than once, and after a failed commit). */
  rollback(): Promise<void>
}

export interface CdcDestination {
  /** Where, for messages: `DuckDB` or `Trino/Iceberg`. */
  readonly label: string
  /**
   * How long committed changes may wait in memory for more before they are applied while the
   * stream is quiet, in ms. DuckDB applies at once (1 s tick); Trino statements cost about half a
   * second each, so it waits longer and applies bigger batches.
   */
  readonly flushIntervalMs: number
  /**
   * How often a position without changes (a heartbeat's) is stored, in ms; in between it is only
   * acknowledged, which is safe: nothing between the stored position and it concerns the source,
   * and Postgres streams from the slot's confirmed position when asked for an older one. DuckDB:
   * 0 (always; cheap). Trino: never (each store would be a Nessie commit).
   */
  readonly positionIntervalMs: number
  /** Create what the destination needs to store positions (idempotent). */
  prepare(): Promise<void>
  /** The stored position for this source and slot, or undefined (never synced, or another slot). */
  readPosition(): Promise<Lsn | undefined>
  /**
   * The initial copy: read every table of the source on `client` inside the exported snapshot
   * `snapshotName` (the replication connection that exported it stays idle meanwhile), then
   * replace the destination tables and store `consistentPoint` as the position, atomically.
   */
  installSnapshot(client: pg.Client, snapshotName: string, consistentPoint: Lsn, onProgress?: CdcProgress): Promise<TableOutcome[]>
  /** The destination's columns of a replicated table, or undefined when it does not exist. */
  describe(name: string): Promise<Array<{ name: string; type: string }> | undefined>
  /** Start a transaction (see {@link CdcTransaction}). One at a time. */
  begin(): Promise<CdcTransaction>
  /** Release connections, scratch state and work branches. */
  close(): Promise<void>
}

/**
 * Thrown by a destination when it had to change something outside the open transaction (e.g.
 * DuckDB cannot add a column to a table the same transaction already modified): the transaction
 * was rolled back, and streaming must resume from the stored position, where Postgres resends it.
 */
export class CdcRestart extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'CdcRestart'
  }
}
