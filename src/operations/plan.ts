import type { Context } from '../context.js'
import { buildSelection } from './selection.js'
import { planEnvironment } from '../plan/plan-environment.js'
import type { Plan } from '../plan/plan.js'

export interface PlanOptions {
  env: string
  now?: number
  start?: number
  end?: number
  select?: readonly string[]
  mustExist?: boolean
}

/** Plan an environment against state. Reads state; writes nothing. */
export async function planOperation(ctx: Context, o: PlanOptions): Promise<Plan> {
  const state = await ctx.state()
  return planEnvironment(ctx.project, state, {
    env: o.env,
    now: o.now ?? Date.now(),
    range: o.start !== undefined || o.end !== undefined ? { start: o.start, end: o.end } : undefined,
    selected: buildSelection(ctx, o.select),
    mustExist: o.mustExist,
  })
}
