import type { Context } from '../context.js'

export interface ProjectInfo {
  project: string
  gateway: string
  dialect: string
  models: number
  externals: number
  edges: number
  byKind: Record<string, number>
  tags: Record<string, number>
}

/** Counts by kind and tag, and the DAG's size. */
export function infoOperation(ctx: Context): ProjectInfo {
  const byKind: Record<string, number> = {}
  const tags: Record<string, number> = {}
  let externals = 0
  for (const m of ctx.project.models.values()) {
    if (m.def.kind.name === 'EXTERNAL') {
      externals++
      continue
    }
    byKind[m.def.kind.name] = (byKind[m.def.kind.name] ?? 0) + 1
    for (const t of m.def.tags) tags[t] = (tags[t] ?? 0) + 1
  }
  return {
    project: ctx.project.dir,
    gateway: ctx.project.config.gatewayName,
    dialect: ctx.project.config.config.model_defaults.dialect,
    models: ctx.project.models.size - externals,
    externals,
    edges: ctx.project.dag.edges().length,
    byKind,
    tags: Object.fromEntries(Object.entries(tags).sort()),
  }
}
