import type { Context } from '../context.js'
import { PlanError } from '../errors.js'
import { checkEnvName, requireEnvironment } from '../plan/plan-environment.js'

export interface InvalidateOutcome {
  env: string
  /** Models the environment exposed. */
  models: string[]
}

/**
 * `models invalidate ENV`: remove a development environment — its public names (DuckDB views; on
 * Trino its Nessie branch and catalog) and its record in state. Physical tables stay: prod or other
 * environments may share them. Prod cannot be invalidated.
 */
export async function invalidateOperation(ctx: Context, o: { env: string }): Promise<InvalidateOutcome> {
  checkEnvName(o.env)
  if (o.env === 'prod') throw new PlanError('ENV_INVALID', "prod cannot be invalidated (it is what consumers read); use `models restate` to rebuild it")
  await ctx.lockEnvironment(o.env, 'invalidate')
  const state = await ctx.state()
  const record = await requireEnvironment(state, o.env)
  const models = Object.keys(record.snapshots).sort()
  const { environments } = await ctx.engine()
  await environments.dropEnvironment(o.env, models)
  await state.deleteEnvironment(o.env, record.revision)
  return { env: o.env, models }
}
