import { randomUUID } from 'node:crypto'
import type { Context } from '../context.js'
import { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import { EngineError } from '../errors.js'
import { ingestIntoDuckDb, type IngestProgress, type TableOutcome } from '../ingest/ingest.js'
import { SecretChain } from '../ingest/secrets.js'
import { ingestIntoTrino } from '../ingest/trino-destination.js'
import { applyFixes, checkCdc, type CheckItem } from '../ingest/cdc/check.js'
import { connectSource } from '../ingest/postgres/pg-source.js'

export interface IngestOptions {
  source?: string
  tables?: readonly string[]
  fullRefresh?: boolean
  follow?: boolean
  resnapshot?: boolean
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
  await ctx.lockEnvironment('sources', 'ingest')
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
    follow: o.follow,
    resnapshot: o.resnapshot,
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

export interface CheckResult {
  source: string
  ok: boolean
  checks: CheckItem[]
}

/**
 * `models ingest check --source S [--apply]`: CDC prerequisites of one source, each missing one
 * with the SQL that fixes it; `--apply` runs those fixes, then checks again.
 */
export async function ingestCheckOperation(ctx: Context, o: { source?: string; apply?: boolean; secrets?: SecretChain }): Promise<CheckResult> {
  const sources = ctx.project.sources
  const source = o.source ? sources.find((s) => s.name === o.source) : sources.length === 1 ? sources[0] : undefined
  if (!source) {
    throw new EngineError('OPTION_INVALID', `${o.source ? `--source ${o.source}: no such source` : 'give --source'} (known: ${sources.map((s) => s.name).join(', ') || 'none — add sources/*.yaml'})`)
  }
  const secrets = o.secrets ?? new SecretChain()
  const client = await connectSource(source.name, await secrets.resolve(source.secret), (s) => secrets.redact(s))
  try {
    let checks = await checkCdc(client, source)
    if (o.apply && checks.some((c) => !c.ok && c.fix.length > 0)) {
      await applyFixes(client, checks)
      const applied = new Map(checks.map((c) => [c.id, c]))
      checks = (await checkCdc(client, source)).map((c) => ({ ...c, applied: applied.get(c.id)?.applied, applyError: applied.get(c.id)?.applyError }))
    }
    return { source: source.name, ok: checks.every((c) => c.ok), checks: checks.map((c) => (c.applyError ? { ...c, applyError: secrets.redact(c.applyError) } : c)) }
  } finally {
    await client.end().catch(() => undefined)
  }
}
