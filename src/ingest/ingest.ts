/**
 * `models ingest`: replicate source tables into the warehouse (embedded DuckDB).
 *
 * Per table: describe it in the source, read it inside one read-only repeatable-read snapshot
 * with binary `COPY … TO STDOUT` into a staging table (DuckDB appender), then in ONE DuckDB
 * transaction apply it (replace = swap, append, merge = delete+insert by primary key) together
 * with the table's new cursor. A crash anywhere leaves the destination and its cursor as they
 * were; the next sync redoes the work. A failing table never stops the others.
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import type pg from 'pg'
import type { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import type { Row } from '../engines/engine-adapter.js'
import { EngineError } from '../errors.js'
import { DuckDbCdcDestination } from './cdc/cdc-duckdb.js'
import type { CdcDestination } from './cdc/cdc-destination.js'
import { cdcSync } from './cdc/cdc-sync.js'
import { ChunkSink } from './duckdb/chunk-sink.js'
import { copyInto } from './postgres/copy-table.js'
import { connectSource, describeSourceTable, pgIdent, pgQuoteTable, sourceError, SourceError, type SourceTableInfo } from './postgres/pg-source.js'
import { duckdbTypeFor, selectExpression, type PgColumn } from './postgres/pg-types.js'
import type { SecretChain } from './secrets.js'
import { lagAmount, sourceNodeName, type SourceDefinition, type SourceTable } from './source-config.js'
import { quoteIdent, quoteString } from '../sql/quote.js'

/** Where cursors live: in the warehouse itself, written in the same transaction as the data. */
export const INGEST_SCHEMA = 'tributary__ingest'

export interface IngestRequest {
  sources: readonly SourceDefinition[]
  /** Only this source / these destination tables (node names or table names). */
  source?: string
  tables?: readonly string[]
  fullRefresh?: boolean
  /** CDC sources: keep streaming until `signal` aborts (otherwise drain what is available). */
  follow?: boolean
  /** CDC sources: drop the slot and copy every table again. */
  resnapshot?: boolean
  secrets: SecretChain
  onProgress?: (p: IngestProgress) => void
  onTableDone?: (o: TableOutcome) => void
  signal?: AbortSignal
}

export interface IngestProgress {
  node: string
  rows: number
  rowsPerSecond: number
  tablesDone: number
  tablesTotal: number
}

export interface TableOutcome {
  /** `my_database.lookup`. */
  node: string
  source: string
  sourceTable: string
  status: 'loaded' | 'failed'
  mode?: 'full' | 'incremental' | 'cdc-snapshot' | 'cdc'
  disposition?: 'replace' | 'append' | 'merge'
  /** Rows read from the source. */
  rows: number
  durationMs: number
  cursor?: { column: string; from?: string; to?: string }
  columnsAdded?: string[]
  message?: string
}

/** The tables a request selects, in file order; an unknown name is an error. */
export function selectTables(req: Pick<IngestRequest, 'sources' | 'source' | 'tables'>): Array<{ source: SourceDefinition; table: SourceTable }> {
  const sources = req.source ? req.sources.filter((s) => s.name === req.source) : req.sources
  if (req.source && sources.length === 0) {
    throw new EngineError('OPTION_INVALID', `--source ${req.source}: no such source (known: ${req.sources.map((s) => s.name).join(', ') || 'none — add sources/*.yaml'})`)
  }
  const all = sources.flatMap((s) => s.tables.map((t) => ({ source: s, table: t })))
  if (!req.tables || req.tables.length === 0) return all
  const wanted = new Set(req.tables.map((t) => t.toLowerCase()))
  const out = all.filter(({ source, table }) => wanted.has(sourceNodeName(source, table)) || wanted.has(table.table.toLowerCase()) || wanted.has((table.destination_table_name ?? '').toLowerCase()))
  const found = new Set(out.flatMap(({ source, table }) => [sourceNodeName(source, table), table.table.toLowerCase(), (table.destination_table_name ?? '').toLowerCase()]))
  const missing = [...wanted].filter((w) => !found.has(w))
  if (missing.length > 0) throw new EngineError('OPTION_INVALID', `--table ${missing.join(', ')}: no such replicated table (known: ${all.map(({ source, table }) => sourceNodeName(source, table)).join(', ')})`)
  return out
}

/** Sync the selected tables into DuckDB; resolves with one outcome per table (never throws for a table's failure). */
export async function ingestIntoDuckDb(dest: DuckDbAdapter, req: IngestRequest): Promise<TableOutcome[]> {
  // Validate the selection before writing anything.
  const work = selectTables(req)
  await dest.execute(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(INGEST_SCHEMA)}`)
  await dest.execute(
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(INGEST_SCHEMA)}.cursors (node VARCHAR PRIMARY KEY, cursor_column VARCHAR, last_value VARCHAR, boundary_keys VARCHAR, rows_total BIGINT, synced_at TIMESTAMP)`,
  )
  // CDC sources are synced as a whole (one slot for all their tables); the others table by table.
  const outcomes = await ingestCdcSources(req, (source) => new DuckDbCdcDestination(dest, source, req.secrets))
  const rest = work.filter((w) => !w.source.cdc)
  if (rest.length === 0) return outcomes
  const restReq = { ...req, sources: req.sources.filter((s) => !s.cdc) }
  return [...outcomes, ...(await ingestWith(restReq, (client, source, t, done, total) => syncTable(client, dest, source, t, req, done, total)))]
}

/**
 * The request's CDC sources, each synced as a whole (one slot for all its tables) into the
 * destination `destination(source)` makes; resolves with one outcome per table (a source's
 * failure fails each of its tables, never the call).
 */
export async function ingestCdcSources(req: IngestRequest, destination: (source: SourceDefinition) => CdcDestination): Promise<TableOutcome[]> {
  const sources = [...new Set(selectTables(req).filter((w) => w.source.cdc).map((w) => w.source))]
  const outcomes: TableOutcome[] = []
  for (const source of sources) {
    let r: TableOutcome[]
    try {
      r = await cdcSync(destination(source), source, { secrets: req.secrets, follow: req.follow, resnapshot: req.resnapshot, signal: req.signal, onProgress: req.onProgress })
    } catch (e) {
      r = source.tables.map((t) => failed(source, t, e, Date.now(), req.secrets))
    }
    for (const o of r) req.onTableDone?.(o)
    outcomes.push(...r)
  }
  return outcomes
}

/** Sync one table into a destination; throws on failure (the loop turns it into a failed outcome). */
export type SyncTable = (client: pg.Client, source: SourceDefinition, t: SourceTable, done: number, total: number) => Promise<TableOutcome>

/**
 * The per-source loop shared by destinations: resolve the secret and connect once per source,
 * sync its selected tables one by one; a table's failure is recorded and the next table goes on
 * (after reconnecting when the connection broke).
 */
export async function ingestWith(req: IngestRequest, sync: SyncTable): Promise<TableOutcome[]> {
  const work = selectTables(req)
  const outcomes: TableOutcome[] = []
  const bySource = new Map<SourceDefinition, SourceTable[]>()
  for (const { source, table } of work) bySource.set(source, [...(bySource.get(source) ?? []), table])
  for (const [source, tables] of bySource) {
    const started = Date.now()
    let client: pg.Client | undefined
    try {
      const url = await req.secrets.resolve(source.secret)
      client = await connectSource(source.name, url, (s) => req.secrets.redact(s))
    } catch (e) {
      for (const t of tables) {
        const o = failed(source, t, e, started, req.secrets)
        outcomes.push(o)
        req.onTableDone?.(o)
      }
      continue
    }
    try {
      for (const t of tables) {
        if (req.signal?.aborted) break
        const t0 = Date.now()
        let o: TableOutcome
        try {
          o = await sync(client, source, t, outcomes.length, work.length)
        } catch (e) {
          o = failed(source, t, e, t0, req.secrets)
          // A broken connection fails this table; reconnect for the next one.
          if (client && isConnectionError(e)) {
            await client.end().catch(() => undefined)
            client = await connectSource(source.name, await req.secrets.resolve(source.secret), (s) => req.secrets.redact(s)).catch(() => undefined)
          }
        }
        outcomes.push(o)
        req.onTableDone?.(o)
        if (!client) {
          for (const rest of tables.slice(tables.indexOf(t) + 1)) {
            const f = failed(source, rest, new SourceError(`source '${source.name}': connection lost`), Date.now(), req.secrets)
            outcomes.push(f)
            req.onTableDone?.(f)
          }
          break
        }
      }
    } finally {
      await client?.end().catch(() => undefined)
    }
  }
  return outcomes
}

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string; pgCode?: string }).pgCode ?? (e as { code?: string }).code
  return code === 'ECONNRESET' || code === '57P01' || code === 'EPIPE' || /Connection terminated|connection lost/i.test(String((e as Error).message))
}

function failed(source: SourceDefinition, t: SourceTable, e: unknown, started: number, secrets: SecretChain): TableOutcome {
  const raw = e instanceof EngineError ? e.format() : e instanceof Error ? e.message : String(e)
  return {
    node: sourceNodeName(source, t),
    source: source.name,
    sourceTable: `${t.schema}.${t.table}`,
    status: 'failed',
    rows: 0,
    durationMs: Date.now() - started,
    message: secrets.redact(raw),
  }
}

export interface CursorState {
  lastValue?: string
  boundaryKeys: string[]
}

/** What one table's sync reads: resolved key, disposition, cursor, and the SELECT for COPY. */
export interface ReadPlan {
  node: string
  destTable: string
  where: string
  info: SourceTableInfo
  pk: string[]
  disposition: 'replace' | 'append' | 'merge'
  cursorCol?: PgColumn
  full: boolean
  from?: string
  select: string
  started: number
}

/** Describe the source table and decide what to read (pure apart from the catalog query). */
export async function planRead(client: pg.Client, source: SourceDefinition, t: SourceTable, state: CursorState, req: Pick<IngestRequest, 'fullRefresh' | 'secrets'>): Promise<ReadPlan> {
  const started = Date.now()
  const node = sourceNodeName(source, t)
  const destTable = node.split('.')[1]!
  const where = `${t.schema}.${t.table}`
  let info: SourceTableInfo
  try {
    info = await describeSourceTable(client, source.name, t.schema, t.table)
  } catch (e) {
    if (e instanceof SourceError) throw e
    throw sourceError(source.name, where, e, (s) => req.secrets.redact(s))
  }
  const colNames = new Set(info.columns.map((c) => c.name))
  const pk = t.primary_key ?? info.primaryKey
  for (const k of pk) if (!colNames.has(k)) throw new SourceError(`source '${source.name}': primary_key column '${k}' does not exist in ${where}`)
  const disposition = t.write_disposition ?? (t.incremental ? (pk.length > 0 ? 'merge' : 'append') : 'replace')
  if (disposition === 'merge' && pk.length === 0) {
    throw new SourceError(`source '${source.name}': ${where} has no primary key; write_disposition merge needs one (set primary_key)`)
  }
  const inc = t.incremental
  const cursorCol = inc ? info.columns.find((c) => c.name === inc.cursor) : undefined
  if (inc && !cursorCol) throw new SourceError(`source '${source.name}': cursor column '${inc.cursor}' does not exist in ${where} (columns: ${[...colNames].join(', ')})`)
  const full = req.fullRefresh === true || !inc || disposition === 'replace'
  const conds: string[] = []
  let from: string | undefined
  if (inc && cursorCol && !full) {
    from = state.lastValue ?? (inc.initial_value === undefined ? undefined : String(inc.initial_value))
    if (from !== undefined) {
      const c = pgIdent(cursorCol.name)
      const typed = `CAST(${client.escapeLiteral(from)} AS ${cursorCol.pgType})`
      const lag = lagAmount(inc.lag)
      const start = lag === 0 ? typed : isTemporal(cursorCol) ? `${typed} - INTERVAL '${lag} milliseconds'` : `${typed} - ${Number(lag)}`
      conds.push(inc.on_null === 'include' ? `(${c} >= ${start} OR ${c} IS NULL)` : `${c} >= ${start}`)
    }
  }
  if (inc && cursorCol && inc.on_null === 'exclude') conds.push(`${pgIdent(cursorCol.name)} IS NOT NULL`)
  const select = `SELECT ${info.columns.map(selectExpression).join(', ')} FROM ${pgQuoteTable(t.schema, t.table)}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`
  return { node, destTable, where, info, pk, disposition, cursorCol, full, from, select, started }
}

/**
 * Read the planned rows inside one read-only repeatable-read transaction of the source into the
 * DuckDB table `schema.staging` (created here). Returns the row count; drops the staging table on failure.
 */
export async function readIntoStaging(
  client: pg.Client,
  conn: DuckDBConnection,
  schema: string,
  staging: string,
  source: SourceDefinition,
  t: SourceTable,
  plan: ReadPlan,
  req: Pick<IngestRequest, 'onProgress' | 'secrets'>,
  done: number,
  total: number,
  /** An exported snapshot to read in (CDC's initial copy), set right after BEGIN. */
  snapshot?: string,
): Promise<number> {
  const { info, cursorCol, where, node } = plan
  const inc = t.incremental
  const rowsPerSecond = (rows: number): number => Math.round(rows / Math.max(0.001, (Date.now() - plan.started) / 1000))
  await run(conn, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
  await run(conn, `CREATE OR REPLACE TABLE ${quoteIdent(schema)}.${quoteIdent(staging)} (${info.columns.map((c) => `${quoteIdent(c.name)} ${duckdbTypeFor(c)}`).join(', ')})`)
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    try {
      if (snapshot) await client.query(`SET TRANSACTION SNAPSHOT ${client.escapeLiteral(snapshot)}`)
      if (inc && cursorCol && inc.on_null === 'fail') {
        const nulls = await client.query(`SELECT EXISTS (SELECT 1 FROM ${pgQuoteTable(t.schema, t.table)} WHERE ${pgIdent(cursorCol.name)} IS NULL) AS has_null`)
        if (nulls.rows[0]?.has_null) {
          throw new SourceError(
            `source '${source.name}': ${where} has rows whose cursor '${cursorCol.name}' is NULL; set incremental.on_null to include (re-read them on every sync) or exclude`,
          )
        }
      }
      const sink = await ChunkSink.open(conn, schema, staging, info.columns)
      let rows: number
      try {
        rows = await copyInto(client, plan.select, info.columns, sink, (n) =>
          req.onProgress?.({ node, rows: n, rowsPerSecond: rowsPerSecond(n), tablesDone: done, tablesTotal: total }),
        )
      } finally {
        sink.close()
      }
      await client.query('COMMIT')
      return rows
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw e
    }
  } catch (e) {
    await run(conn, `DROP TABLE IF EXISTS ${quoteIdent(schema)}.${quoteIdent(staging)}`).catch(() => undefined)
    if (e instanceof EngineError) throw e
    throw sourceError(source.name, where, e, (s) => req.secrets.redact(s))
  }
}

async function syncTable(
  client: pg.Client,
  dest: DuckDbAdapter,
  source: SourceDefinition,
  t: SourceTable,
  req: IngestRequest,
  done: number,
  total: number,
): Promise<TableOutcome> {
  const state = await readCursor(dest, sourceNodeName(source, t))
  const plan = await planRead(client, source, t, state, req)
  const { node, destTable, where, info, pk, disposition, cursorCol, full, from, started } = plan
  const staging = `__tributary_stg_${destTable}`

  return dest.withConnection(`ingest ${node}`, async (conn) => {
    const rows = await readIntoStaging(client, conn, source.name, staging, source, t, plan, req, done, total)
    // --- apply, with the cursor, in one DuckDB transaction ------------------------------
    const target = `${quoteIdent(source.name)}.${quoteIdent(destTable)}`
    const stg = `${quoteIdent(source.name)}.${quoteIdent(staging)}`
    const existing = await destColumns(conn, source.name, destTable)
    const added: string[] = []
    const cursorExpr = cursorCol ? quoteIdent(cursorCol.name) : undefined
    await run(conn, 'BEGIN TRANSACTION')
    try {
      // A full read rebuilds the table (deleted source rows go too); otherwise apply the increment.
      if (full || !existing) {
        await run(conn, `DROP TABLE IF EXISTS ${target}`)
        if (disposition === 'merge') {
          await run(conn, `CREATE TABLE ${target} AS ${dedupByKey(stg, pk, cursorExpr)}`)
        } else if (disposition === 'append' && state.boundaryKeys.length > 0 && cursorExpr) {
          await run(conn, `CREATE TABLE ${target} AS SELECT * FROM ${stg} WHERE NOT (${boundaryFilter(pk, cursorExpr, state)})`)
        } else {
          await run(conn, `ALTER TABLE ${stg} RENAME TO ${quoteIdent(destTable)}`)
        }
      } else {
        added.push(...(await evolve(conn, target, existing, info.columns)))
        if (disposition === 'append') {
          const skip = state.boundaryKeys.length > 0 && cursorExpr ? ` WHERE NOT (${boundaryFilter(pk, cursorExpr, state)})` : ''
          await run(conn, `INSERT INTO ${target} BY NAME SELECT * FROM ${stg}${skip}`)
        } else {
          const keys = pk.map(quoteIdent)
          await run(conn, `DELETE FROM ${target} WHERE (${keys.join(', ')}) IN (SELECT ${keys.join(', ')} FROM ${stg})`)
          await run(conn, `INSERT INTO ${target} BY NAME ${dedupByKey(stg, pk, cursorExpr)}`)
        }
      }
      let to: string | undefined
      let boundary: string[] = []
      if (cursorExpr) {
        const src = full || !existing ? ((await tableExists(conn, source.name, staging)) ? stg : target) : stg
        ;({ to, boundary } = await nextCursor(conn, src, cursorExpr, pk, disposition, state, full))
      }
      await conn.run(
        `INSERT OR REPLACE INTO ${quoteIdent(INGEST_SCHEMA)}.cursors VALUES ($1, $2, $3, $4, $5, now()::TIMESTAMP)`,
        [node, cursorCol?.name ?? null, to ?? null, JSON.stringify(boundary), rows] as never,
      )
      await run(conn, `DROP TABLE IF EXISTS ${stg}`)
      await run(conn, 'COMMIT')
      return {
        node,
        source: source.name,
        sourceTable: where,
        status: 'loaded',
        mode: full ? 'full' : 'incremental',
        disposition,
        rows,
        durationMs: Date.now() - started,
        cursor: cursorCol ? { column: cursorCol.name, from, to } : undefined,
        columnsAdded: added.length > 0 ? added : undefined,
      }
    } catch (e) {
      await run(conn, 'ROLLBACK').catch(() => undefined)
      await run(conn, `DROP TABLE IF EXISTS ${stg}`).catch(() => undefined)
      throw e
    }
  })
}

/** One row per key: the one with the highest cursor (any, without a cursor). */
export function dedupByKey(stg: string, pk: readonly string[], cursor: string | undefined): string {
  const order = cursor ? `${cursor} DESC NULLS LAST` : '1'
  return `SELECT * EXCLUDE (__tributary_rn) FROM (SELECT *, row_number() OVER (PARTITION BY ${pk.map(quoteIdent).join(', ')} ORDER BY ${order}) AS __tributary_rn FROM ${stg}) WHERE __tributary_rn = 1`
}

/** Rows at the previous boundary whose key was already loaded (append de-duplication). */
export function boundaryFilter(pk: readonly string[], cursor: string, state: CursorState): string {
  if (pk.length === 0 || state.lastValue === undefined) return 'false'
  const keys = `to_json([${pk.map(quoteIdent).join(', ')}])::VARCHAR`
  return `CAST(${cursor} AS VARCHAR) = ${quoteString(state.lastValue)} AND ${keys} IN (SELECT unnest(CAST(${quoteString(JSON.stringify(state.boundaryKeys))} AS VARCHAR[])))`
}

/**
 * The cursor after a load, from the DuckDB table `rows` holding what was read: its highest value
 * (an incremental read never moves it back), and for `append` the keys of the rows at that value,
 * so the next (inclusive) read can skip them.
 */
export async function nextCursor(
  conn: DuckDBConnection,
  rows: string,
  cursor: string,
  pk: readonly string[],
  disposition: ReadPlan['disposition'],
  state: CursorState,
  full: boolean,
): Promise<{ to?: string; boundary: string[] }> {
  const maxNow = (await conn.runAndReadAll(`SELECT CAST(max(${cursor}) AS VARCHAR) AS m FROM ${rows}`)).getRowObjects()[0]?.['m'] as string | null | undefined
  let to = maxNow ?? state.lastValue
  if (maxNow != null && state.lastValue !== undefined && !full && !(await cursorAfter(conn, maxNow, state.lastValue))) to = state.lastValue
  let boundary: string[] = []
  if (to !== undefined && pk.length > 0 && disposition === 'append') {
    const b = await conn.runAndReadAll(
      `SELECT to_json([${pk.map(quoteIdent).join(', ')}])::VARCHAR AS k FROM ${rows} WHERE CAST(${cursor} AS VARCHAR) = ${quoteString(to)} LIMIT 10000`,
    )
    boundary = b.getRowObjects().map((x) => String(x['k']))
    if (to === state.lastValue) boundary = [...new Set([...state.boundaryKeys, ...boundary])]
  }
  return { to, boundary }
}

/** `a > b` for cursor values kept as text: as numbers, else as times, else as text. */
async function cursorAfter(conn: DuckDBConnection, a: string, b: string): Promise<boolean> {
  const [x, y] = [quoteString(a), quoteString(b)]
  const r = (await conn.runAndReadAll(`SELECT coalesce(TRY_CAST(${x} AS DOUBLE) > TRY_CAST(${y} AS DOUBLE), TRY_CAST(${x} AS TIMESTAMPTZ) > TRY_CAST(${y} AS TIMESTAMPTZ), ${x} > ${y}) AS x`)).getRowObjects()[0]
  return r?.['x'] === true
}

async function readCursor(dest: DuckDbAdapter, node: string): Promise<CursorState> {
  return cursorStateOf((await dest.query(cursorQuery(quoteIdent(INGEST_SCHEMA) + '.cursors', node)))[0])
}

/** The SELECT of a node's row in a cursors table (DuckDB's or Trino's). */
export function cursorQuery(table: string, node: string): string {
  return `SELECT last_value, boundary_keys FROM ${table} WHERE node = ${quoteString(node)}`
}

/** A cursors-table row (or none) as a CursorState. */
export function cursorStateOf(r: Row | undefined): CursorState {
  if (!r) return { boundaryKeys: [] }
  return { lastValue: r['last_value'] == null ? undefined : String(r['last_value']), boundaryKeys: r['boundary_keys'] ? (JSON.parse(String(r['boundary_keys'])) as string[]) : [] }
}

async function destColumns(conn: DuckDBConnection, schema: string, table: string): Promise<Map<string, string> | undefined> {
  const r = await conn.runAndReadAll(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${quoteString(schema)} AND table_name = ${quoteString(table)} ORDER BY ordinal_position`,
  )
  const rows = r.getRowObjects()
  if (rows.length === 0) return undefined
  return new Map(rows.map((x) => [String(x['column_name']), String(x['data_type']).toUpperCase()]))
}

async function tableExists(conn: DuckDBConnection, schema: string, table: string): Promise<boolean> {
  return (await destColumns(conn, schema, table)) !== undefined
}

/** Safe widenings: a column may move right along one of these chains. */
const WIDEN: string[][] = [
  ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'],
  ['FLOAT', 'DOUBLE'],
  ['DATE', 'TIMESTAMP'],
]

/**
 * New source columns are added to the destination; a type that changed is widened when that is
 * lossless, otherwise the sync fails and the destination stays as it was (the transaction rolls back).
 */
async function evolve(conn: DuckDBConnection, target: string, existing: Map<string, string>, columns: readonly PgColumn[]): Promise<string[]> {
  const added: string[] = []
  for (const c of columns) {
    const want = duckdbTypeFor(c).toUpperCase()
    const have = existing.get(c.name)
    if (have === undefined) {
      await run(conn, `ALTER TABLE ${target} ADD COLUMN ${quoteIdent(c.name)} ${want}`)
      added.push(c.name)
      continue
    }
    if (have === want || normalizeType(have) === normalizeType(want)) continue
    const chain = WIDEN.find((ch) => ch.includes(normalizeType(have)) && ch.includes(normalizeType(want)))
    if (chain && chain.indexOf(normalizeType(want)) > chain.indexOf(normalizeType(have))) {
      await run(conn, `ALTER TABLE ${target} ALTER COLUMN ${quoteIdent(c.name)} TYPE ${want}`)
      continue
    }
    throw new SourceError(`column '${c.name}' changed type from ${have} to ${want} in the source, which cannot be widened safely; the destination was left as it was (re-sync it with --full-refresh)`)
  }
  return added
}

function normalizeType(t: string): string {
  const u = t.toUpperCase().trim()
  if (u === 'TIMESTAMP WITH TIME ZONE') return 'TIMESTAMPTZ'
  if (u === 'REAL' || u === 'FLOAT4') return 'FLOAT'
  return u
}

function isTemporal(c: PgColumn): boolean {
  return /^(timestamp|date)/.test(c.pgType)
}

async function run(conn: DuckDBConnection, sql: string): Promise<void> {
  await conn.run(sql)
}


