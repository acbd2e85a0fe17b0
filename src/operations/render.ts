import type { Context } from '../context.js'
import { ProjectError } from '../errors.js'
import type { Dialect } from '../sql/dialect.js'
import { renderModelQuery } from '../run/render-model.js'
import { closeNames } from '../macros/suggest.js'

/**
 * The SQL a model runs for an interval, in the requested dialect, with references left as the
 * model names (what a user would paste into a console).
 */
export async function renderOperation(
  ctx: Context,
  model: string,
  o: { dialect: Dialect; start: number; end: number; now?: number },
): Promise<string> {
  const name = model.toLowerCase()
  const m = ctx.project.models.get(name)
  if (!m) {
    const near = closeNames(name, ctx.project.models.keys())
    throw new ProjectError('MODEL_NOT_FOUND', `unknown model '${model}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`)
  }
  if (m.def.kind.name === 'SEED' || m.def.kind.name === 'EXTERNAL') {
    throw new ProjectError('MODEL_INVALID', `model '${name}' is ${m.def.kind.name} and has no query`)
  }
  await ctx.sql.ready()
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`
  return renderModelQuery(m.def, m.parents, [o.start, o.end], o.now ?? Date.now(), {
    engine: {
      dialect: o.dialect,
      quoteIdent: quote,
      timestampLiteral: (ms) => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`,
    },
    sql: ctx.sql,
    variables: ctx.project.config.variables,
    macros: ctx.project.macros,
    thisModel: name,
    resolve: () => undefined,
  })
}
