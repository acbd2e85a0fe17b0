import { createHash } from 'node:crypto'
import type { LoadedModel } from '../project/load-project.js'
import type { Interval } from '../snapshot/interval.js'
import {
  addUnits,
  batchRanges,
  floorToUnit,
  intervalUnitFromCron,
  lastCompleteEnd,
  missingRanges,
} from '../snapshot/intervals.js'
import type { ChangeCategory, EnvironmentRecord, Snapshot } from '../snapshot/snapshot.js'
import { parseDateInput } from '../util/dates.js'
import type { ModelAction, Plan, PlannedModel } from './plan.js'

/** Everything the planner needs, fetched beforehand: the planner itself does no I/O. */
export interface PlanInput {
  env: string
  /** Project models (externals included), and their names in topological order. */
  models: ReadonlyMap<string, LoadedModel>
  order: readonly string[]
  /** Fingerprints from `computeFingerprints`. */
  fingerprints: ReadonlyMap<string, string>
  /** The environment's own record, if it exists. */
  envRecord: EnvironmentRecord | undefined
  /** The record changes are measured against: the env's own, or prod's for a new environment. */
  baseRecord: EnvironmentRecord | undefined
  /** Snapshots by fingerprint: those of `baseRecord` and those of the project already in state. */
  snapshots: ReadonlyMap<string, Snapshot>
  /** Processed intervals by version. */
  intervals: ReadonlyMap<string, readonly Interval[]>
  /** Versions prod points to; read-only from any other environment. */
  prodVersions: ReadonlySet<string>
  now: number
  /** Limit backfill to [start, end) (epoch ms). */
  range?: { start?: number; end?: number }
  /** Only these models get work; undefined = all. */
  selected?: ReadonlySet<string>
  /** Project default start when a model has none. */
  defaultStart?: string
  /**
   * The engine stores VIEW models as tables (Trino's Nessie catalog has no views): rebuild a view
   * whenever one of its parents gets new data in this plan, so it never goes stale.
   */
  materializeViews?: boolean
}

const sha = (parts: unknown): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex')

/** Fingerprint of every non-external model: own hashes plus the parents' fingerprints, in DAG order. */
export function computeFingerprints(models: ReadonlyMap<string, LoadedModel>, order: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of order) {
    const m = models.get(name)!
    if (m.def.kind.name === 'EXTERNAL') {
      out.set(name, sha(['external', name, m.dataHash]))
      continue
    }
    const parents = m.parents.map((p) => [p, out.get(p) ?? `ext:${p}`])
    out.set(name, sha([m.dataHash, m.metadataHash, parents]))
  }
  return out
}

/** Build the plan for one environment. Pure: same input, same plan. */
export function buildPlan(input: PlanInput): Plan {
  const { models, order, fingerprints, baseRecord, snapshots } = input
  const planned = new Map<string, PlannedModel>()
  const newSnapshots: Snapshot[] = []
  /** Models whose change forces their children to rebuild. */
  const breaking = new Set<string>()

  for (const name of order) {
    const m = models.get(name)!
    if (m.def.kind.name === 'EXTERNAL') continue
    const fingerprint = fingerprints.get(name)!
    const baseFp = baseRecord?.snapshots[name]
    const base = baseFp ? snapshots.get(baseFp) : undefined
    const known = snapshots.get(fingerprint)
    if (input.selected && !input.selected.has(name)) {
      // Not selected: the environment keeps what it has; children read that version.
      const keep = base ?? known
      if (keep) planned.set(name, { name, snapshot: keep, action: { kind: 'none', reason: 'not-selected' } })
      continue
    }
    let change: PlannedModel['change']
    let version: string
    let category: Snapshot['category']

    const changedParents = m.parents.filter((p) => planned.get(p)?.change)
    const breakingParents = m.parents.filter((p) => breaking.has(p))
    if (base && base.fingerprint === fingerprint) {
      version = base.version
    } else if (!base) {
      change = { type: 'added' }
      category = 'added'
      version = known?.version ?? fingerprint.slice(0, 16)
      breaking.add(name)
    } else {
      let cat: ChangeCategory
      if (base.dataHash !== m.dataHash) {
        cat = isNonBreaking(base, m) ? 'non-breaking' : 'breaking'
        change = { type: 'direct', category: cat }
      } else if (breakingParents.length > 0 || (m.def.kind.name === 'VIEW' && parentVersionChanged(m, planned))) {
        cat = 'breaking'
        change = { type: 'indirect', category: cat, from: changedParents }
      } else if (base.metadataHash !== m.metadataHash) {
        cat = 'metadata'
        change = { type: 'direct', category: cat }
      } else {
        cat = 'non-breaking'
        change = { type: 'indirect', category: cat, from: changedParents }
      }
      category = cat
      if (cat === 'breaking') breaking.add(name)
      const keepTable = cat === 'metadata' || (change.type === 'indirect' && cat === 'non-breaking')
      version = known?.version ?? (keepTable ? base.version : fingerprint.slice(0, 16))
    }
    const snapshot: Snapshot = known ?? {
      name,
      fingerprint,
      version,
      dataHash: m.dataHash,
      metadataHash: m.metadataHash,
      parents: m.parents,
      kind: m.def.kind,
      dialect: m.def.dialect,
      cron: m.def.cron,
      start: m.def.start ?? input.defaultStart,
      file: m.def.file,
      columns: m.analysis?.columns,
      projectionHashes: m.analysis?.projectionHashes,
      bodyHash: m.analysis?.bodyHash,
      category,
      createdAt: input.now,
    }
    if (!known) newSnapshots.push(snapshot)
    const refreshView =
      input.materializeViews === true &&
      m.parents.some((p) => {
        const a = planned.get(p)?.action
        return a !== undefined && a.kind !== 'none'
      })
    const action = actionFor(input, m, snapshot, refreshView)
    planned.set(name, {
      name,
      snapshot,
      change,
      previousVersion: base && base.version !== snapshot.version ? base.version : undefined,
      action,
    })
  }
  const removed = input.selected
    ? []
    : Object.keys(input.envRecord?.snapshots ?? baseRecord?.snapshots ?? {})
    .filter((n) => !planned.has(n))
    .sort()
  return {
    env: input.env,
    baseEnv: input.envRecord ? input.env : baseRecord ? 'prod' : undefined,
    envRevision: input.envRecord?.revision,
    now: input.now,
    models: [...planned.values()],
    removed,
    newSnapshots,
  }
}

/** Non-breaking: same query body, and every old projection is still there (columns only added). */
function isNonBreaking(base: Snapshot, m: LoadedModel): boolean {
  const a = m.analysis
  if (!a || !base.projectionHashes || base.bodyHash === undefined) return false
  if (base.kind.name !== m.def.kind.name || JSON.stringify(base.kind) !== JSON.stringify(m.def.kind)) return false
  if (a.bodyHash !== base.bodyHash) return false
  const now = new Set(a.projectionHashes)
  return base.projectionHashes.every((p) => now.has(p)) && a.projectionHashes.length > base.projectionHashes.length
}

/** A view reads its parents' physical tables directly, so any parent table change re-creates it. */
function parentVersionChanged(m: LoadedModel, planned: ReadonlyMap<string, PlannedModel>): boolean {
  return m.parents.some((p) => planned.get(p)?.previousVersion !== undefined)
}

function actionFor(input: PlanInput, m: LoadedModel, s: Snapshot, refreshView: boolean): ModelAction {
  if (input.env !== 'prod' && input.prodVersions.has(s.version)) return { kind: 'none', reason: 'shared-with-prod' }
  const unit = intervalUnitFromCron(s.cron)
  const processed = input.intervals.get(s.version) ?? []
  const startText = m.def.start ?? input.defaultStart
  let start = startText ? floorToUnit(parseDateInput(startText, input.now), unit) : floorToUnit(input.now, unit)
  let end = lastCompleteEnd(unit, input.now)
  if (m.def.end) end = Math.min(end, addUnits(floorToUnit(parseDateInput(m.def.end, input.now), unit), unit, 1))
  const kind = s.kind
  switch (kind.name) {
    case 'VIEW':
      return processed.length === 0 || refreshView ? { kind: 'build', interval: [start, Math.max(start, end)] } : upToDate()
    case 'SEED':
    case 'FULL': {
      // A seed with run-relative dates (`now-3d`) is reloaded every cron interval, like FULL.
      if (kind.name === 'SEED' && !m.relativeDates) {
        return processed.length === 0 ? { kind: 'build', interval: [start, Math.max(start, end)] } : upToDate()
      }
      const covered = processed.length > 0 ? processed[processed.length - 1]![1] : -Infinity
      if (processed.length > 0 && covered >= end) return upToDate()
      return { kind: 'build', interval: [start, Math.max(start, end)] }
    }
    case 'INCREMENTAL_BY_TIME_RANGE':
    case 'INCREMENTAL_BY_UNIQUE_KEY': {
      if (input.range?.start !== undefined) start = Math.max(start, floorToUnit(input.range.start, unit))
      if (input.range?.end !== undefined) end = Math.min(end, input.range.end)
      if (end <= start) return upToDate()
      const lookback = kind.name === 'INCREMENTAL_BY_TIME_RANGE' ? kind.lookback : 0
      const missing = missingRanges({ start, end, unit, processed, lookback })
      if (missing.length === 0) return upToDate()
      return { kind: 'backfill', batches: batchRanges(missing, unit, kind.batchSize) }
    }
    case 'EXTERNAL':
      return { kind: 'none', reason: 'external' }
    default: {
      const never: never = kind
      return never
    }
  }
}

function upToDate(): ModelAction {
  return { kind: 'none', reason: 'up-to-date' }
}
