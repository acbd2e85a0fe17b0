import { describe, expect, it } from 'vitest'
import { buildPlan, computeFingerprints, type PlanInput } from '../../../src/plan/build-plan.js'
import type { LoadedModel } from '../../../src/project/load-project.js'
import type { ModelDefinition, ModelKind } from '../../../src/project/model.js'
import type { Interval } from '../../../src/snapshot/interval.js'
import type { EnvironmentRecord, Snapshot } from '../../../src/snapshot/snapshot.js'

const DAY = 86_400_000
const T0 = Date.UTC(2024, 0, 1)
const NOW = T0 + 10 * DAY + 3_600_000 // 2024-01-11 01:00

function model(name: string, kind: ModelKind, parents: string[], o: { data?: string; meta?: string; proj?: string[]; body?: string } = {}): LoadedModel {
  const def: ModelDefinition = {
    name,
    kind,
    file: `models/${name}.sql`,
    line: 1,
    dialect: 'trino',
    cron: '@daily',
    start: '2024-01-01',
    tags: [],
    grain: [],
    partitionedBy: [],
    columns: [],
    columnDescriptions: {},
    audits: [],
    dependsOn: [],
    enabled: true,
    extra: {},
    preStatements: [],
    query: 'SELECT 1',
    queryLine: 2,
    defs: [],
  }
  return {
    def,
    parents,
    analysis: { tables: parents, columns: undefined, canonicalHash: o.data ?? 'q', projectionHashes: o.proj ?? ['p1'], bodyHash: o.body ?? 'b' },
    dataHash: `${name}:${o.data ?? 'q'}`,
    metadataHash: o.meta ?? 'm',
  }
}

const INC: ModelKind = { name: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day', batchSize: 4, lookback: 0, forwardOnly: false, extra: {} }

function project(overrides: Partial<Record<string, LoadedModel>> = {}): Map<string, LoadedModel> {
  const base: Record<string, LoadedModel> = {
    'a.src': model('a.src', { name: 'FULL' }, []),
    'a.inc': model('a.inc', INC, ['a.src']),
    'a.mart': model('a.mart', { name: 'FULL' }, ['a.inc']),
    'a.view': model('a.view', { name: 'VIEW' }, ['a.inc']),
  }
  return new Map(Object.entries({ ...base, ...overrides }) as Array<[string, LoadedModel]>)
}
const ORDER = ['a.src', 'a.inc', 'a.mart', 'a.view']

/** Plan, then "apply" it fully in memory, returning the state after. */
function planAndApply(models: Map<string, LoadedModel>, state: FakeState, env = 'prod', extra: Partial<PlanInput> = {}) {
  const fingerprints = computeFingerprints(models, ORDER)
  const envRecord = state.envs.get(env)
  const prod = state.envs.get('prod')
  const plan = buildPlan({
    env,
    models,
    order: ORDER,
    fingerprints,
    envRecord,
    baseRecord: envRecord ?? prod,
    snapshots: state.snapshots,
    intervals: state.intervals,
    prodVersions: new Set(Object.values(prod?.snapshots ?? {}).map((fp) => state.snapshots.get(fp)!.version)),
    now: NOW,
    ...extra,
  })
  for (const s of plan.newSnapshots) state.snapshots.set(s.fingerprint, s)
  for (const m of plan.models) {
    const done: Interval[] = m.action.kind === 'backfill' ? m.action.batches : m.action.kind === 'build' ? [m.action.interval] : []
    state.intervals.set(m.snapshot.version, [...(state.intervals.get(m.snapshot.version) ?? []), ...done])
  }
  const snaps: Record<string, string> = { ...(envRecord ?? prod)?.snapshots }
  for (const m of plan.models) snaps[m.name] = m.snapshot.fingerprint
  state.envs.set(env, { name: env, snapshots: snaps, revision: 1, updatedAt: NOW })
  return plan
}

interface FakeState {
  envs: Map<string, EnvironmentRecord>
  snapshots: Map<string, Snapshot>
  intervals: Map<string, Interval[]>
}
const fresh = (): FakeState => ({ envs: new Map(), snapshots: new Map(), intervals: new Map() })
const byName = (plan: ReturnType<typeof buildPlan>) => Object.fromEntries(plan.models.map((m) => [m.name, m]))

describe('buildPlan', () => {
  it('adds everything for a new environment and batches the missing intervals', () => {
    const plan = planAndApply(project(), fresh())
    const m = byName(plan)
    expect(plan.models.map((x) => x.change?.type)).toEqual(['added', 'added', 'added', 'added'])
    expect(m['a.src']!.action.kind).toBe('build')
    const inc = m['a.inc']!.action
    expect(inc.kind).toBe('backfill')
    // 10 complete days (Jan 1..10) in batches of 4: 4 + 4 + 2
    expect(inc.kind === 'backfill' && inc.batches.map(([a, b]) => (b - a) / DAY)).toEqual([4, 4, 2])
    expect(inc.kind === 'backfill' && inc.batches[0]![0]).toBe(T0)
    expect(inc.kind === 'backfill' && inc.batches[2]![1]).toBe(T0 + 10 * DAY)
  })

  it('has nothing to do when nothing changed', () => {
    const state = fresh()
    planAndApply(project(), state)
    const plan = planAndApply(project(), state)
    expect(plan.models.every((m) => m.action.kind === 'none' && m.change === undefined)).toBe(true)
    expect(plan.newSnapshots).toEqual([])
  })

  it('a non-breaking change rebuilds the model; downstream tables keep their version', () => {
    const state = fresh()
    const first = byName(planAndApply(project(), state))
    const changed = project({ 'a.inc': model('a.inc', INC, ['a.src'], { data: 'q2', proj: ['p1', 'p2'] }) })
    const plan = byName(planAndApply(changed, state))
    expect(plan['a.inc']!.change).toEqual({ type: 'direct', category: 'non-breaking' })
    expect(plan['a.inc']!.snapshot.version).not.toBe(first['a.inc']!.snapshot.version)
    expect(plan['a.inc']!.action.kind).toBe('backfill')
    expect(plan['a.mart']!.change).toEqual({ type: 'indirect', category: 'non-breaking', from: ['a.inc'] })
    expect(plan['a.mart']!.snapshot.version).toBe(first['a.mart']!.snapshot.version)
    expect(plan['a.mart']!.action.kind).toBe('none')
    // A view reads its parent's physical table directly, so it is re-created.
    expect(plan['a.view']!.change).toMatchObject({ type: 'indirect', category: 'breaking' })
    expect(plan['a.src']!.change).toBeUndefined()
  })

  it('a breaking change rebuilds everything downstream', () => {
    const state = fresh()
    const first = byName(planAndApply(project(), state))
    const changed = project({ 'a.inc': model('a.inc', INC, ['a.src'], { data: 'q2', body: 'b2' }) })
    const plan = byName(planAndApply(changed, state))
    expect(plan['a.inc']!.change).toEqual({ type: 'direct', category: 'breaking' })
    expect(plan['a.mart']!.change).toMatchObject({ type: 'indirect', category: 'breaking' })
    expect(plan['a.mart']!.snapshot.version).not.toBe(first['a.mart']!.snapshot.version)
    expect(plan['a.mart']!.action.kind).toBe('build')
  })

  it('a metadata-only change keeps the table and builds nothing', () => {
    const state = fresh()
    const first = byName(planAndApply(project(), state))
    const plan = byName(planAndApply(project({ 'a.mart': model('a.mart', { name: 'FULL' }, ['a.inc'], { meta: 'm2' }) }), state))
    expect(plan['a.mart']!.change).toEqual({ type: 'direct', category: 'metadata' })
    expect(plan['a.mart']!.snapshot.version).toBe(first['a.mart']!.snapshot.version)
    expect(plan['a.mart']!.action.kind).toBe('none')
  })

  it('a new dev environment starts from prod and never writes prod tables', () => {
    const state = fresh()
    planAndApply(project(), state)
    const changed = project({ 'a.mart': model('a.mart', { name: 'FULL' }, ['a.inc'], { data: 'q2', body: 'b2' }) })
    const plan = planAndApply(changed, state, 'dev')
    const m = byName(plan)
    expect(plan.baseEnv).toBe('prod')
    expect(m['a.inc']!.action).toEqual({ kind: 'none', reason: 'shared-with-prod' })
    expect(m['a.mart']!.change).toEqual({ type: 'direct', category: 'breaking' })
    expect(m['a.mart']!.action.kind).toBe('build')
    // prod is unaffected
    expect(byName(planAndApply(project(), state))['a.mart']!.action.kind).toBe('none')
  })

  it('only plans the intervals that are missing, with lookback', () => {
    const state = fresh()
    planAndApply(project(), state)
    const later = NOW + 3 * DAY
    const models = project({ 'a.inc': model('a.inc', { ...INC, lookback: 2 } as ModelKind, ['a.src']) })
    // lookback is part of the kind -> a data change; use the same kind to test lookback alone
    const p = buildPlan({
      env: 'prod',
      models,
      order: ORDER,
      fingerprints: computeFingerprints(models, ORDER),
      envRecord: undefined,
      baseRecord: undefined,
      snapshots: new Map(),
      intervals: new Map([[computeFingerprints(models, ORDER).get('a.inc')!.slice(0, 16), [[T0, T0 + 10 * DAY]]]]),
      prodVersions: new Set(),
      now: later,
    })
    const inc = byName(p)['a.inc']!.action
    // days 11..13 are missing; lookback 2 also recomputes days 9 and 10
    expect(inc.kind === 'backfill' && inc.batches).toEqual([[T0 + 8 * DAY, T0 + 12 * DAY], [T0 + 12 * DAY, T0 + 13 * DAY]])
  })

  it('respects --start/--end and a selection', () => {
    const plan = planAndApply(project(), fresh(), 'prod', {
      range: { start: T0 + 2 * DAY, end: T0 + 5 * DAY },
      selected: new Set(['a.src', 'a.inc']),
    })
    const m = byName(plan)
    const inc = m['a.inc']!.action
    expect(inc.kind === 'backfill' && inc.batches).toEqual([[T0 + 2 * DAY, T0 + 5 * DAY]])
    expect(m['a.mart']).toBeUndefined() // not selected and not in the environment yet
    expect(plan.removed).toEqual([])
  })

  it('lists removed models', () => {
    const state = fresh()
    planAndApply(project(), state)
    const models = project()
    models.delete('a.view')
    const plan = buildPlan({
      env: 'prod',
      models,
      order: ORDER.filter((n) => n !== 'a.view'),
      fingerprints: computeFingerprints(models, ORDER.filter((n) => n !== 'a.view')),
      envRecord: state.envs.get('prod'),
      baseRecord: state.envs.get('prod'),
      snapshots: state.snapshots,
      intervals: state.intervals,
      prodVersions: new Set(),
      now: NOW,
    })
    expect(plan.removed).toEqual(['a.view'])
  })
})


describe('buildPlan with materializeViews', () => {
  const LATER = NOW + 2 * DAY // two more complete days for a.inc, and FULL models are due again

  it('rebuilds an up-to-date view when one of its parents has work in the plan', () => {
    const state = fresh()
    const first = byName(planAndApply(project(), state, 'prod', { materializeViews: true }))
    const plan = byName(planAndApply(project(), state, 'prod', { now: LATER, materializeViews: true }))
    expect(plan['a.inc']!.action.kind).toBe('backfill')
    expect(plan['a.view']!.action).toEqual({ kind: 'build', interval: [T0, T0 + 12 * DAY] })
    // same snapshot: the view is rebuilt, not changed
    expect(plan['a.view']!.change).toBeUndefined()
    expect(plan['a.view']!.snapshot.version).toBe(first['a.view']!.snapshot.version)
  })

  it('leaves the view alone when its parents have no work', () => {
    const state = fresh()
    planAndApply(project(), state, 'prod', { materializeViews: true })
    const plan = byName(planAndApply(project(), state, 'prod', { materializeViews: true }))
    expect(plan['a.view']!.action).toEqual({ kind: 'none', reason: 'up-to-date' })
  })

  it('only parents count: work elsewhere in the plan does not rebuild the view', () => {
    const state = fresh()
    planAndApply(project(), state, 'prod', { materializeViews: true })
    // a.inc (the view's parent) is not selected, a.src (not a parent) has work
    const plan = byName(planAndApply(project(), state, 'prod', { now: LATER, materializeViews: true, selected: new Set(['a.src', 'a.view']) }))
    expect(plan['a.src']!.action.kind).toBe('build')
    expect(plan['a.inc']!.action).toEqual({ kind: 'none', reason: 'not-selected' })
    expect(plan['a.view']!.action).toEqual({ kind: 'none', reason: 'up-to-date' })
  })

  it('does not change other kinds', () => {
    const state = fresh()
    planAndApply(project(), state)
    const models = project({ 'a.seed': model('a.seed', { name: 'SEED', path: 'seeds/a.csv', extra: {} }, ['a.inc']) })
    const order = [...ORDER, 'a.seed']
    const input = (materializeViews: boolean): PlanInput => ({
      env: 'prod',
      models,
      order,
      fingerprints: computeFingerprints(models, order),
      envRecord: state.envs.get('prod'),
      baseRecord: state.envs.get('prod'),
      snapshots: state.snapshots,
      intervals: new Map([...state.intervals, [computeFingerprints(models, order).get('a.seed')!.slice(0, 16), [[T0, T0 + DAY]]]]),
      prodVersions: new Set(),
      now: LATER,
      materializeViews,
    })
    const withFlag = byName(buildPlan(input(true)))
    const without = byName(buildPlan(input(false)))
    expect(withFlag['a.seed']!.action).toEqual({ kind: 'none', reason: 'up-to-date' })
    expect(without['a.seed']!.action).toEqual({ kind: 'none', reason: 'up-to-date' })
    expect(withFlag['a.mart']!.action).toEqual(without['a.mart']!.action)
    expect(withFlag['a.view']!.action.kind).toBe('build')
    expect(without['a.view']!.action.kind).toBe('none')
  })

  it('without it, an up-to-date view is not rebuilt when its parents have work', () => {
    const state = fresh()
    planAndApply(project(), state)
    const plan = byName(planAndApply(project(), state, 'prod', { now: LATER }))
    expect(plan['a.inc']!.action.kind).toBe('backfill')
    expect(plan['a.view']!.action).toEqual({ kind: 'none', reason: 'up-to-date' })
    const explicitFalse = byName(planAndApply(project(), state, 'prod', { now: LATER + DAY, materializeViews: false }))
    expect(explicitFalse['a.inc']!.action.kind).toBe('backfill')
    expect(explicitFalse['a.view']!.action).toEqual({ kind: 'none', reason: 'up-to-date' })
  })

  it('a dev environment never rebuilds a view it shares with prod', () => {
    const state = fresh()
    planAndApply(project(), state, 'prod', { materializeViews: true })
    const plan = byName(planAndApply(project(), state, 'dev', { now: LATER, materializeViews: true }))
    expect(plan['a.view']!.action).toEqual({ kind: 'none', reason: 'shared-with-prod' })
  })
})
