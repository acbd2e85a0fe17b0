/**
 * Change data capture into the embedded DuckDB warehouse: the position lives in
 * `tributary__ingest.cdc_state` and is written in the same DuckDB transaction as the changes.
 * A transaction holds one pooled connection from `begin()` to `commit()`/`rollback()`.
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import type pg from 'pg'
import type { DuckDbAdapter } from '../../engines/duckdb/duckdb-adapter.js'
import { quoteIdent, quoteString } from '../../sql/quote.js'
import { INGEST_SCHEMA, planRead, readIntoStaging, type TableOutcome } from '../ingest.js'
import { duckdbTypeFor } from '../postgres/pg-types.js'
import type { SecretChain } from '../secrets.js'
import { sourceNodeName, type SourceDefinition, type SourceTable } from '../source-config.js'
import { applyTableBatch } from './apply-duckdb.js'
import { CdcRestart, type CdcDestination, type CdcProgress, type CdcTable, type CdcTransaction, type CdcWrite } from './cdc-destination.js'
import { lsnToString, parseLsn, type Lsn } from './pgoutput.js'

/** `tributary__ingest.cdc_state` (a function: ingest.ts imports this module, so INGEST_SCHEMA is not set yet at load). */
const state = (): string => `${quoteIdent(INGEST_SCHEMA)}.cdc_state`

export class DuckDbCdcDestination implements CdcDestination {
  readonly label = 'DuckDB'
  readonly flushIntervalMs = 0
  readonly positionIntervalMs = 0

  constructor(
    private readonly db: DuckDbAdapter,
    private readonly source: SourceDefinition,
    private readonly secrets: SecretChain,
  ) {}

  async prepare(): Promise<void> {
    await this.db.execute(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(INGEST_SCHEMA)}`)
    await this.db.execute(`CREATE TABLE IF NOT EXISTS ${state()} (source VARCHAR PRIMARY KEY, slot VARCHAR, lsn VARCHAR, updated_at TIMESTAMP)`)
  }

  async readPosition(): Promise<Lsn | undefined> {
    const rows = await this.db.query(`SELECT slot, lsn FROM ${state()} WHERE source = ${quoteString(this.source.name)}`)
    const r = rows[0]
    return r && r['slot'] === this.source.cdc!.slot ? parseLsn(String(r['lsn'])) : undefined
  }

  async describe(name: string): Promise<Array<{ name: string; type: string }> | undefined> {
    const cols = await this.db.describeTable({ schema: this.source.name, name })
    return cols?.map((c) => ({ name: c.name, type: c.type }))
  }

  /** Every table read into a staging table inside the snapshot, then swapped in with the consistent point in one transaction. */
  async installSnapshot(client: pg.Client, snapshotName: string, consistentPoint: Lsn, onProgress?: CdcProgress): Promise<TableOutcome[]> {
    const source = this.source
    const started = Date.now()
    return this.db.withConnection(`cdc snapshot ${source.name}`, async (conn) => {
      const staged: Array<{ node: string; staging: string; table: string; rows: number; t: SourceTable }> = []
      try {
        for (const [i, t] of source.tables.entries()) {
          const plan = await planRead(client, source, t, { boundaryKeys: [] }, { fullRefresh: true, secrets: this.secrets })
          const staging = `__tributary_stg_${plan.destTable}`
          const rows = await readIntoStaging(client, conn, source.name, staging, source, t, plan, { onProgress, secrets: this.secrets }, i, source.tables.length, snapshotName)
          staged.push({ node: sourceNodeName(source, t), staging, table: plan.destTable, rows, t })
        }
        await conn.run('BEGIN TRANSACTION')
        try {
          for (const s of staged) {
            await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(source.name)}.${quoteIdent(s.table)}`)
            await conn.run(`ALTER TABLE ${quoteIdent(source.name)}.${quoteIdent(s.staging)} RENAME TO ${quoteIdent(s.table)}`)
          }
          await saveLsn(conn, source, consistentPoint)
          await conn.run('COMMIT')
        } catch (e) {
          await conn.run('ROLLBACK').catch(() => undefined)
          throw e
        }
      } catch (e) {
        for (const s of staged) await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(source.name)}.${quoteIdent(s.staging)}`).catch(() => undefined)
        throw e
      }
      return staged.map((s) => ({ node: s.node, source: source.name, sourceTable: `${s.t.schema}.${s.t.table}`, status: 'loaded' as const, mode: 'cdc-snapshot' as const, disposition: 'replace' as const, rows: s.rows, durationMs: Date.now() - started }))
    })
  }

  async begin(): Promise<CdcTransaction> {
    const held = await hold(this.db, `cdc apply ${this.source.name}`)
    try {
      await held.conn.run('BEGIN TRANSACTION')
    } catch (e) {
      held.release()
      throw e
    }
    return new DuckDbCdcTransaction(this.db, this.source, held)
  }

  async close(): Promise<void> {}
}

class DuckDbCdcTransaction implements CdcTransaction {
  /** Tables this transaction has written: DuckDB cannot alter them any more before COMMIT. */
  private readonly touched = new Set<string>()
  private open = true

  constructor(
    private readonly db: DuckDbAdapter,
    private readonly source: SourceDefinition,
    private readonly held: Held,
  ) {}

  async apply(writes: readonly CdcWrite[]): Promise<void> {
    for (const { table, batch } of writes) {
      if (table.newColumns.length > 0) await this.addColumns(table)
      this.touched.add(table.name)
      await applyTableBatch(this.held.conn, { quoted: quoted(this.source, table), columns: table.columns, key: table.key }, batch)
      table.applied += batch.changes
    }
  }

  private async addColumns(table: CdcTable): Promise<void> {
    const cols = table.newColumns.map((c) => ({ name: c.name, type: duckdbTypeFor({ name: c.name, typeOid: c.typeOid, typmod: c.typeMod, pgType: 'unknown', nullable: true }) }))
    const alter = cols.map((c) => `ALTER TABLE ${quoted(this.source, table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.type}`)
    if (this.touched.has(table.name)) {
      // DuckDB refuses to COMMIT a transaction that altered a table after writing to it: add the
      // columns on their own (nullable, harmless) and have Postgres resend the transaction.
      await this.rollback()
      for (const sql of alter) await this.db.execute(sql)
      throw new CdcRestart(`${table.node} gained column(s) ${cols.map((c) => c.name).join(', ')} in the middle of a transaction`)
    }
    for (const sql of alter) await this.held.conn.run(sql)
    table.columns = [...table.columns, ...cols]
    table.newColumns = []
  }

  async commit(lsn: Lsn): Promise<void> {
    try {
      await saveLsn(this.held.conn, this.source, lsn)
      await this.held.conn.run('COMMIT')
    } catch (e) {
      await this.rollback()
      throw e
    }
    this.open = false
    this.held.release()
  }

  async rollback(): Promise<void> {
    if (!this.open) return
    this.open = false
    await this.held.conn.run('ROLLBACK').catch(() => undefined)
    this.held.release()
  }
}

function quoted(source: SourceDefinition, table: CdcTable): string {
  return `${quoteIdent(source.name)}.${quoteIdent(table.name)}`
}

async function saveLsn(conn: DuckDBConnection, source: SourceDefinition, lsn: Lsn): Promise<void> {
  await conn.run(`INSERT OR REPLACE INTO ${state()} VALUES (${quoteString(source.name)}, ${quoteString(source.cdc!.slot)}, ${quoteString(lsnToString(lsn))}, now()::TIMESTAMP)`)
}

interface Held {
  conn: DuckDBConnection
  release(): void
}

/** A pooled connection kept until `release()` (the pool lends connections only for a callback's duration). */
function hold(db: DuckDbAdapter, label: string): Promise<Held> {
  return new Promise<Held>((resolve, reject) => {
    db.withConnection(label, (conn) => new Promise<void>((release) => resolve({ conn, release: () => release() }))).catch(reject)
  })
}
