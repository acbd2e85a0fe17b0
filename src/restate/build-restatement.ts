import { PlanError } from '../errors.js'
import type { Dag } from '../dag/graph.js'
import type { LoadedModel } from '../project/load-project.js'
import type { Interval } from '../snapshot/interval.js'
import { mergeIntervals, subtractIntervals } from '../snapshot/intervals.js'
import type { EnvironmentRecord, Snapshot } from '../snapshot/snapshot.js'

/** What a restatement does to one model. */
export interface RestateTarget {
  name: string
  /** `selected`, or `downstream of <selected model>`. */
  why: string
  snapshot: Snapshot
  /** True for kinds that cannot be partially restated (FULL, VIEW, SEED, unique key): rebuilt whole. */
  full: boolean
  /** Processed ranges that will be cleared and recomputed (for `full`, everything processed). */
  intervals: Interval[]
  /** Why the model is left alone, when it is. */
  skipped?: string
}

export interface RestatementInput {
  env: string
  models: ReadonlyMap<string, LoadedModel>
  dag: Pick<Dag<unknown>, 'downstream' | 'upstream' | 'topoOrder'>
  /** Project fingerprints: the project must match the environment for every affected model. */
  fingerprints: ReadonlyMap<string, string>
  envRecord: EnvironmentRecord
  snapshots: ReadonlyMap<string, Snapshot>
  intervals: ReadonlyMap<string, readonly Interval[]>
  /** Versions prod points to: never written from another environment. */
  prodVersions: ReadonlySet<string>
  selected: ReadonlySet<string>
  start?: number
  end?: number
}

/**
 * Resolve a restatement: the selected models and everything downstream of them (never upstream),
 * each with the processed intervals to recompute. Only intervals the environment has already
 * processed are restated (catch-up only). Pure.
 * @throws PlanError when a selected model is not in the environment or has unapplied changes.
 */
export function buildRestatement(i: RestatementInput): RestateTarget[] {
  for (const name of i.selected) {
    const m = i.models.get(name)
    if (m?.def.kind.name !== 'EXTERNAL' && !i.envRecord.snapshots[name]) {
      throw new PlanError('PLAN_INVALID', `model '${name}' is not in environment '${i.env}' yet; run \`models run ${i.env}\` first`)
    }
  }
  const affected = new Set([...i.selected, ...i.dag.downstream(i.selected)])
  const range: Interval = [i.start ?? Number.NEGATIVE_INFINITY, i.end ?? Number.POSITIVE_INFINITY]
  const out: RestateTarget[] = []
  for (const name of i.dag.topoOrder()) {
    if (!affected.has(name)) continue
    const m = i.models.get(name)!
    if (m.def.kind.name === 'EXTERNAL') continue
    const fp = i.envRecord.snapshots[name]
    const snapshot = fp ? i.snapshots.get(fp) : undefined
    if (!snapshot) continue // downstream but not in this environment yet
    if (i.fingerprints.get(name) !== snapshot.fingerprint) {
      throw new PlanError(
        'PLAN_INVALID',
        `model '${name}' (${m.def.file}) has changes not applied to '${i.env}': run \`models run ${i.env}\` first, then restate`,
      )
    }
    const why = i.selected.has(name) ? 'selected' : `downstream of ${firstSelectedAncestor(i, name)}`
    const kind = snapshot.kind.name
    const full = kind !== 'INCREMENTAL_BY_TIME_RANGE'
    const processed = mergeIntervals(i.intervals.get(snapshot.version) ?? [])
    const intervals = full ? processed : intersect(processed, range)
    let skipped: string | undefined
    if (i.env !== 'prod' && i.prodVersions.has(snapshot.version)) skipped = `shares prod's table (read-only from '${i.env}')`
    else if (intervals.length === 0) skipped = full ? 'never built' : 'no processed intervals in the range'
    out.push({ name, why, snapshot, full, intervals, ...(skipped ? { skipped } : {}) })
  }
  return out
}

function firstSelectedAncestor(i: RestatementInput, name: string): string {
  const up = i.dag.upstream([name])
  return i.dag.topoOrder().find((n) => up.has(n) && i.selected.has(n)) ?? '?'
}

/** `list ∩ [a, b)`. */
function intersect(list: readonly Interval[], [a, b]: Interval): Interval[] {
  const outside: Interval[] = []
  if (Number.isFinite(a)) outside.push([Number.MIN_SAFE_INTEGER, a])
  if (Number.isFinite(b)) outside.push([b, Number.MAX_SAFE_INTEGER])
  return subtractIntervals(list, outside)
}
