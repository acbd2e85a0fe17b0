import type { Context } from '../context.js'
import type { Plan } from '../plan/plan.js'
import { checkEnvName } from '../plan/plan-environment.js'
import { applyPlan } from '../run/apply-plan.js'
import { verifyModels } from '../run/verify-models.js'
import type { RunReporter, RunResult } from '../run/run-result.js'
import { planOperation, type PlanOptions } from './plan.js'

export interface RunOptions extends PlanOptions {
  concurrency?: number
  reporter?: RunReporter
  signal?: AbortSignal
  command?: string
}

/** Plan an environment, then apply the plan on the gateway's engine. */
export async function runOperation(ctx: Context, o: RunOptions): Promise<{ plan: Plan; result: RunResult }> {
  checkEnvName(o.env)
  ctx.lockEnvironment(o.env, o.command ?? 'run')
  const plan = await planOperation(ctx, o)
  await ctx.sql.ready()
  verifyModels(ctx.project, plan, ctx.sql)
  const result = await applyOnGateway(ctx, plan, { ...o, command: o.command ?? 'run' })
  return { plan, result }
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
