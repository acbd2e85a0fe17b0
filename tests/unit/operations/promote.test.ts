import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CatalogError } from '../../../src/catalog/nessie/nessie-client.js'
import type { ConsumerCheck, PromotionTarget } from '../../../src/catalog/promotion-target.js'
import type { CommitEntry, Reference, VersionStore } from '../../../src/catalog/version-store.js'
import { EngineError } from '../../../src/errors.js'
import { promote, readPromotionHistory, refreshTagConsumers, type PromoteDeps } from '../../../src/operations/promote.js'
import { DuckDbStateStore } from '../../../src/state/duckdb/duckdb-state-store.js'
import type { StateStore } from '../../../src/state/state-store.js'

/** Nessie's "beginning of time": a hash every branch starts from, never listed in a history. */
const NO_ANCESTOR = '0'.repeat(64)

/**
 * An in-memory VersionStore with Nessie's rules that matter here: every move names the expected
 * hash, a stale one is REFERENCE_CONFLICT, unknown names are REFERENCE_NOT_FOUND.
 */
class FakeVersionStore implements VersionStore {
  private readonly parents = new Map<string, string>([[NO_ANCESTOR, '']])
  private readonly messages = new Map<string, string>()
  readonly refs = new Map<string, Reference>([['main', { type: 'BRANCH', name: 'main', hash: NO_ANCESTOR }]])
  private n = 0
  /** Runs right before a tag is moved: lets a test play the concurrent writer. */
  beforeAssign?: () => void

  /** Add a commit on top of `branch`; returns its hash (`hash` forces one, for prefix tests). */
  commit(branch: string, message: string, hash?: string): string {
    const ref = this.mustRef(branch)
    const h = hash ?? createHash('sha256').update(`c${this.n++}`).digest('hex')
    this.parents.set(h, ref.hash)
    this.messages.set(h, message)
    this.refs.set(branch, { ...ref, hash: h })
    return h
  }

  async getReference(name: string): Promise<Reference> {
    return { ...this.mustRef(name) }
  }

  async listReferences(): Promise<Reference[]> {
    return [...this.refs.values()].map((r) => ({ ...r }))
  }

  async history(branch: string, o: { max?: number; fromHash?: string } = {}): Promise<CommitEntry[]> {
    let h = o.fromHash ?? this.mustRef(branch).hash
    if (!this.parents.has(h)) throw this.err('REFERENCE_NOT_FOUND', 404, `commit ${h} not found`)
    const out: CommitEntry[] = []
    while (h !== NO_ANCESTOR && h !== '' && out.length < (o.max ?? 100)) {
      out.push({ hash: h, message: this.messages.get(h) ?? '', properties: {} })
      h = this.parents.get(h) ?? ''
    }
    return out
  }

  async containsCommit(branch: string, hash: string): Promise<boolean> {
    return (await this.history(branch, { max: 1e9 })).some((e) => e.hash.startsWith(hash.toLowerCase()))
  }

  async createReference(type: Reference['type'], name: string, from: Reference): Promise<Reference> {
    if (this.refs.has(name)) throw this.err('REFERENCE_ALREADY_EXISTS', 409, `${name} exists`)
    this.checkTarget(from)
    const ref: Reference = { type, name, hash: from.hash }
    this.refs.set(name, ref)
    return { ...ref }
  }

  async assignReference(expected: Reference, to: Reference): Promise<Reference> {
    this.beforeAssign?.()
    const cur = this.mustRef(expected.name)
    if (cur.hash !== expected.hash) throw this.err('REFERENCE_CONFLICT', 409, `${expected.name} is not at ${expected.hash}`)
    this.checkTarget(to)
    const ref = { ...cur, hash: to.hash }
    this.refs.set(expected.name, ref)
    return { ...ref }
  }

  async merge(): Promise<Reference> {
    throw new Error('not used')
  }

  async deleteReference(ref: Reference): Promise<void> {
    this.refs.delete(ref.name)
  }

  private checkTarget(to: Reference): void {
    if (!this.refs.has(to.name) || !this.parents.has(to.hash)) throw this.err('REFERENCE_NOT_FOUND', 404, `${to.name}@${to.hash}`)
  }

  private mustRef(name: string): Reference {
    const r = this.refs.get(name)
    if (!r) throw this.err('REFERENCE_NOT_FOUND', 404, `reference ${name} not found`)
    return r
  }

  private err(code: string, status: number, msg: string): CatalogError {
    return new CatalogError(code, msg, status, 'fake://nessie')
  }
}

let store: FakeVersionStore
let state: StateStore
let refreshed: Array<[string, string]>
let consumerCheck: ConsumerCheck
let deps: PromoteDeps
let locks: number
let t = 1000

beforeEach(async () => {
  store = new FakeVersionStore()
  state = await DuckDbStateStore.open(':memory:')
  refreshed = []
  consumerCheck = { catalog: 'iceberg_consumer', verified: true, detail: 'checked' }
  locks = 0
  const target: PromotionTarget = {
    store,
    mainBranch: 'main',
    defaultTag: 'consumer',
    refreshConsumers: async (tag, hash) => {
      refreshed.push([tag, hash])
      return consumerCheck
    },
  }
  deps = { target, state, lock: async () => void locks++ }
})

afterEach(async () => {
  await state.close()
})

/** A commit on main produced by a recorded run with this outcome. */
async function runCommit(o: { status?: 'succeeded' | 'failed'; failed?: string[]; command?: string; audits?: Array<[string, string, boolean]> } = {}): Promise<{ hash: string; runId: string }> {
  const runId = `r-${++t}`
  const hash = store.commit('main', `merge ${runId}`)
  await state.startRun({ id: runId, command: o.command ?? 'run', env: 'prod', startedAt: t, status: 'running' })
  await state.recordAudits(
    (o.audits ?? []).map(([audit, model, blocking]) => ({
      runId,
      model,
      version: 'v',
      fingerprint: 'f',
      audit,
      blocking,
      status: 'failed' as const,
      count: 2,
      at: t,
    })),
  )
  await state.finishRun(runId, o.status ?? 'succeeded', { failed: (o.failed ?? []).map((name) => ({ name, message: 'boom' })), skipped: [], built: ['a.x', 'b.y'] }, hash)
  return { hash, runId }
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(EngineError)
  return { code: (e as EngineError).code, message: (e as EngineError).message }
}

describe('promote', () => {
  it('promotes the head of main by default, creating the tag when it is missing', async () => {
    const a = await runCommit()
    const b = await runCommit()
    const out = await promote(deps, { now: 42 })
    expect(out.kind).toBe('promoted')
    if (out.kind !== 'promoted') return
    expect(out.preview).toMatchObject({ tag: 'consumer', toHash: b.hash, direction: 'create', verified: true, run: { id: b.runId, command: 'run', built: ['a.x', 'b.y'] } })
    expect(out.preview.fromHash).toBeUndefined()
    expect(out.preview.commits.map((c) => c.hash)).toEqual([b.hash, a.hash])
    expect(store.refs.get('consumer')).toEqual({ type: 'TAG', name: 'consumer', hash: b.hash })
    expect(out.record).toMatchObject({ tag: 'consumer', toHash: b.hash, at: 42, verifiedBy: b.runId, forced: false })
    expect(out.record.fromHash).toBeUndefined()
    expect(await state.listPromotions({ limit: 5 })).toEqual([out.record])
    expect(refreshed).toEqual([['consumer', b.hash]])
    expect(out.consumers.verified).toBe(true)
    expect(locks).toBe(1)
  })

  it('lists the commits consumers start seeing when the tag moves forward', async () => {
    const a = await runCommit()
    await promote(deps, {})
    const b = await runCommit()
    store.commit('main', 'someone else')
    const c = await runCommit()
    const out = await promote(deps, { dryRun: true })
    expect(out.kind).toBe('dry-run')
    if (out.kind !== 'dry-run') return
    expect(out.preview).toMatchObject({ fromHash: a.hash, toHash: c.hash, direction: 'forward', commitsTruncated: false })
    expect(out.preview.commits.map((x) => x.message)).toEqual([`merge ${c.runId}`, 'someone else', `merge ${b.runId}`])
    expect(store.refs.get('consumer')!.hash).toBe(a.hash) // dry run: nothing moved
    expect(await state.listPromotions({ limit: 5 })).toHaveLength(1)
    expect(locks).toBe(1) // only the real promotion took the lock
  })

  it('refuses an unverified head and names the last verified commit', async () => {
    const good = await runCommit()
    const head = store.commit('main', 'written outside the tool')
    const { code, message } = await codeOf(promote(deps, {}))
    expect(code).toBe('PROMOTION_REFUSED')
    expect(message).toContain(`commit ${head.slice(0, 12)}… was not produced by a recorded run`)
    expect(message).toContain(`the last verified commit on main is ${good.hash.slice(0, 12)}… (run ${good.runId}, `)
    expect(store.refs.has('consumer')).toBe(false)
    expect(await state.listPromotions({ limit: 5 })).toEqual([])
  })

  it('refuses a commit whose run failed, naming the failed models', async () => {
    const bad = await runCommit({ status: 'failed', failed: ['a.x', 'b.y'] })
    const { code, message } = await codeOf(promote(deps, {}))
    expect(code).toBe('PROMOTION_REFUSED')
    expect(message).toContain(`run ${bad.runId} that produced ${bad.hash.slice(0, 12)}… failed: models a.x, b.y failed`)
    expect(message).toContain('no commit among the last 200 of main was produced by a verified run')
  })

  it('refuses the default target when the last prod run failed without merging; --to-hash of that commit is allowed', async () => {
    const good = await runCommit()
    const runId = 'r-failed-late'
    await state.startRun({ id: runId, command: 'run', env: 'prod', startedAt: 1e9, status: 'running' })
    await state.finishRun(runId, 'failed', { failed: [{ name: 'c.z', message: 'boom' }], skipped: [], built: [] })
    const refused = await codeOf(promote(deps, {}))
    expect(refused.code).toBe('PROMOTION_REFUSED')
    expect(refused.message).toMatch(/last prod run r-failed-late \(run\) failed: model c\.z failed/)
    expect(store.refs.get('consumer')).toBeUndefined()
    const out = await promote(deps, { toHash: good.hash })
    expect(out.kind).toBe('promoted')
  })

  it('with promotion.require_tests, failing unit tests refuse the promotion; passing ones allow it', async () => {
    const a = await runCommit()
    const failing = await codeOf(promote({ ...deps, runTests: async () => ['test_users_daily'] }, {}))
    expect(failing.code).toBe('PROMOTION_REFUSED')
    expect(failing.message).toMatch(/unit tests failed \(promotion\.require_tests\): test_users_daily/)
    expect(store.refs.get('consumer')).toBeUndefined()
    const ok = await promote({ ...deps, runTests: async () => [] }, {})
    expect(ok.kind).toBe('promoted')
    expect(store.refs.get('consumer')?.hash).toBe(a.hash)
  })

  it('refuses a failed blocking audit; a failed non-blocking audit is allowed', async () => {
    const warnOnly = await runCommit({ audits: [['unique_values', 'a.x', false]] })
    const ok = await promote(deps, {})
    expect(ok.kind === 'promoted' && ok.record.toHash).toBe(warnOnly.hash)
    const blocked = await runCommit({ audits: [['not_null', 'a.y', true]] })
    const { code, message } = await codeOf(promote(deps, {}))
    expect(code).toBe('PROMOTION_REFUSED')
    expect(message).toContain(`blocking audit not_null on a.y failed in run ${blocked.runId}`)
    expect(message).toContain(`where 'consumer' already is`)
  })

  it('--force promotes anyway, warns, and records forced with the reasons', async () => {
    await runCommit()
    await promote(deps, {})
    const head = store.commit('main', 'outside')
    const out = await promote(deps, { force: true })
    expect(out.kind).toBe('promoted')
    if (out.kind !== 'promoted') return
    expect(out.warnings[0]).toMatch(/FAILED verification: commit .* was not produced by a recorded run/)
    expect(out.preview.verified).toBe(false)
    expect(out.record).toMatchObject({ toHash: head, forced: true, forcedReasons: [`commit ${head.slice(0, 12)}… was not produced by a recorded run`] })
    expect(out.record.verifiedBy).toBeUndefined()
    expect((await state.listPromotions({ limit: 1 }))[0]).toEqual(out.record)
  })

  it('accepts restatement runs as verification', async () => {
    const r = await runCommit({ command: 'restate' })
    const out = await promote(deps, {})
    expect(out.kind === 'promoted' && out.preview.run).toMatchObject({ id: r.runId, command: 'restate' })
  })

  it('refuses a --to-hash that is not a commit of main', async () => {
    await runCommit()
    store.refs.set('dev', { type: 'BRANCH', name: 'dev', hash: store.refs.get('main')!.hash })
    const foreign = store.commit('dev', 'only on dev')
    for (const h of [foreign, 'f'.repeat(64), foreign.slice(0, 10)]) {
      const { code, message } = await codeOf(promote(deps, { toHash: h }))
      expect(code).toBe('OPTION_INVALID')
      expect(message).toContain(`--to-hash ${h} is not a commit of branch 'main'`)
    }
    expect((await codeOf(promote(deps, { toHash: 'xyz' }))).message).toMatch(/not a commit hash/)
    expect((await codeOf(promote(deps, { toHash: 'abc' }))).message).toMatch(/too short/)
  })

  it('resolves a short --to-hash prefix to the full hash; an ambiguous one is an error', async () => {
    const a = await runCommit()
    await runCommit()
    const out = await promote(deps, { toHash: a.hash.slice(0, 8).toUpperCase() })
    expect(out.kind === 'promoted' && out.record.toHash).toBe(a.hash)

    const h1 = 'abcdef01' + '1'.repeat(56)
    const h2 = 'abcdef02' + '2'.repeat(56)
    store.commit('main', 'x', h1)
    store.commit('main', 'y', h2)
    const { code, message } = await codeOf(promote(deps, { toHash: 'abcdef0' }))
    expect(code).toBe('OPTION_INVALID')
    expect(message).toMatch(/ambiguous/)
  })

  it('a tag moved by someone else between read and move is a conflict; nothing is recorded', async () => {
    const a = await runCommit()
    await promote(deps, {})
    const b = await runCommit()
    const c = await runCommit()
    store.beforeAssign = () => {
      store.refs.set('consumer', { type: 'TAG', name: 'consumer', hash: b.hash })
    }
    const { code, message } = await codeOf(promote(deps, { toHash: c.hash }))
    expect(code).toBe('PROMOTION_CONFLICT')
    expect(message).toBe(`tag 'consumer' was moved by someone else (expected at ${a.hash.slice(0, 12)}…); nothing changed — re-run promote`)
    expect(await state.listPromotions({ limit: 5 })).toHaveLength(1)
    expect(refreshed).toHaveLength(1)
  })

  it('rolls back to an older verified commit and records it', async () => {
    const a = await runCommit()
    const b = await runCommit()
    const c = await runCommit()
    await promote(deps, {})
    const out = await promote(deps, { toHash: a.hash })
    expect(out.kind).toBe('promoted')
    if (out.kind !== 'promoted') return
    expect(out.preview.direction).toBe('rollback')
    expect(out.preview.commits.map((x) => x.hash)).toEqual([c.hash, b.hash]) // what consumers stop seeing
    expect(store.refs.get('consumer')!.hash).toBe(a.hash)
    expect(out.record).toMatchObject({ fromHash: c.hash, toHash: a.hash, verifiedBy: a.runId, forced: false })
    expect((await state.listPromotions({ tag: 'consumer', limit: 5 })).map((p) => p.toHash)).toEqual([a.hash, c.hash])
  })

  it('--expect-current refuses when the tag is elsewhere and proceeds when it matches', async () => {
    const a = await runCommit()
    await promote(deps, {})
    const b = await runCommit()
    const stale = await codeOf(promote(deps, { expectCurrent: b.hash }))
    expect(stale.code).toBe('PROMOTION_CONFLICT')
    expect(stale.message).toMatch(/not at --expect-current/)
    const preview = await promote(deps, { dryRun: true })
    expect(preview.kind === 'dry-run' && preview.preview.fromHash).toBe(a.hash)
    const out = await promote(deps, { expectCurrent: a.hash })
    expect(out.kind === 'promoted' && out.record.toHash).toBe(b.hash)
    await state.close()
    state = await DuckDbStateStore.open(':memory:')
    expect((await codeOf(promote({ ...deps, state }, { tag: 'fresh', expectCurrent: a.hash }))).code).toBe('PROMOTION_CONFLICT')
  })

  it('is a no-op when the tag is already at the target', async () => {
    await runCommit()
    await promote(deps, {})
    const out = await promote(deps, {})
    expect(out.kind).toBe('noop')
    if (out.kind !== 'noop') return
    expect(out.message).toMatch(/^tag 'consumer' consumers already at [0-9a-f]{12}…/)
    expect(await state.listPromotions({ limit: 5 })).toHaveLength(1)
    expect(refreshed).toHaveLength(1)
  })

  it('reports consumers that do not see the new commit (the tag still moved)', async () => {
    const a = await runCommit()
    consumerCheck = { catalog: 'iceberg_consumer', verified: false, detail: 'still sees the old snapshot' }
    const out = await promote(deps, {})
    expect(out.kind === 'promoted' && out.consumers).toEqual(consumerCheck)
    expect(store.refs.get('consumer')!.hash).toBe(a.hash)
    expect(await state.listPromotions({ limit: 5 })).toHaveLength(1)

    deps.target.refreshConsumers = async () => {
      throw new Error('Trino is down')
    }
    const again = await refreshTagConsumers(deps, {})
    expect(again).toEqual({ tag: 'consumer', hash: a.hash, consumers: { catalog: '?', verified: false, detail: 'refreshing consumers failed: Trino is down' } })
  })

  it('cancels when the confirmation says no', async () => {
    await runCommit()
    const seen: string[] = []
    const { code } = await codeOf(promote(deps, { confirm: async (p) => (seen.push(p.toHash), false) }))
    expect(code).toBe('OPTION_INVALID')
    expect(seen).toHaveLength(1)
    expect(store.refs.has('consumer')).toBe(false)
  })

  it('refuses a branch given as --tag', async () => {
    await runCommit()
    expect((await codeOf(promote(deps, { tag: 'main' }))).message).toMatch(/is a branch, not a tag/)
  })
})

describe('promotion history', () => {
  it('lists recorded positions newest first and flags a tag moved outside the tool', async () => {
    const a = await runCommit()
    await promote(deps, {})
    const b = await runCommit()
    await promote(deps, {})
    let h = await readPromotionHistory(deps, { limit: 10 })
    expect(h).toMatchObject({ tag: 'consumer', current: b.hash, movedOutside: false })
    expect(h.records.map((r) => [r.fromHash, r.toHash])).toEqual([
      [a.hash, b.hash],
      [undefined, a.hash],
    ])
    await store.assignReference(store.refs.get('consumer')!, { type: 'BRANCH', name: 'main', hash: a.hash })
    h = await readPromotionHistory(deps, { limit: 10 })
    expect(h).toMatchObject({ current: a.hash, movedOutside: true })
    expect(await readPromotionHistory(deps, { tag: 'nope', limit: 10 })).toEqual({ tag: 'nope', records: [], movedOutside: false })
  })
})
