import { describe, expect, it } from 'vitest'
import { Dag } from '../../../src/dag/graph.js'
import { PlanError } from '../../../src/errors.js'
import type { LoadedModel } from '../../../src/project/load-project.js'
import type { ModelKind } from '../../../src/project/model.js'
import { buildRestatement, type RestatementInput } from '../../../src/restate/build-restatement.js'
import type { Interval } from '../../../src/snapshot/interval.js'
import type { Snapshot } from '../../../src/snapshot/snapshot.js'

const DAY = 86_400_000
const INC: ModelKind = { name: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day', lookback: 0, forwardOnly: false, extra: {} }

function input(over: Partial<RestatementInput> = {}): RestatementInput {
  const kinds: Record<string, ModelKind> = { 'a.src': { name: 'FULL' }, 'a.inc': INC, 'a.mart': { name: 'FULL' }, 'a.side': { name: 'VIEW' } }
  const edges: Array<[string, string]> = [['a.src', 'a.inc'], ['a.inc', 'a.mart'], ['a.src', 'a.side']]
  const dag = new Dag<null>()
  const models = new Map<string, LoadedModel>()
  const snapshots = new Map<string, Snapshot>()
  const fingerprints = new Map<string, string>()
  const pointers: Record<string, string> = {}
  for (const [name, kind] of Object.entries(kinds)) {
    dag.addNode(name, null)
    models.set(name, { def: { name, kind, file: `models/${name}.sql` } as LoadedModel['def'], parents: [], analysis: undefined, dataHash: '', metadataHash: '' })
    const fp = `fp-${name}`
    fingerprints.set(name, fp)
    pointers[name] = fp
    snapshots.set(fp, { name, fingerprint: fp, version: `v-${name}`, kind, cron: '@daily' } as Snapshot)
  }
  for (const [a, b] of edges) dag.addEdge(a, b)
  const intervals = new Map<string, Interval[]>([
    ['v-a.src', [[0, 10 * DAY]]],
    ['v-a.inc', [[0, 10 * DAY]]],
    ['v-a.mart', [[0, 10 * DAY]]],
    ['v-a.side', [[0, 10 * DAY]]],
  ])
  return {
    env: 'prod',
    models,
    dag,
    fingerprints,
    envRecord: { name: 'prod', snapshots: pointers, revision: 1, updatedAt: 0 },
    snapshots,
    intervals,
    prodVersions: new Set(),
    selected: new Set(['a.inc']),
    ...over,
  }
}

describe('buildRestatement', () => {
  it('takes the selected models and everything downstream, never upstream', () => {
    const t = buildRestatement(input())
    expect(t.map((x) => [x.name, x.why, x.full])).toEqual([
      ['a.inc', 'selected', false],
      ['a.mart', 'downstream of a.inc', true],
    ])
  })

  it('restates only processed intervals inside the range', () => {
    const t = buildRestatement(input({ start: 3 * DAY, end: 20 * DAY }))
    expect(t[0]!.intervals).toEqual([[3 * DAY, 10 * DAY]])
    expect(t[1]!.intervals).toEqual([[0, 10 * DAY]]) // a full rebuild covers what it had
    const none = buildRestatement(input({ start: 30 * DAY }))
    expect(none[0]!.skipped).toBe('no processed intervals in the range')
  })

  it('skips, in a dev environment, models that share a table with prod', () => {
    const i = input({ env: 'dev', prodVersions: new Set(['v-a.inc']) })
    const t = buildRestatement(i)
    expect(t[0]!.skipped).toMatch(/shares prod's table/)
    expect(t[1]!.skipped).toBeUndefined()
  })

  it('refuses a model that is not in the environment, or one with unapplied changes', () => {
    const i = input()
    delete (i.envRecord.snapshots as Record<string, string>)['a.inc']
    expect(() => buildRestatement(i)).toThrow(/model 'a\.inc' is not in environment 'prod' yet/)
    const changed = input({ fingerprints: new Map([['a.inc', 'other']]) })
    const err = (() => {
      try {
        buildRestatement(changed)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(PlanError)
    expect((err as PlanError).message).toMatch(/has changes not applied to 'prod'/)
  })
})
