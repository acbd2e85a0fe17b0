import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { resolveRelativeCsv } from '../project/relative-dates.js'
import { runAudits } from '../audits/run-audits.js'
import type { AuditResult } from '../audits/audit.js'
import type { EngineAdapter, WriteOptions } from '../engines/engine-adapter.js'
import { EngineError, QueryError } from '../errors.js'
import type { PlannedModel } from '../plan/plan.js'
import type { Project } from '../project/load-project.js'
import type { Interval } from '../snapshot/interval.js'
import { physicalTable } from '../snapshot/physical.js'
import type { StateStore } from '../state/state-store.js'
import type { SqlService } from '../sql/sql-service.js'
import { renderModelQuery, renderStatement, unquoteIdent, type RenderTarget } from './render-model.js'
import type { NodeAudit, NodeResult, RunReporter } from './run-result.js'

export interface EvaluatorContext {
  /** Id of the run, for audit records. */
  runId: string
  project: Project
  engine: EngineAdapter
  state: StateStore
  /** Record processed intervals (straight into state, or held until the run's writes are published). */
  addIntervals?: (version: string, intervals: Interval[]) => Promise<void>
  sql: SqlService
  /** Planned models by name, to resolve references to the versions this run targets. */
  planned: ReadonlyMap<string, PlannedModel>
  executionTime: number
  reporter?: RunReporter
}

/**
 * Materialize one planned model: build it whole, or run its batches in order. Each batch commits
 * in the warehouse first; only then is its interval recorded in state. Never throws: failures come
 * back as a failed NodeResult carrying the engine message and the SQL that failed.
 */
export async function evaluateModel(ctx: EvaluatorContext, pm: PlannedModel, signal: AbortSignal): Promise<NodeResult> {
  const started = Date.now()
  const action = pm.action
  const total = action.kind === 'backfill' ? action.batches.length : action.kind === 'build' ? 1 : 0
  const result = (status: NodeResult['status'], done: number, e?: unknown): NodeResult => ({
    name: pm.name,
    status,
    batchesDone: done,
    batchesTotal: total,
    durationMs: Date.now() - started,
    message: e === undefined ? undefined : e instanceof EngineError ? e.format() : e instanceof Error ? e.message : String(e),
    sql: e instanceof QueryError ? e.sql : undefined,
  })
  if (action.kind === 'none') return result('unchanged', 0)
  ctx.reporter?.onModelStart?.(pm.name, total)
  const model = ctx.project.models.get(pm.name)!
  const def = model.def
  const table = physicalTable(pm.name, pm.snapshot.version)
  const target = renderTarget(ctx, pm)
  const audits: AuditResult[] = []
  const record = async (found: readonly AuditResult[]): Promise<void> => {
    audits.push(...found)
    await ctx.state.recordAudits(
      found.map((a) => ({
        runId: ctx.runId,
        model: pm.name,
        version: pm.snapshot.version,
        fingerprint: pm.snapshot.fingerprint,
        audit: a.audit,
        blocking: a.blocking,
        status: a.status,
        count: a.count,
        interval: a.interval,
        at: Date.now(),
      })),
    )
  }
  /** Audits of the current write that passed (or failed non-blocking), recorded once it commits. */
  let pending: AuditResult[] = []
  /** Write-audit-publish: audits run inside the write's transaction; a blocking failure discards it. */
  const verifyFor = (interval: Interval, where: string | undefined): WriteOptions['verify'] => {
    if (def.audits.length === 0) return undefined
    return async (query) => {
      const found = await runAudits({
        model: pm.name,
        calls: def.audits,
        registry: ctx.project.audits,
        query,
        interval: def.kind.name === 'INCREMENTAL_BY_TIME_RANGE' ? interval : undefined,
        ctx: {
          thisModel: ctx.engine.quoteTable(table),
          where,
          engineDialect: ctx.engine.dialect,
          modelDialect: def.dialect,
          sql: ctx.sql,
          variables: ctx.project.config.variables,
          macros: ctx.project.macros,
          executionTime: ctx.executionTime,
          location: { file: def.file, line: def.line },
        },
      })
      const blocking = found.filter((a) => a.blocking && a.status === 'failed')
      if (blocking.length > 0) throw new AuditFailedError(pm.name, blocking, found)
      pending = found
    }
  }
  const layout = { partitionedBy: def.partitionedBy, sortedBy: def.grain }
  let done = 0
  try {
    await ctx.engine.createSchema(table.schema)
    for (const pre of def.preStatements) {
      await ctx.engine.execute(renderStatement(def, pre, def.queryLine, [0, 0], ctx.executionTime, target))
    }
    const kind = def.kind
    const intervals: Interval[] = action.kind === 'build' ? [action.interval] : action.batches
    for (const interval of intervals) {
      if (signal.aborted) return result('cancelled', done, new Error('run cancelled'))
      pending = []
      const whole = { signal, layout, verify: verifyFor(interval, undefined) }
      switch (kind.name) {
        case 'SEED': {
          const csv = resolve(ctx.project.dir, dirname(def.file), kind.path)
          await withResolvedSeed(csv, model.relativeDates === true, ctx.executionTime, (path) =>
            ctx.engine.loadCsv(table, path, def.columns.length > 0 ? def.columns : undefined, whole),
          )
          break
        }
        case 'VIEW':
          await ctx.engine.replaceView(table, renderModelQuery(def, model.parents, interval, ctx.executionTime, target), whole)
          break
        case 'FULL':
          await ctx.engine.replaceTable(table, renderModelQuery(def, model.parents, interval, ctx.executionTime, target), whole)
          break
        case 'INCREMENTAL_BY_TIME_RANGE': {
          const q = renderModelQuery(def, model.parents, interval, ctx.executionTime, target)
          const col = unquoteIdent(kind.timeColumn)
          const lo = ctx.engine.timestampLiteral(interval[0])
          const hi = ctx.engine.timestampLiteral(interval[1])
          const qc = ctx.engine.quoteIdent(col)
          await ctx.engine.createEmptyTable(table, q, { signal, layout })
          await ctx.engine.replaceWindow(
            table,
            q,
            { timeColumn: col, startLiteral: lo, endLiteral: hi },
            // Audit only the rows this batch wrote.
            { signal, layout, verify: verifyFor(interval, `${qc} >= ${lo} AND ${qc} < ${hi}`) },
          )
          break
        }
        case 'INCREMENTAL_BY_UNIQUE_KEY': {
          const q = renderModelQuery(def, model.parents, interval, ctx.executionTime, target)
          if (action.kind === 'build') {
            // A whole rebuild (restatement): merges are not idempotent, so replace the table.
            await ctx.engine.replaceTable(table, q, whole)
            break
          }
          await ctx.engine.createEmptyTable(table, q, { signal, layout })
          await ctx.engine.mergeByKey(table, q, kind.uniqueKey.map(unquoteIdent), whole)
          break
        }
        case 'EXTERNAL':
          break
        default: {
          const never: never = kind
          throw new Error(`unhandled kind ${String(never)}`)
        }
      }
      // The data is committed; now (and only now) record the interval and its audits.
      await (ctx.addIntervals ?? ((v, i) => ctx.state.addIntervals(v, i)))(pm.snapshot.version, [interval])
      await record(pending)
      done++
      ctx.reporter?.onBatchDone?.(pm.name, done, total, action.kind === 'backfill' ? interval : undefined)
    }
    return { ...result('succeeded', done), audits: summarizeAudits(audits) }
  } catch (e) {
    if (e instanceof AuditFailedError) {
      await record(e.results)
      return { ...result('failed', done, e), sql: e.failed[0]!.sql, audits: summarizeAudits(audits) }
    }
    if (e instanceof EngineError || e instanceof Error) return { ...result('failed', done, e), audits: summarizeAudits(audits) }
    return result('failed', done, new Error(String(e)))
  }
}

/** Load a seed as is, or with its run-relative cells (`now-3d`) resolved into a temporary copy. */
async function withResolvedSeed(csv: string, relative: boolean, now: number, load: (path: string) => Promise<void>): Promise<void> {
  if (!relative) return load(csv)
  const dir = await mkdtemp(join(tmpdir(), 'tributary-seed-'))
  try {
    const path = join(dir, basename(csv))
    await writeFile(path, resolveRelativeCsv(await readFile(csv, 'utf8'), now).text)
    await load(path)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A blocking audit failed: the write is rolled back and the model fails. */
export class AuditFailedError extends EngineError {
  constructor(
    readonly model: string,
    readonly failed: readonly AuditResult[],
    readonly results: readonly AuditResult[],
  ) {
    const parts = failed.map((a) => `${a.audit} (${a.count} bad row${a.count === 1 ? '' : 's'}, e.g. ${JSON.stringify(a.sample[0] ?? {})})`)
    super('AUDIT_FAILED', `blocking audit failed: ${parts.join('; ')}; the batch was not published`)
  }
}

function summarizeAudits(results: readonly AuditResult[]): NodeAudit[] | undefined {
  if (results.length === 0) return undefined
  return results.map((a) => ({ audit: a.audit, blocking: a.blocking, status: a.status, count: a.count, interval: a.interval }))
}

/** Resolve references: models to the physical table of the version this plan targets. */
function renderTarget(ctx: EvaluatorContext, pm: PlannedModel): RenderTarget {
  const q = (name: string, version: string): string => ctx.engine.quoteTable(physicalTable(name, version))
  return {
    engine: ctx.engine,
    sql: ctx.sql,
    variables: ctx.project.config.variables,
    macros: ctx.project.macros,
    thisModel: q(pm.name, pm.snapshot.version),
    resolve: (name) => {
      const p = ctx.planned.get(name)
      return p ? q(name, p.snapshot.version) : undefined
    },
  }
}
