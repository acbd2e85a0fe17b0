import type { Context } from '../context.js'
import { buildSelection } from './selection.js'

export interface DagNode {
  name: string
  kind: string
  file: string
  parents: string[]
  tags: string[]
}

/** The DAG (or the selected part of it), in topological order. */
export function dagOperation(ctx: Context, select?: readonly string[]): DagNode[] {
  const selected = buildSelection(ctx, select)
  const out: DagNode[] = []
  for (const name of ctx.project.dag.topoOrder()) {
    if (selected && !selected.has(name)) continue
    const m = ctx.project.models.get(name)!
    out.push({
      name,
      kind: m.def.kind.name,
      file: m.def.file,
      parents: m.parents.filter((p) => !selected || selected.has(p) || !ctx.project.models.has(p)),
      tags: m.def.tags,
    })
  }
  return out
}

/** Graphviz dot text for a DAG. */
export function dagToDot(nodes: readonly DagNode[]): string {
  const q = (s: string): string => `"${s.replace(/"/g, '\\"')}"`
  const lines = ['digraph models {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];']
  for (const n of nodes) lines.push(`  ${q(n.name)} [label=${q(`${n.name}\\n${n.kind}`)}];`)
  for (const n of nodes) for (const p of n.parents) lines.push(`  ${q(p)} -> ${q(n.name)};`)
  lines.push('}')
  return lines.join('\n')
}
