import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CatalogError, NessieClient } from '../../../src/catalog/nessie/nessie-client.js'
import type { PromotionTarget } from '../../../src/catalog/promotion-target.js'
import type { Reference } from '../../../src/catalog/version-store.js'
import { EngineError } from '../../../src/errors.js'
import { promote, readPromotionHistory, type PromoteDeps } from '../../../src/operations/promote.js'
import { DuckDbStateStore } from '../../../src/state/duckdb/duckdb-state-store.js'

/**
 * `promote` against a real Nessie: `scripts/stack.sh up` starts one and prints NESSIE_URL.
 * Each test works on its own branch (playing `main`) and its own tag, and deletes both; the
 * server's real `main` and `consumer` are never touched.
 */
const url = process.env['NESSIE_URL']
if (!url) throw new Error('NESSIE_URL is not set: start the stack with `bash scripts/stack.sh up` first')
const base = url.replace(/\/+$/, '')

const nessie = new NessieClient(base)
const suffix = `${process.pid}_${Date.now()}`
let seq = 0
const cleanup: Array<() => Promise<void>> = []

/** A commit on `branch` through Nessie's commit API (a new namespace); returns its hash. */
async function commitOn(branch: string): Promise<string> {
  const ref = await nessie.getReference(branch)
  const ns = `ns_${suffix}_${seq++}`
  const res = await fetch(`${base}/trees/${branch}@${ref.hash}/history/commit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({
      operations: [{ type: 'PUT', key: { elements: [ns] }, content: { type: 'NAMESPACE', elements: [ns] } }],
      commitMeta: { message: `create ${ns}` },
    }),
  })
  if (!res.ok) throw new Error(`commit on ${branch} failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { targetBranch: Reference }).targetBranch.hash
}

/** Delete a reference at whatever it points to now (gone already is fine). */
async function drop(name: string): Promise<void> {
  try {
    await nessie.deleteReference(await nessie.getReference(name))
  } catch (e) {
    if (!(e instanceof CatalogError && e.nessieCode === 'REFERENCE_NOT_FOUND')) throw e
  }
}

/** A fresh branch (from the server's main) standing in for main, a tag name, and an empty state. */
async function setup(): Promise<{ deps: PromoteDeps; branch: string; tag: string; state: DuckDbStateStore; verifiedCommit: () => Promise<string> }> {
  const n = seq++
  const branch = `pm_${suffix}_${n}`
  const tag = `pt_${suffix}_${n}`
  await nessie.createReference('BRANCH', branch, await nessie.getReference('main'))
  const state = await DuckDbStateStore.open(':memory:')
  cleanup.push(() => drop(tag), () => drop(branch), () => state.close())
  const target: PromotionTarget = {
    store: nessie,
    mainBranch: branch,
    defaultTag: tag,
    // No Trino here: the consumer side is a stub; what is under test is the tag and the records.
    refreshConsumers: async (_tag, hash) => ({ catalog: 'stub', verified: true, detail: `stub at ${hash}` }),
  }
  let runs = 0
  const verifiedCommit = async (): Promise<string> => {
    const hash = await commitOn(branch)
    const id = `run_${n}_${runs++}`
    await state.startRun({ id, command: 'run', env: 'prod', startedAt: Date.now(), status: 'running' })
    await state.finishRun(id, 'succeeded', { failed: [], skipped: [], built: ['a.x'] }, hash)
    return hash
  }
  return { deps: { target, state }, branch, tag, state, verifiedCommit }
}

async function errorOf(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(EngineError)
  return e as EngineError
}

describe('promote against a real Nessie', () => {
  beforeAll(async () => {
    await nessie.getReference('main')
  })

  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f()
  })

  it('promotes the verified head (creating the tag, then moving it forward) and refuses an unverified one', async () => {
    const { deps, tag, state, branch, verifiedCommit } = await setup()
    const c1 = await verifiedCommit()
    const first = await promote(deps, {})
    expect(first.kind === 'promoted' && first.preview.direction).toBe('create')
    expect(await nessie.getReference(tag)).toEqual({ type: 'TAG', name: tag, hash: c1 })

    const c2 = await verifiedCommit()
    const second = await promote(deps, {})
    expect(second.kind).toBe('promoted')
    if (second.kind !== 'promoted') return
    expect(second.preview).toMatchObject({ fromHash: c1, toHash: c2, direction: 'forward', verified: true })
    expect(second.preview.commits.map((c) => c.hash)).toEqual([c2])
    expect(second.consumers).toEqual({ catalog: 'stub', verified: true, detail: `stub at ${c2}` })
    expect((await nessie.getReference(tag)).hash).toBe(c2)

    const outside = await commitOn(branch)
    const refused = await errorOf(promote(deps, {}))
    expect(refused.code).toBe('PROMOTION_REFUSED')
    expect(refused.message).toContain(`commit ${outside.slice(0, 12)}… was not produced by a recorded run`)
    expect(refused.message).toContain(`the last verified commit on ${branch} is ${c2.slice(0, 12)}…`)
    expect((await nessie.getReference(tag)).hash).toBe(c2)

    const h = await readPromotionHistory(deps, { limit: 10 })
    expect(h).toMatchObject({ current: c2, movedOutside: false })
    expect(h.records.map((r) => r.toHash)).toEqual([c2, c1])
    expect(await state.listPromotions({ tag, limit: 10 })).toHaveLength(2)
  })

  it('a tag moved by someone else after the preview is a conflict; nothing changes or is recorded', async () => {
    const { deps, tag, branch, state, verifiedCommit } = await setup()
    const c1 = await verifiedCommit()
    await promote(deps, {})
    const c2 = await verifiedCommit()
    const c3 = await verifiedCommit()
    const err = await errorOf(
      promote(deps, {
        confirm: async (preview) => {
          expect(preview).toMatchObject({ fromHash: c1, toHash: c3 })
          // The other writer: a raw move of the tag between our read and our move.
          const res = await fetch(`${base}/trees/${tag}@${c1}?type=TAG`, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ type: 'BRANCH', name: branch, hash: c2 }),
          })
          expect(res.status).toBe(200)
          return true
        },
      }),
    )
    expect(err.code).toBe('PROMOTION_CONFLICT')
    expect(err.message).toBe(`tag '${tag}' was moved by someone else (expected at ${c1.slice(0, 12)}…); nothing changed — re-run promote`)
    expect((await nessie.getReference(tag)).hash).toBe(c2)
    expect((await state.listPromotions({ tag, limit: 10 })).map((p) => p.toHash)).toEqual([c1])
    expect((await readPromotionHistory(deps, { limit: 10 })).movedOutside).toBe(true)
  })

  it('--to-hash rolls the tag back to an older verified commit (a short prefix is resolved)', async () => {
    const { deps, tag, state, verifiedCommit } = await setup()
    const c1 = await verifiedCommit()
    const c2 = await verifiedCommit()
    const c3 = await verifiedCommit()
    await promote(deps, {})
    expect((await nessie.getReference(tag)).hash).toBe(c3)
    const out = await promote(deps, { toHash: c1.slice(0, 10), expectCurrent: c3 })
    expect(out.kind).toBe('promoted')
    if (out.kind !== 'promoted') return
    expect(out.preview.direction).toBe('rollback')
    expect(out.preview.commits.map((c) => c.hash)).toEqual([c3, c2])
    expect((await nessie.getReference(tag)).hash).toBe(c1)
    expect((await state.listPromotions({ tag, limit: 1 }))[0]).toMatchObject({ fromHash: c3, toHash: c1, forced: false })
  })

  it('refuses a --to-hash that is only on another branch, even when a run recorded it', async () => {
    const { deps, tag, branch, state, verifiedCommit } = await setup()
    await verifiedCommit()
    const other = `po_${suffix}_${seq++}`
    await nessie.createReference('BRANCH', other, await nessie.getReference(branch))
    cleanup.push(() => drop(other))
    const foreign = await commitOn(other)
    await state.startRun({ id: 'dev-run', command: 'run', env: 'dev', startedAt: 1, status: 'running' })
    await state.finishRun('dev-run', 'succeeded', {}, foreign)
    for (const h of [foreign, foreign.slice(0, 12)]) {
      const err = await errorOf(promote(deps, { toHash: h }))
      expect(err.code).toBe('OPTION_INVALID')
      expect(err.message).toContain(`--to-hash ${h} is not a commit of branch '${branch}'`)
    }
    expect((await errorOf(nessie.getReference(tag))).message).toMatch(/REFERENCE_NOT_FOUND/)
  })
})
