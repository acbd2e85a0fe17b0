import { describe, expect, it } from 'vitest'
import { StateError } from '../../../src/errors.js'
import type { Snapshot } from '../../../src/snapshot/snapshot.js'
import { dumpCounts, type StateDump } from '../../../src/state/state-dump.js'
import type { StateStore } from '../../../src/state/state-store.js'

const DAY = 86_400_000
const snap = (name: string, fp: string, version = fp.slice(0, 4)): Snapshot => ({
  name,
  fingerprint: fp,
  version,
  dataHash: 'd',
  metadataHash: 'm',
  parents: [],
  kind: { name: 'FULL' },
  dialect: 'trino',
  cron: '@daily',
  file: `models/${name}.sql`,
  createdAt: 1,
})

/** The behaviour every StateStore backend must have; `open` returns a fresh, empty store. */
export function describeStateContract(name: string, open: () => Promise<StateStore>): void {
  describe(`state store contract: ${name}`, () => {
    it('stores snapshots once by fingerprint', async () => {
      const s = await open()
      await s.pushSnapshots([snap('a.x', 'fp1aaaa'), snap('a.y', 'fp2bbbb')])
      await s.pushSnapshots([{ ...snap('a.x', 'fp1aaaa'), version: 'other' }])
      const got = await s.getSnapshots(['fp1aaaa', 'fp2bbbb', 'missing'])
      expect([...got.keys()].sort()).toEqual(['fp1aaaa', 'fp2bbbb'])
      expect(got.get('fp1aaaa')!.version).toBe('fp1a')
      await s.close()
    })

    it('keeps intervals merged per version; removes ranges', async () => {
      const s = await open()
      await s.addIntervals('v1', [[0, DAY]])
      await s.addIntervals('v1', [[DAY, 2 * DAY], [5 * DAY, 6 * DAY]])
      await s.addIntervals('v1', [[DAY, 2 * DAY]]) // idempotent
      expect((await s.getIntervals(['v1', 'v2'])).get('v1')).toEqual([[0, 2 * DAY], [5 * DAY, 6 * DAY]])
      await s.removeIntervals('v1', [[DAY / 2, 5.5 * DAY]])
      expect((await s.getIntervals(['v1'])).get('v1')).toEqual([[0, DAY / 2], [5.5 * DAY, 6 * DAY]])
      await s.close()
    })

    it('saves environments compare-and-set on their revision', async () => {
      const s = await open()
      expect(await s.getEnvironment('prod')).toBeUndefined()
      const saved = await s.saveEnvironment({ name: 'prod', snapshots: { 'a.x': 'fp1' }, revision: 0, updatedAt: 0 }, undefined)
      expect(saved.revision).toBe(1)
      await expect(s.saveEnvironment({ ...saved, snapshots: {} }, undefined)).rejects.toBeInstanceOf(StateError)
      await expect(s.saveEnvironment({ ...saved, snapshots: {} }, 7)).rejects.toThrow(/changed by another process/)
      const next = await s.saveEnvironment({ ...saved, snapshots: { 'a.x': 'fp2' } }, 1)
      expect(next.revision).toBe(2)
      expect((await s.getEnvironment('prod'))!.snapshots).toEqual({ 'a.x': 'fp2' })
      expect((await s.listEnvironments()).map((e) => e.name)).toEqual(['prod'])
      await s.close()
    })

    it('deletes an environment only at the expected revision', async () => {
      const s = await open()
      const dev = await s.saveEnvironment({ name: 'dev', snapshots: { 'a.x': 'fp1' }, revision: 0, updatedAt: 0 }, undefined)
      await s.saveEnvironment({ name: 'prod', snapshots: {}, revision: 0, updatedAt: 0 }, undefined)
      await expect(s.deleteEnvironment('dev', dev.revision + 1)).rejects.toThrow(/changed by another process/)
      expect(await s.getEnvironment('dev')).toBeDefined()
      await s.deleteEnvironment('dev', dev.revision)
      expect(await s.getEnvironment('dev')).toBeUndefined()
      expect((await s.listEnvironments()).map((e) => e.name)).toEqual(['prod'])
      await expect(s.deleteEnvironment('dev', 1)).rejects.toBeInstanceOf(StateError)
      await s.close()
    })

    it('logs runs and audits', async () => {
      const s = await open()
      await s.startRun({ id: 'r1', command: 'run', env: 'prod', startedAt: 10, status: 'running' })
      await s.finishRun('r1', 'failed', { failed: ['a.x'] })
      const [run] = await s.listRuns(5)
      expect(run).toMatchObject({ id: 'r1', status: 'failed', summary: { failed: ['a.x'] } })
      expect(run!.finishedAt).toBeGreaterThan(0)
      await s.recordAudits([
        { runId: 'r1', model: 'a.x', version: 'v', fingerprint: 'f', audit: 'not_null', blocking: true, status: 'failed', count: 3, interval: [0, DAY], at: 5 },
        { runId: 'r1', model: 'a.y', version: 'v', fingerprint: 'f', audit: 'unique_values', blocking: false, status: 'passed', count: 0, at: 6 },
      ])
      expect((await s.listAudits({ model: 'a.x', limit: 10 })).map((a) => [a.audit, a.status, a.count, a.interval])).toEqual([
        ['not_null', 'failed', 3, [0, DAY]],
      ])
      expect(await s.listAudits({ runId: 'r1', limit: 10 })).toHaveLength(2)
      await s.close()
    })

    it('keeps the catalog commit of a run and finds the run by it (exact hash)', async () => {
      const s = await open()
      const h1 = 'a1'.repeat(32)
      await s.startRun({ id: 'r1', command: 'run', env: 'prod', startedAt: 10, status: 'running' })
      await s.startRun({ id: 'r2', command: 'restate', env: 'prod', startedAt: 20, status: 'running' })
      await s.finishRun('r1', 'succeeded', { built: ['a.x'] }, h1)
      await s.finishRun('r2', 'failed', { failed: [] })
      const runs = await s.listRuns(5)
      expect(runs.map((r) => [r.id, r.commit])).toEqual([
        ['r2', undefined],
        ['r1', h1],
      ])
      expect(await s.findRunByCommit(h1)).toMatchObject({ id: 'r1', command: 'run', status: 'succeeded', commit: h1, summary: { built: ['a.x'] } })
      expect(await s.findRunByCommit(h1.slice(0, 12))).toBeUndefined()
      expect(await s.findRunByCommit('f'.repeat(64))).toBeUndefined()
      await s.close()
    })

    it('records promotions, newest first, optionally of one tag', async () => {
      const s = await open()
      const base = { user: 'ann', forced: false }
      await s.recordPromotion({ ...base, id: 'p1', tag: 'consumer', toHash: 'h1', at: 100, verifiedBy: 'r1' })
      await s.recordPromotion({ ...base, id: 'p2', tag: 'other', fromHash: 'h0', toHash: 'h2', at: 200, verifiedBy: 'r2' })
      await s.recordPromotion({ ...base, id: 'p3', tag: 'consumer', fromHash: 'h1', toHash: 'h3', at: 300, verifiedBy: 'r3' })
      await s.recordPromotion({ ...base, id: 'p4', tag: 'consumer', fromHash: 'h3', toHash: 'h1', at: 300, verifiedBy: 'r1' }) // same ms: insertion order
      expect((await s.listPromotions({ limit: 10 })).map((p) => p.id)).toEqual(['p4', 'p3', 'p2', 'p1'])
      expect((await s.listPromotions({ tag: 'consumer', limit: 2 })).map((p) => p.id)).toEqual(['p4', 'p3'])
      expect(await s.listPromotions({ tag: 'nope', limit: 10 })).toEqual([])
      const [first] = (await s.listPromotions({ tag: 'consumer', limit: 10 })).slice(-1)
      expect(first).toEqual({ id: 'p1', tag: 'consumer', toHash: 'h1', user: 'ann', at: 100, verifiedBy: 'r1', forced: false })
      await s.close()
    })

    it('keeps why a forced promotion would have been refused', async () => {
      const s = await open()
      const reasons = ['run r9 that produced h9 failed: models a.x failed', "blocking audit not_null on a.y failed in run r9"]
      await s.recordPromotion({ id: 'p1', tag: 'consumer', fromHash: 'h1', toHash: 'h9', user: 'bob', at: 5, forced: true, forcedReasons: reasons })
      expect(await s.listPromotions({ limit: 1 })).toEqual([
        { id: 'p1', tag: 'consumer', fromHash: 'h1', toHash: 'h9', user: 'bob', at: 5, forced: true, forcedReasons: reasons },
      ])
      await s.close()
    })

    it('exports everything and imports it into an empty store, one transaction', async () => {
      const a = await open()
      await a.pushSnapshots([snap('a.x', 'fp1aaaa'), snap('a.y', 'fp2bbbb')])
      await a.addIntervals('fp1a', [[0, DAY], [2 * DAY, 3 * DAY]])
      const env = await a.saveEnvironment({ name: 'prod', snapshots: { 'a.x': 'fp1aaaa' }, revision: 0, updatedAt: 0, lastRunId: 'r1' }, undefined)
      await a.startRun({ id: 'r1', command: 'run', env: 'prod', startedAt: 10, status: 'running' })
      await a.finishRun('r1', 'succeeded', { built: ['a.x'] }, 'c'.repeat(64))
      await a.saveRestatement({ id: 'x1', env: 'prod', user: 'ann', startedAt: 20, status: 'succeeded', categories: ['project'], selectors: [], models: [] })
      await a.recordAudits([{ runId: 'r1', model: 'a.x', version: 'v', fingerprint: 'f', audit: 'not_null', blocking: true, status: 'passed', count: 0, interval: [0, DAY], at: 5 }])
      await a.recordPromotion({ id: 'p1', tag: 'consumer', toHash: 'h1', user: 'ann', at: 100, verifiedBy: 'r1', forced: false })
      await a.recordPromotion({ id: 'p2', tag: 'consumer', fromHash: 'h1', toHash: 'h2', user: 'ann', at: 100, forced: true, forcedReasons: ['x'] })
      const dump = await a.exportState()
      expect(dumpCounts(dump)).toEqual({ snapshots: 2, intervals: 1, environments: 1, runs: 1, restatements: 1, audits: 1, promotions: 2 })
      expect((await a.describe()).counts).toEqual(dumpCounts(dump))
      // Through JSON, as the CLI does.
      const copy = JSON.parse(JSON.stringify(dump)) as StateDump
      const b = await open()
      await b.importState(copy, { replace: false })
      const again = await b.exportState()
      expect({ ...again, exportedAt: '' }).toEqual({ ...dump, exportedAt: '' })
      expect(await b.getEnvironment('prod')).toEqual(env)
      expect((await b.getIntervals(['fp1a'])).get('fp1a')).toEqual([[0, DAY], [2 * DAY, 3 * DAY]])
      expect((await b.listPromotions({ limit: 5 })).map((p) => p.id)).toEqual(['p2', 'p1'])
      expect(await b.findRunByCommit('c'.repeat(64))).toMatchObject({ id: 'r1', status: 'succeeded' })
      // The next write after an import continues from the imported revision.
      expect((await b.saveEnvironment({ ...env, snapshots: {} }, env.revision)).revision).toBe(env.revision + 1)
      await a.close()
      await b.close()
    })

    it('refuses to import into a non-empty store unless replacing; a refused import changes nothing', async () => {
      const a = await open()
      await a.addIntervals('v1', [[0, DAY]])
      const dump = await a.exportState()
      const b = await open()
      await b.addIntervals('v9', [[0, 5]])
      await expect(b.importState(dump, { replace: false })).rejects.toThrow(/not empty \(intervals: 1 rows\).*--replace/)
      expect([...(await b.getIntervals(['v1', 'v9'])).keys()]).toEqual(['v9'])
      await b.importState(dump, { replace: true })
      expect([...(await b.getIntervals(['v1', 'v9'])).keys()]).toEqual(['v1'])
      // A failing import (duplicate key inside the file) leaves the store as it was.
      const bad = { ...dump, intervals: [...dump.intervals, ...dump.intervals] }
      await expect(b.importState(bad, { replace: true })).rejects.toThrow()
      expect((await b.getIntervals(['v1'])).get('v1')).toEqual([[0, DAY]])
      await a.close()
      await b.close()
    })

    it('keeps every interval when many writers add to one version at once', async () => {
      const s = await open()
      await Promise.all(Array.from({ length: 40 }, (_, i) => s.addIntervals('v', [[i * 2 * DAY, (i * 2 + 1) * DAY]])))
      expect((await s.getIntervals(['v'])).get('v')).toHaveLength(40)
      await s.close()
    })
  })
}
