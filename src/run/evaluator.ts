import { dirname, resolve } from 'node:path'
import type { EngineAdapter } from '../engines/engine-adapter.js'
import { EngineError, QueryError } from '../errors.js'
import type { PlannedModel } from '../plan/plan.js'
import type { Project } from '../project/load-project.js'
import type { Interval } from '../snapshot/interval.js'
import { physicalTable } from '../snapshot/physical.js'
import type { StateStore } from '../state/state-store.js'
import type { SqlService } from '../sql/sql-service.js'
import { renderModelQuery, renderStatement, unquoteIdent, type RenderTarget } from './render-model.js'
import type { NodeResult, RunReporter } from './run-result.js'

export interface EvaluatorContext {
  project: Project
  engine: EngineAdapter
  state: StateStore
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
      switch (kind.name) {
        case 'SEED': {
          const csv = resolve(ctx.project.dir, dirname(def.file), kind.path)
          await ctx.engine.loadCsv(table, csv, def.columns.length > 0 ? def.columns : undefined)
          break
        }
        case 'VIEW':
          await ctx.engine.replaceView(table, renderModelQuery(def, model.parents, interval, ctx.executionTime, target))
          break
        case 'FULL':
          await ctx.engine.replaceTable(table, renderModelQuery(def, model.parents, interval, ctx.executionTime, target), { signal })
          break
        case 'INCREMENTAL_BY_TIME_RANGE': {
          const q = renderModelQuery(def, model.parents, interval, ctx.executionTime, target)
          await ctx.engine.createEmptyTable(table, q, { signal })
          await ctx.engine.replaceWindow(
            table,
            q,
            {
              timeColumn: unquoteIdent(kind.timeColumn),
              startLiteral: ctx.engine.timestampLiteral(interval[0]),
              endLiteral: ctx.engine.timestampLiteral(interval[1]),
            },
            { signal },
          )
          break
        }
        case 'INCREMENTAL_BY_UNIQUE_KEY': {
          const q = renderModelQuery(def, model.parents, interval, ctx.executionTime, target)
          await ctx.engine.createEmptyTable(table, q, { signal })
          await ctx.engine.mergeByKey(table, q, kind.uniqueKey.map(unquoteIdent), { signal })
          break
        }
        case 'EXTERNAL':
          break
        default: {
          const never: never = kind
          throw new Error(`unhandled kind ${String(never)}`)
        }
      }
      // The data is committed; now (and only now) record the interval.
      await ctx.state.addIntervals(pm.snapshot.version, [interval])
      done++
      ctx.reporter?.onBatchDone?.(pm.name, done, total, action.kind === 'backfill' ? interval : undefined)
    }
    return result('succeeded', done)
  } catch (e) {
    if (e instanceof EngineError || e instanceof Error) return result('failed', done, e)
    return result('failed', done, new Error(String(e)))
  }
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
