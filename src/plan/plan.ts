import type { Interval } from '../snapshot/interval.js'
import type { ChangeCategory, Snapshot } from '../snapshot/snapshot.js'

/** What the runner does for one model. */
export type ModelAction =
  /** Nothing to do: up to date, or shared with prod and read-only from this environment. */
  | { kind: 'none'; reason: 'up-to-date' | 'shared-with-prod' | 'external' | 'not-selected' }
  /** Create or replace the whole object (VIEW, FULL, SEED). */
  | { kind: 'build'; interval: Interval }
  /** Run these batches in order (INCREMENTAL_BY_TIME_RANGE, INCREMENTAL_BY_UNIQUE_KEY). */
  | { kind: 'backfill'; batches: Interval[] }

/** One model's entry in a plan. */
export interface PlannedModel {
  name: string
  snapshot: Snapshot
  /** Change against the environment, if any. */
  change?:
    | { type: 'added' }
    | { type: 'direct'; category: ChangeCategory }
    | { type: 'indirect'; category: ChangeCategory; from: string[] }
  /** The version the environment had before, if it changes. */
  previousVersion?: string
  action: ModelAction
}

/** The result of planning an environment. Pure data: nothing was written to make it. */
export interface Plan {
  env: string
  /** The environment the plan started from (the env itself, or prod for a new dev env). */
  baseEnv: string | undefined
  /** Revision of the environment record the plan was built against (compare-and-set on apply). */
  envRevision: number | undefined
  now: number
  /** Models in topological order (externals excluded). */
  models: PlannedModel[]
  /** Models in the environment that the project no longer has. */
  removed: string[]
  /** Snapshots not yet in state. */
  newSnapshots: Snapshot[]
  /** Restatements of this environment that were interrupted: their cleared intervals are still missing. */
  pendingRestatements?: Array<{ id: string; user: string; startedAt: number; models: string[] }>
}

/** Summary counts of a plan, for printing. */
export function planSummary(plan: Plan): {
  added: string[]
  removed: string[]
  directlyModified: Array<{ name: string; category: ChangeCategory }>
  indirectlyModified: Array<{ name: string; category: ChangeCategory }>
  toBuild: number
  batches: number
} {
  const added: string[] = []
  const direct: Array<{ name: string; category: ChangeCategory }> = []
  const indirect: Array<{ name: string; category: ChangeCategory }> = []
  let toBuild = 0
  let batches = 0
  for (const m of plan.models) {
    if (m.change?.type === 'added') added.push(m.name)
    else if (m.change?.type === 'direct') direct.push({ name: m.name, category: m.change.category })
    else if (m.change?.type === 'indirect') indirect.push({ name: m.name, category: m.change.category })
    if (m.action.kind === 'build') {
      toBuild++
      batches++
    } else if (m.action.kind === 'backfill') {
      toBuild++
      batches += m.action.batches.length
    }
  }
  return { added, removed: plan.removed, directlyModified: direct, indirectlyModified: indirect, toBuild, batches }
}
