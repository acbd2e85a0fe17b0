/**
 * Replication into Trino/Iceberg (a `type: trino` gateway with Nessie). CDC sources go to
 * `cdc/cdc-trino.ts`; this file handles full and incremental (cursor) tables.
 *
 * Each table is read from the source exactly as for DuckDB (one repeatable-read snapshot, binary
 * COPY) into a scratch in-memory DuckDB, where boundary de-duplication, key de-duplication and
 * the new cursor are computed. The rows then go to Trino in multi-row `INSERT … VALUES`
 * statements (≈ 900 KB of rows each as one JSON literal, never row by row) into a staging table on the run's Nessie work
 * branch, and are applied to the destination table together with the table's cursor row
 * (`tributary__ingest.cursors`). A table that fails is rolled back on the branch; at the end the
 * branch is merged into main in one commit, so readers see every synced table change at once,
 * with the cursors that describe it.
 */
import { randomUUID } from 'node:crypto'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import type pg from 'pg'
import type { TableRef } from '../engines/engine-adapter.js'
import type { TrinoGateway, TrinoWriteSession } from '../engines/trino/trino-gateway.js'
import { boundaryFilter, cursorQuery, cursorStateOf, dedupByKey, ingestCdcSources, ingestWith, INGEST_SCHEMA, nextCursor, planRead, readIntoStaging, selectTables, type IngestRequest, type TableOutcome } from './ingest.js'
import { TrinoCdcDestination } from './cdc/cdc-trino.js'
import type { PgColumn } from './postgres/pg-types.js'
import { SourceError } from './postgres/pg-source.js'
import { sourceNodeName, type SourceDefinition, type SourceTable } from './source-config.js'
import { quoteIdent, quoteString } from '../sql/quote.js'
import { exportRows, trinoType } from './trino-rows.js'

export async function ingestIntoTrino(gw: TrinoGateway, req: IngestRequest): Promise<{ tables: TableOutcome[]; commit?: string }> {
  const work = selectTables(req) // validate the selection before touching anything
  // CDC sources stream into main through their own work branch (cdc/cdc-trino.ts); the others below.
  const cdcDests: TrinoCdcDestination[] = []
  const cdc = await ingestCdcSources(req, (source) => {
    const d = new TrinoCdcDestination(gw, source, req.secrets)
    cdcDests.push(d)
    return d
  })
  const cdcCommit = cdcDests.map((d) => d.lastCommit).filter((c) => c !== undefined).at(-1)
  if (!work.some((w) => !w.source.cdc)) return { tables: cdc, commit: cdcCommit }
  const rest = await ingestCursorSources(gw, { ...req, sources: req.sources.filter((s) => !s.cdc) })
  return { tables: [...cdc, ...rest.tables], commit: rest.commit ?? cdcCommit }
}

/** Cursor (full / incremental) sources: one work branch, merged into main in one commit at the end. */
async function ingestCursorSources(gw: TrinoGateway, req: IngestRequest): Promise<{ tables: TableOutcome[]; commit?: string }> {
  const session = await gw.beginWrite(randomUUID())
  const scratch = await DuckDBInstance.create(':memory:')
  const conn = await scratch.connect()
  try {
    await conn.run("SET TimeZone = 'UTC'")
    await session.engine.createSchema(INGEST_SCHEMA)
    await session.engine.execute(
      `CREATE TABLE IF NOT EXISTS ${session.engine.quoteTable(cursorsTable())} (node VARCHAR, cursor_column VARCHAR, last_value VARCHAR, boundary_keys VARCHAR, rows_total BIGINT, synced_at TIMESTAMP(6))`,
    )
    const tables = await ingestWith(req, (client, source, t, done, total) => syncToTrino(client, session, conn, source, t, req, done, total))
    let commit: string | undefined
    if (tables.some((t) => t.status === 'loaded')) {
      const loaded = tables.filter((t) => t.status === 'loaded').map((t) => t.node)
      commit = (await session.publish(`tributary ingest: ${loaded.join(', ')}`)).commit
    }
    return { tables, commit }
  } finally {
    conn.closeSync()
    scratch.closeSync()
    await session.close()
  }
}

function cursorsTable(): TableRef {
  return { schema: INGEST_SCHEMA, name: 'cursors' }
}

async function syncToTrino(
  client: pg.Client,
  session: TrinoWriteSession,
  conn: DuckDBConnection,
  source: SourceDefinition,
  t: SourceTable,
  req: IngestRequest,
  done: number,
  total: number,
): Promise<TableOutcome> {
  const engine = session.engine
  const node = sourceNodeName(source, t)
  const state = cursorStateOf((await engine.query(cursorQuery(engine.quoteTable(cursorsTable()), node)))[0])
  const plan = await planRead(client, source, t, state, req)
  const { destTable, info, pk, disposition, cursorCol, full } = plan
  const scratchTable = `s_${destTable}`
  const rows = await readIntoStaging(client, conn, 'stg', scratchTable, source, t, plan, req, done, total)
  const stg = `stg.${quoteIdent(scratchTable)}`
  const cursor = cursorCol ? quoteIdent(cursorCol.name) : undefined

  // --- shape the rows to apply, in DuckDB --------------------------------------------------
  if (!full && disposition === 'append' && cursor && state.boundaryKeys.length > 0) {
    await conn.run(`DELETE FROM ${stg} WHERE ${boundaryFilter(pk, cursor, state)}`)
  }
  if (disposition === 'merge') await conn.run(`CREATE OR REPLACE TABLE ${stg} AS ${dedupByKey(stg, pk, cursor)}`)
  const { to, boundary } = cursor ? await nextCursor(conn, stg, cursor, pk, disposition, state, full) : { to: state.lastValue, boundary: [] }

  // --- to Trino: staging on the work branch, then apply with the cursor -------------------
  const target: TableRef = { schema: source.name, name: destTable }
  const trinoStg: TableRef = { schema: INGEST_SCHEMA, name: `stg_${source.name}_${destTable}` }
  await engine.createSchema(source.name)
  const cols = info.columns
  await engine.execute(`CREATE OR REPLACE TABLE ${engine.quoteTable(trinoStg)} (${cols.map((c) => `${engine.quoteIdent(c.name)} ${trinoType(c)}`).join(', ')})`)
  try {
    await exportRows(conn, stg, cols, async (select) => {
      await engine.execute(`INSERT INTO ${engine.quoteTable(trinoStg)}\n${select}`)
    })
    const added: string[] = []
    await session.guarded([target, cursorsTable()], async () => {
      const existing = await engine.describeTable(target)
      const colList = cols.map((c) => engine.quoteIdent(c.name)).join(', ')
      if (full || !existing) {
        await engine.execute(`CREATE OR REPLACE TABLE ${engine.quoteTable(target)} AS SELECT ${colList} FROM ${engine.quoteTable(trinoStg)}`)
      } else {
        added.push(...(await evolveTrino(session, target, existing, cols)))
        if (disposition === 'merge') {
          await engine.mergeByKey(target, `SELECT ${colList} FROM ${engine.quoteTable(trinoStg)}`, pk)
        } else {
          await engine.execute(`INSERT INTO ${engine.quoteTable(target)} (${colList}) SELECT ${colList} FROM ${engine.quoteTable(trinoStg)}`)
        }
      }
      await engine.execute(`DELETE FROM ${engine.quoteTable(cursorsTable())} WHERE node = ${quoteString(node)}`)
      await engine.execute(
        `INSERT INTO ${engine.quoteTable(cursorsTable())} VALUES (${quoteString(node)}, ${cursorCol ? quoteString(cursorCol.name) : 'NULL'}, ${to === undefined ? 'NULL' : quoteString(to)}, ${quoteString(JSON.stringify(boundary))}, ${rows}, current_timestamp(6) AT TIME ZONE 'UTC')`,
      )
    })
    return {
      node,
      source: source.name,
      sourceTable: plan.where,
      status: 'loaded',
      mode: full ? 'full' : 'incremental',
      disposition,
      rows,
      durationMs: Date.now() - plan.started,
      cursor: cursorCol ? { column: cursorCol.name, from: plan.from, to } : undefined,
      columnsAdded: added.length > 0 ? added : undefined,
    }
  } finally {
    await engine.dropTable(trinoStg).catch(() => undefined)
    await conn.run(`DROP TABLE IF EXISTS ${stg}`)
  }
}

/** New columns are added; widening within int→bigint, real→double; anything else fails (rolled back). */
async function evolveTrino(session: TrinoWriteSession, target: TableRef, existing: ReadonlyArray<{ name: string; type: string }>, cols: readonly PgColumn[]): Promise<string[]> {
  const engine = session.engine
  const have = new Map(existing.map((c) => [c.name.toLowerCase(), c.type.toUpperCase()]))
  const added: string[] = []
  for (const c of cols) {
    const want = trinoType(c).toUpperCase()
    const cur = have.get(c.name.toLowerCase())
    if (cur === undefined) {
      await engine.execute(`ALTER TABLE ${engine.quoteTable(target)} ADD COLUMN ${engine.quoteIdent(c.name)} ${want}`)
      added.push(c.name)
      continue
    }
    if (cur === want || cur.replace(/\s+/g, '') === want.replace(/\s+/g, '')) continue
    const widen = (cur === 'INTEGER' && want === 'BIGINT') || (cur === 'REAL' && want === 'DOUBLE')
    if (!widen) {
      throw new SourceError(`column '${c.name}' changed type from ${cur} to ${want} in the source, which cannot be widened safely; the destination was left as it was (re-sync it with --full-refresh)`)
    }
    await engine.execute(`ALTER TABLE ${engine.quoteTable(target)} ALTER COLUMN ${engine.quoteIdent(c.name)} SET DATA TYPE ${want}`)
  }
  return added
}
