/**
 * Change data capture into Iceberg tables through Trino (a `type: trino` gateway with Nessie).
 *
 * One Nessie work branch (and its Trino catalog) per sync. A destination transaction is the work
 * branch reset to `main`'s head: the batches are MERGEd into the tables there, the position row
 * (`tributary__ingest.cdc_state`, an Iceberg table) is updated there, and commit publishes the
 * branch into `main` in one Nessie operation (a fast-forward, or a merge when someone else
 * committed meanwhile) — readers see the changes and the position that describes them at once,
 * or neither. Only then is the position acknowledged to Postgres. Rollback resets the branch.
 *
 * The initial copy reads every table inside the exported snapshot into a scratch DuckDB (as the
 * cursor ingest does), ships the rows to staging tables on the branch, replaces the tables, stores
 * the consistent point, and publishes all of it in one operation.
 */
import { randomUUID } from 'node:crypto'
import { DuckDBInstance } from '@duckdb/node-api'
import type pg from 'pg'
import { CatalogError } from '../../catalog/nessie/nessie-client.js'
import type { Reference } from '../../catalog/version-store.js'
import type { TableRef } from '../../engines/engine-adapter.js'
import type { TrinoAdapter } from '../../engines/trino/trino-adapter.js'
import type { TrinoGateway, TrinoWriteSession } from '../../engines/trino/trino-gateway.js'
import { EngineError } from '../../errors.js'
import { quoteIdent, quoteString } from '../../sql/quote.js'
import { INGEST_SCHEMA, planRead, readIntoStaging, type TableOutcome } from '../ingest.js'
import type { SecretChain } from '../secrets.js'
import { sourceNodeName, type SourceDefinition } from '../source-config.js'
import { exportRows, trinoType } from '../trino-rows.js'
import { applyTableBatchTrino } from './apply-trino.js'
import type { CdcDestination, CdcProgress, CdcTransaction, CdcWrite } from './cdc-destination.js'
import { lsnToString, parseLsn, type Lsn } from './pgoutput.js'

/** `tributary__ingest.cdc_state` (a function: INGEST_SCHEMA comes from a module in an import cycle). */
const state = (): TableRef => ({ schema: INGEST_SCHEMA, name: 'cdc_state' })

export class TrinoCdcDestination implements CdcDestination {
  readonly label = 'Trino/Iceberg'
  /** Every flush costs a few Trino statements (~0.5 s each) and a Nessie commit: gather more. */
  readonly flushIntervalMs = 5_000
  readonly positionIntervalMs = Number.POSITIVE_INFINITY
  /** The last commit published into main (for the run record). */
  lastCommit: string | undefined
  private session: TrinoWriteSession | undefined
  /** `main` as the work branch was last reset to (or published into). */
  private base: Reference | undefined

  constructor(
    private readonly gw: TrinoGateway,
    private readonly source: SourceDefinition,
    private readonly secrets: SecretChain,
  ) {}

  private get engine(): TrinoAdapter {
    if (!this.session) throw new EngineError('INGEST_FAILED', 'CDC into Trino: prepare() was not called; this is a bug')
    return this.session.engine
  }

  async prepare(): Promise<void> {
    this.session = await this.gw.beginWrite(randomUUID())
    this.base = this.session.base
    await this.engine.createSchema(INGEST_SCHEMA)
    await this.engine.execute(`CREATE TABLE IF NOT EXISTS ${this.engine.quoteTable(state())} (source VARCHAR, slot VARCHAR, lsn VARCHAR, updated_at TIMESTAMP(6))`)
    await this.publish(`tributary cdc: ${INGEST_SCHEMA}.cdc_state`)
  }

  async readPosition(): Promise<Lsn | undefined> {
    await this.reset()
    const rows = await this.engine.query(`SELECT slot, lsn FROM ${this.engine.quoteTable(state())} WHERE source = ${quoteString(this.source.name)}`)
    const r = rows[0]
    return r && r['slot'] === this.source.cdc!.slot ? parseLsn(String(r['lsn'])) : undefined
  }

  async describe(name: string): Promise<Array<{ name: string; type: string }> | undefined> {
    const cols = await this.engine.describeTable({ schema: this.source.name, name })
    return cols?.map((c) => ({ name: c.name, type: c.type }))
  }

  async installSnapshot(client: pg.Client, snapshotName: string, consistentPoint: Lsn, onProgress?: CdcProgress): Promise<TableOutcome[]> {
    const source = this.source
    const engine = this.engine
    const started = Date.now()
    await this.reset()
    const scratch = await DuckDBInstance.create(':memory:')
    const conn = await scratch.connect()
    const outcomes: TableOutcome[] = []
    try {
      await conn.run("SET TimeZone = 'UTC'")
      await engine.createSchema(source.name)
      for (const [i, t] of source.tables.entries()) {
        const plan = await planRead(client, source, t, { boundaryKeys: [] }, { fullRefresh: true, secrets: this.secrets })
        const scratchTable = `s_${plan.destTable}`
        const rows = await readIntoStaging(client, conn, 'stg', scratchTable, source, t, plan, { onProgress, secrets: this.secrets }, i, source.tables.length, snapshotName)
        const cols = plan.info.columns
        const stg: TableRef = { schema: INGEST_SCHEMA, name: `cdc_snap_${source.name}_${plan.destTable}` }
        await engine.execute(`CREATE OR REPLACE TABLE ${engine.quoteTable(stg)} (${cols.map((c) => `${quoteIdent(c.name)} ${trinoType(c)}`).join(', ')})`)
        await exportRows(conn, `stg.${quoteIdent(scratchTable)}`, cols, (select) => engine.execute(`INSERT INTO ${engine.quoteTable(stg)}\n${select}`))
        await conn.run(`DROP TABLE stg.${quoteIdent(scratchTable)}`)
        const colList = cols.map((c) => quoteIdent(c.name)).join(', ')
        await engine.execute(`CREATE OR REPLACE TABLE ${engine.quoteTable({ schema: source.name, name: plan.destTable })} AS SELECT ${colList} FROM ${engine.quoteTable(stg)}`)
        await engine.dropTable(stg)
        outcomes.push({ node: sourceNodeName(source, t), source: source.name, sourceTable: plan.where, status: 'loaded', mode: 'cdc-snapshot', disposition: 'replace', rows, durationMs: 0 })
      }
      await this.savePosition(consistentPoint)
      await this.publish(`tributary cdc snapshot: ${outcomes.map((o) => o.node).join(', ')}`)
    } catch (e) {
      await this.reset().catch(() => undefined)
      throw e
    } finally {
      conn.closeSync()
      scratch.closeSync()
    }
    for (const o of outcomes) o.durationMs = Date.now() - started
    return outcomes
  }

  async begin(): Promise<CdcTransaction> {
    await this.reset()
    return new TrinoCdcTransaction(this)
  }

  async close(): Promise<void> {
    await this.session?.close()
    this.session = undefined
  }

  /** Apply one table's batch on the work branch, its new columns first. */
  async applyWrite({ table, batch }: CdcWrite): Promise<void> {
    const engine = this.engine
    const target = engine.quoteTable({ schema: this.source.name, name: table.name })
    for (const c of table.newColumns) {
      const type = trinoType({ name: c.name, typeOid: c.typeOid, typmod: c.typeMod, pgType: 'unknown', nullable: true })
      await engine.execute(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${type}`)
      table.columns = [...table.columns, { name: c.name, type }]
    }
    table.newColumns = []
    const staging = engine.quoteTable({ schema: INGEST_SCHEMA, name: `cdc_stg_${this.source.name}_${table.name}` })
    await applyTableBatchTrino((sql) => engine.execute(sql), { quoted: target, columns: table.columns, key: table.key, staging }, batch)
    table.applied += batch.changes
  }

  /** The position row, on the work branch. */
  async savePosition(lsn: Lsn): Promise<void> {
    const row = `SELECT ${quoteString(this.source.name)} AS source, ${quoteString(this.source.cdc!.slot)} AS slot, ${quoteString(lsnToString(lsn))} AS lsn, CAST(current_timestamp(6) AT TIME ZONE 'UTC' AS TIMESTAMP(6)) AS updated_at`
    await this.engine.execute(
      [
        `MERGE INTO ${this.engine.quoteTable(state())} AS __t USING (${row}) AS __s ON __t.source = __s.source`,
        'WHEN MATCHED THEN UPDATE SET slot = __s.slot, lsn = __s.lsn, updated_at = __s.updated_at',
        'WHEN NOT MATCHED THEN INSERT (source, slot, lsn, updated_at) VALUES (__s.source, __s.slot, __s.lsn, __s.updated_at)',
      ].join('\n'),
    )
  }

  commitMessage(lsn: Lsn): string {
    return `tributary cdc ${this.source.name}: changes up to ${lsnToString(lsn)}`
  }

  /** Everything on the work branch into main, in one Nessie operation; the branch then equals main's new head. */
  async publish(message: string): Promise<void> {
    const nessie = this.gw.nessie
    const session = this.session!
    const work = await nessie.getReference(session.branch)
    if (work.hash === this.base!.hash) return
    let main: Reference
    try {
      // Main has not moved since the reset: point it at the work branch (atomic, against base's hash).
      main = await nessie.assignReference(this.base!, work)
    } catch (e) {
      if (!(e instanceof CatalogError) || e.status !== 409) throw e
      // Someone else committed to main meanwhile: merge (Nessie refuses conflicting keys).
      main = await nessie.merge(work, await nessie.getReference(this.base!.name), message)
    }
    this.base = main
    this.lastCommit = main.hash
  }

  /** Put the work branch on main's head (discarding anything unpublished on it). */
  async reset(): Promise<void> {
    const nessie = this.gw.nessie
    const main = await nessie.getReference(this.gw.settings.main_branch)
    const work = await nessie.getReference(this.session!.branch)
    if (work.hash !== main.hash) await nessie.assignReference(work, main)
    this.base = main
  }
}

class TrinoCdcTransaction implements CdcTransaction {
  private open = true

  constructor(private readonly dest: TrinoCdcDestination) {}

  async apply(writes: readonly CdcWrite[]): Promise<void> {
    for (const w of writes) await this.dest.applyWrite(w)
  }

  async commit(lsn: Lsn): Promise<void> {
    try {
      await this.dest.savePosition(lsn)
      await this.dest.publish(this.dest.commitMessage(lsn))
    } catch (e) {
      await this.rollback()
      throw e
    }
    this.open = false
  }

  async rollback(): Promise<void> {
    if (!this.open) return
    this.open = false
    await this.dest.reset()
  }
}
