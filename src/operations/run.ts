import type { Context } from '../context.js'
import type { Plan } from '../plan/plan.js'
import { checkEnvName } from '../plan/plan-environment.js'
import { applyPlan } from '../run/apply-plan.js'
import { verifyModels } from '../run/verify-models.js'
import type { RunReporter, RunResult } from '../run/run-result.js'
import { PlanError } from '../errors.js'
import type { TableOutcome } from '../ingest/ingest.js'
import { ingestOperation } from './ingest.js'
import { planOperation, type PlanOptions } from './plan.js'
import { buildSelection } from './selection.js'

export interface RunOptions extends PlanOptions {
  /** Do not sync the replicated sources the selected models read before running them. */
  noIngest?: boolean
  /** Progress of the source sync. */
  onIngest?: (o: TableOutcome) => void
  concurrency?: number
  reporter?: RunReporter
  signal?: AbortSignal
  command?: string
}

/** Plan an environment, then apply the plan on the gateway's engine. */
export async function runOperation(ctx: Context, o: RunOptions): Promise<{ plan: Plan; result: RunResult }> {
  checkEnvName(o.env)
  await ctx.lockEnvironment(o.env, o.command ?? 'run')
  if (!o.noIngest) await syncSources(ctx, o)
  const plan = await planOperation(ctx, o)
  await ctx.sql.ready()
  verifyModels(ctx.project, plan, ctx.sql)
  const result = await applyOnGateway(ctx, plan, { ...o, command: o.command ?? 'run' })
  return { plan, result }
}

/**
 * Sync the replicated source tables the selected models read (upstream of the selection), so a
 * run sees fresh data. A failed sync stops the run before anything is built.
 */
async function syncSources(ctx: Context, o: RunOptions): Promise<void> {
  if (ctx.project.sources.length === 0) return
  const selected = buildSelection(ctx, o.select) ?? new Set([...ctx.project.models.keys()])
  const isSource = (n: string): boolean => ctx.project.models.get(n)?.def.extra['source'] !== undefined
  const needed = [...new Set([...selected, ...ctx.project.dag.upstream(selected)])].filter(isSource)
  if (needed.length === 0) return
  const r = await ingestOperation(ctx, { tables: needed, onTableDone: o.onIngest })
  const bad = r.tables.filter((t) => t.status === 'failed')
  if (bad.length > 0) {
    throw new PlanError(
      'PLAN_INVALID',
      `syncing sources failed (${bad.map((t) => `${t.node}: ${t.message}`).join('; ')}); nothing was run (fix it, or pass --no-ingest to use the data already loaded)`,
    )
  }
}

/** Apply a plan on the context's engine, state and SQL service. */
export async function applyOnGateway(
  ctx: Context,
  plan: Plan,
  o: { command: string; concurrency?: number; reporter?: RunReporter; signal?: AbortSignal },
): Promise<RunResult> {
  const { engine, environments, beginWrite } = await ctx.engine()
  return applyPlan({
    project: ctx.project,
    plan,
    engine,
    environments,
    state: await ctx.state(),
    sql: ctx.sql,
    concurrency: o.concurrency ?? ctx.concurrency,
    command: o.command,
    reporter: o.reporter,
    signal: o.signal,
    beginWrite,
  })
}
