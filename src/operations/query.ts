import type { Context } from '../context.js'
import type { Row } from '../engines/engine-adapter.js'
import { checkEnvName, requireEnvironment } from '../plan/plan-environment.js'
import { transpileTo } from '../run/render-model.js'

/**
 * Run a read query against an environment. The query is written in the project's default dialect
 * and transpiled like a model; model names resolve to the environment's tables.
 */
export async function queryOperation(ctx: Context, sqlText: string, o: { env: string }): Promise<Row[]> {
  checkEnvName(o.env)
  const state = await ctx.state()
  // prod before its first run still has the replicated source tables to read.
  const env = o.env === 'prod' && ctx.project.sources.length > 0 ? ((await state.getEnvironment('prod')) ?? { snapshots: {} as Record<string, string> }) : await requireEnvironment(state, o.env)
  const { engine, environments } = await ctx.engine()
  const dialect = ctx.project.config.config.model_defaults.dialect
  let sql = transpileTo(ctx.sql, sqlText, dialect, engine.dialect)
  if (o.env !== 'prod') {
    const analysis = ctx.sql.analyze(sql, engine.dialect)
    const mapping = new Map<string, string>()
    for (const t of analysis.tables) {
      if (env.snapshots[t]) mapping.set(t, engine.quoteTable(environments.publicName(o.env, t)))
    }
    if (mapping.size > 0) sql = ctx.sql.replaceTables(sql, engine.dialect, mapping)
  }
  return engine.query(sql)
}
