import { randomUUID } from 'node:crypto'
import type { Context } from '../context.js'
import { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import { EngineError } from '../errors.js'
import { ingestIntoDuckDb, type IngestProgress, type TableOutcome } from '../ingest/ingest.js'
import { SecretChain } from '../ingest/secrets.js'
import { ingestIntoTrino } from '../ingest/trino-destination.js'

export interface IngestOptions {
  source?: string
  tables?: readonly string[]
  fullRefresh?: boolean
  onProgress?: (p: IngestProgress) => void
  onTableDone?: (o: TableOutcome) => void
  signal?: AbortSignal
  secrets?: SecretChain
}

export interface IngestResult {
  runId: string
  ok: boolean
  durationMs: number
  tables: TableOutcome[]
}

/**
 * `models ingest`: sync replicated source tables into the warehouse. Recorded as a run
 * (command `ingest`, env `sources`) so the run log shows every load.
 */
export async function ingestOperation(ctx: Context, o: IngestOptions = {}): Promise<IngestResult> {
  const { sources } = ctx.project
  if (sources.length === 0) throw new EngineError('OPTION_INVALID', 'this project has no replication sources (add sources/*.yaml; see docs/replication.md)')
  const { engine, trino } = await ctx.engine()
  if (!trino && !(engine instanceof DuckDbAdapter)) {
    throw new EngineError('CONFIG_INVALID', `ingest into the '${ctx.project.config.gatewayName}' gateway (${engine.dialect}) is not supported`)
  }
  ctx.lockEnvironment('sources', 'ingest')
  const state = await ctx.state()
  const runId = randomUUID()
  const started = Date.now()
  await state.startRun({ id: runId, command: 'ingest', env: 'sources', startedAt: started, status: 'running' })
  let tables: TableOutcome[] = []
  let commit: string | undefined
  const request = {
    sources,
    source: o.source,
    tables: o.tables,
    fullRefresh: o.fullRefresh,
    secrets: o.secrets ?? new SecretChain(),
    onProgress: o.onProgress,
    onTableDone: o.onTableDone,
    signal: o.signal,
  }
  try {
    if (trino) ({ tables, commit } = await ingestIntoTrino(trino, request))
    else tables = await ingestIntoDuckDb(engine as DuckDbAdapter, request)
  } finally {
    const ok = tables.length > 0 && tables.every((t) => t.status === 'loaded')
    await state.finishRun(runId, ok ? 'succeeded' : 'failed', {
      loaded: tables.filter((t) => t.status === 'loaded').map((t) => ({ name: t.node, rows: t.rows, cursor: t.cursor?.to })),
      failed: tables.filter((t) => t.status === 'failed').map((t) => ({ name: t.node, message: t.message })),
    }, commit)
  }
  return { runId, ok: tables.every((t) => t.status === 'loaded'), durationMs: Date.now() - started, tables }
}
