import type { Context } from '../context.js'
import { selectModels } from '../selection/select-models.js'

/** Resolve `--select` values against the project; undefined when nothing was given. */
export function buildSelection(ctx: Context, select: readonly string[] | undefined): Set<string> | undefined {
  if (!select || select.length === 0) return undefined
  const models = new Map<string, { name: string; tags: readonly string[] }>()
  for (const [name, m] of ctx.project.models) models.set(name, { name, tags: m.def.tags })
  return selectModels(select, models, ctx.project.dag)
}
