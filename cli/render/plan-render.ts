import type { Plan, PlannedModel } from '../../src/plan/plan.js'
import { planSummary } from '../../src/plan/plan.js'
import { fmtRange } from './format.js'
import { mergeIntervals } from '../../src/snapshot/intervals.js'

/** The JSON form of a plan (`models plan --json`): stable keys, ISO times. */
export function planToJson(plan: Plan): unknown {
  const s = planSummary(plan)
  const iso = (ms: number): string => new Date(ms).toISOString()
  return {
    env: plan.env,
    baseEnv: plan.baseEnv ?? null,
    now: iso(plan.now),
    changes: {
      added: s.added,
      removed: s.removed,
      directlyModified: s.directlyModified,
      indirectlyModified: s.indirectlyModified,
    },
    summary: { modelsToBuild: s.toBuild, batches: s.batches },
    pendingRestatements: (plan.pendingRestatements ?? []).map((r) => ({ ...r, startedAt: iso(r.startedAt) })),
    models: plan.models.map((m) => ({
      name: m.name,
      kind: m.snapshot.kind.name,
      version: m.snapshot.version,
      previousVersion: m.previousVersion ?? null,
      change: m.change ?? null,
      action:
        m.action.kind === 'backfill'
          ? {
              kind: 'backfill',
              batchCount: m.action.batches.length,
              intervals: mergeIntervals(m.action.batches).map(([a, b]) => ({ start: iso(a), end: iso(b) })),
            }
          : m.action.kind === 'build'
            ? { kind: 'build' }
            : { kind: 'none', reason: m.action.reason },
    })),
  }
}

/** The readable plan summary. */
export function planToText(plan: Plan): string {
  const s = planSummary(plan)
  const out: string[] = []
  const base = plan.baseEnv === plan.env ? '' : plan.baseEnv ? ` (new, from ${plan.baseEnv})` : ' (new)'
  out.push(`Plan for environment '${plan.env}'${base}`)
  const section = (title: string, items: string[]): void => {
    if (items.length === 0) return
    out.push('', `${title} (${items.length}):`)
    for (const i of items) out.push(`  ${i}`)
  }
  section('Added models', s.added)
  section('Removed models', s.removed)
  section(
    'Directly modified',
    s.directlyModified.map((m) => `${m.name} [${m.category}]`),
  )
  section(
    'Indirectly modified',
    s.indirectlyModified.map((m) => `${m.name} [${m.category}]`),
  )
  for (const r of plan.pendingRestatements ?? []) {
    out.push(
      '',
      `Pending restatement ${r.id} (by ${r.user}, started ${new Date(r.startedAt).toISOString()}) did not finish: its cleared intervals are still missing for ${r.models.join(', ')}. Re-run the same \`models restate\` command to finish it.`,
    )
  }
  const work = plan.models.filter((m) => m.action.kind !== 'none')
  out.push('')
  if (work.length === 0) {
    out.push('Nothing to do: every model is up to date.')
  } else {
    out.push(`Work (${work.length} models, ${s.batches} batches):`)
    const pending = new Set((plan.pendingRestatements ?? []).flatMap((r) => r.models))
    for (const m of work) out.push(`  ${describeWork(m)}${pending.has(m.name) ? ' (pending restatement)' : ''}`)
  }
  const shared = plan.models.filter((m) => m.action.kind === 'none' && m.action.reason === 'shared-with-prod').length
  if (shared > 0) out.push('', `${shared} unchanged models are read from prod's tables (never written from '${plan.env}').`)
  return out.join('\n')
}

function describeWork(m: PlannedModel): string {
  const a = m.action
  if (a.kind === 'build') return `${m.name}: ${m.snapshot.kind.name === 'VIEW' ? 'create view' : 'full build'}`
  if (a.kind === 'backfill') {
    const first = a.batches[0]!
    const last = a.batches[a.batches.length - 1]!
    const span = fmtRange([first[0], last[1]])
    return `${m.name}: ${a.batches.length} batch${a.batches.length === 1 ? '' : 'es'} ${span}`
  }
  return m.name
}
