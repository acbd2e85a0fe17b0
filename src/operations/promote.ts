import { randomUUID } from 'node:crypto'
import { CatalogError } from '../catalog/nessie/nessie-client.js'
import type { ConsumerCheck, PromotionTarget } from '../catalog/promotion-target.js'
import type { CommitEntry, Reference, VersionStore } from '../catalog/version-store.js'
import { runModelTests } from '../testing/index.js'
import type { Context } from '../context.js'
import { EngineError, StateError } from '../errors.js'
import { safeUser } from '../state/env-lock.js'
import type { PromotionRecord, RunRecord, StateStore } from '../state/state-store.js'

/** Commits of main read to find the last verified commit and to list what a promotion changes. */
const HISTORY_DEPTH = 200
/** Commits of main searched to resolve a shortened `--to-hash`. */
const PREFIX_DEPTH = 1000
/** Shortest hash prefix accepted (`--to-hash`, `--expect-current`). */
const MIN_PREFIX = 6

/** What a promotion works on; `promoteOperation` builds it from a Context, tests from fakes. */
export interface PromoteDeps {
  target: PromotionTarget
  state: StateStore
  /** Takes the write lock for a promotion that may change something (the CLI: `prod`'s lock). */
  lock?: () => Promise<void>
  /**
   * Run the project's unit tests when the config asks for them before a promotion
   * (`promotion.require_tests`); resolves with the names of tests that did not pass.
   */
  runTests?: () => Promise<string[]>
}

export interface PromoteOptions {
  /** Commit of the main branch to promote (full hash or a unique prefix); default: main's head. */
  toHash?: string
  /** Tag to move; default: the target's `defaultTag` (e.g. `consumer`). */
  tag?: string
  /** Verify and preview, change nothing. */
  dryRun?: boolean
  /** Promote even if verification fails; recorded as forced with the reasons. */
  force?: boolean
  /** Refuse unless the tag is at this hash (or prefix) now: the `from` of an earlier preview. */
  expectCurrent?: string
  /** Asked after the preview (unless dryRun); false cancels. */
  confirm?: (preview: PromotePreview) => Promise<boolean>
  now?: number
}

/** The run whose writes produced the target commit. */
export interface VerifyingRun {
  id: string
  command: string
  env: string
  finishedAt?: number
  built: string[]
}

export interface PromotePreview {
  tag: string
  mainBranch: string
  /** Where the tag is now; undefined when the promotion creates it. */
  fromHash?: string
  toHash: string
  /**
   * `forward`: the target is newer than the tag; `rollback`: older; `create`: no tag yet;
   * `unrelated`: the tag's commit is not within main's last commits before the target.
   */
  direction: 'create' | 'forward' | 'rollback' | 'unrelated'
  /**
   * Newest first. forward/create/unrelated: commits consumers start seeing (the target first);
   * rollback: commits they stop seeing (the tag's current commit first).
   */
  commits: CommitEntry[]
  /** More commits exist than listed (main's history is read 200 commits deep). */
  commitsTruncated: boolean
  run?: VerifyingRun
  verified: boolean
  /** Why verification failed (only when forced). */
  problems: string[]
}

export type PromoteOutcome =
  | { kind: 'noop'; tag: string; hash: string; message: string }
  | { kind: 'dry-run'; preview: PromotePreview; warnings: string[] }
  | { kind: 'promoted'; preview: PromotePreview; record: PromotionRecord; consumers: ConsumerCheck; warnings: string[] }

export interface PromoteHistory {
  tag: string
  /** Where the tag points now in the catalog; undefined when it does not exist. */
  current?: string
  /** Recorded promotions of the tag, newest first. */
  records: PromotionRecord[]
  /** The live tag differs from the last recorded promotion: it was moved outside the tool. */
  movedOutside: boolean
}

/** `models promote` on a Context: its gateway's promotion target and state. */
export async function promoteOperation(ctx: Context, o: PromoteOptions): Promise<PromoteOutcome> {
  return promote(await depsOf(ctx), o)
}

/** `models promote --history`. */
export async function promoteHistory(ctx: Context, o: { tag?: string; limit: number }): Promise<PromoteHistory> {
  return readPromotionHistory(await depsOf(ctx), o)
}

/** `models promote --refresh-consumers`. */
export async function refreshConsumersOperation(ctx: Context, o: { tag?: string }): Promise<{ tag: string; hash: string; consumers: ConsumerCheck }> {
  return refreshTagConsumers(await depsOf(ctx), o)
}

async function depsOf(ctx: Context): Promise<PromoteDeps> {
  const target = await ctx.promotionTarget()
  const requireTests = ctx.project.config.config.promotion?.require_tests === true
  return {
    target,
    state: await ctx.state(),
    lock: () => ctx.lockEnvironment('prod', 'promote'),
    runTests: requireTests
      ? async () => {
          await ctx.sql.ready()
          const r = await runModelTests(ctx.project, ctx.sql)
          return r.tests.filter((t) => t.status !== 'passed').map((t) => t.name)
        }
      : undefined,
  }
}

/**
 * Move a consumer tag to a verified commit of main: a commit some recorded run (or restatement)
 * produced, which succeeded with no failed blocking audit. Preview, confirm, move the tag with
 * its expected hash (a concurrent move is a conflict, never an overwrite), record, then make
 * consumers see it and check that they do.
 */
export async function promote(deps: PromoteDeps, o: PromoteOptions): Promise<PromoteOutcome> {
  const { target, state } = deps
  const { store, mainBranch: main } = target
  const tag = o.tag ?? target.defaultTag
  if (!o.dryRun) await deps.lock?.()
  const toHash = o.toHash === undefined ? (await store.getReference(main)).hash : await resolveOnMain(store, main, o.toHash)
  const current = await readTag(store, tag)
  checkExpected(tag, current, o.expectCurrent)
  if (current?.hash === toHash) {
    return { kind: 'noop', tag, hash: toHash, message: `tag '${tag}' consumers already at ${short(toHash)}; nothing to do` }
  }

  const v = await verify(state, toHash)
  if (o.toHash === undefined) {
    // The head may be an older run's commit while the latest run failed (its writes never merged):
    // promoting "the latest" would not be what the user thinks; make them name the commit.
    const latest = (await state.listRuns(50)).find((r) => r.env === 'prod' && r.status !== 'running')
    if (latest && latest.status === 'failed' && latest.id !== v.run?.id) {
      v.problems.push(
        `the last prod run ${latest.id} (${latest.command}) failed: ${failedModels(latest.summary)}; ${main}'s head ${short(toHash)} is an earlier commit — fix and re-run, or promote that commit explicitly with --to-hash ${short(toHash)}`,
      )
    }
  }
  if (deps.runTests) {
    const failed = await deps.runTests()
    if (failed.length > 0) v.problems.push(`unit tests failed (promotion.require_tests): ${failed.join(', ')}`)
  }
  if (v.problems.length > 0 && !o.force) {
    const last = await lastVerified(store, state, main)
    const where = last
      ? `the last verified commit on ${main} is ${short(last.hash)} (run ${last.run.id}, ${fmtWhen(last.run.finishedAt)})${last.hash === current?.hash ? `, where '${tag}' already is` : ''}`
      : `no commit among the last ${HISTORY_DEPTH} of ${main} was produced by a verified run`
    throw new EngineError(
      'PROMOTION_REFUSED',
      `refusing to move tag '${tag}' to ${short(toHash)}: ${v.problems.join('; ')}; ${where}. Nothing changed (--force promotes anyway and is recorded as forced)`,
    )
  }
  const preview = await buildPreview(store, main, tag, current, toHash, v)
  const warnings = v.problems.length === 0 ? [] : [forcedWarning(tag, toHash, v.problems, o.dryRun)]
  if (o.dryRun) return { kind: 'dry-run', preview, warnings }
  if (o.confirm && !(await o.confirm(preview))) throw new EngineError('OPTION_INVALID', 'promotion cancelled; nothing was changed')

  await moveTag(store, main, tag, current, toHash)
  const forced = v.problems.length > 0
  const record: PromotionRecord = {
    id: randomUUID(),
    tag,
    ...(current ? { fromHash: current.hash } : {}),
    toHash,
    user: safeUser(),
    at: o.now ?? Date.now(),
    ...(!forced && v.run ? { verifiedBy: v.run.id } : {}),
    forced,
    ...(forced ? { forcedReasons: v.problems } : {}),
  }
  try {
    await state.recordPromotion(record)
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    throw new StateError(
      'STATE_ERROR',
      `tag '${tag}' was moved to ${short(toHash)}, but the promotion could not be recorded (${msg}); run \`models promote --refresh-consumers\` so readers see it`,
      { cause: e },
    )
  }
  const consumers = await refresh(target, tag, toHash, record.fromHash)
  return { kind: 'promoted', preview, record, consumers, warnings }
}

/** The tag's recorded promotions and where it is now. */
export async function readPromotionHistory(deps: PromoteDeps, o: { tag?: string; limit: number }): Promise<PromoteHistory> {
  const tag = o.tag ?? deps.target.defaultTag
  const records = await deps.state.listPromotions({ tag, limit: o.limit })
  const current = (await readTag(deps.target.store, tag))?.hash
  const movedOutside = current !== undefined && current !== records[0]?.toHash
  return { tag, ...(current === undefined ? {} : { current }), records, movedOutside }
}

/** Re-run only the consumer refresh and check for where the tag is now (after a failed one). */
export async function refreshTagConsumers(deps: PromoteDeps, o: { tag?: string }): Promise<{ tag: string; hash: string; consumers: ConsumerCheck }> {
  const tag = o.tag ?? deps.target.defaultTag
  const current = await readTag(deps.target.store, tag)
  if (!current) throw new EngineError('OPTION_INVALID', `tag '${tag}' does not exist; promote a commit first`)
  return { tag, hash: current.hash, consumers: await refresh(deps.target, tag, current.hash) }
}

interface Verification {
  run?: RunRecord
  /** Empty when the commit is verified. */
  problems: string[]
}

/** A commit is verified when a recorded run produced it, succeeded, and no blocking audit of it failed. */
async function verify(state: StateStore, hash: string): Promise<Verification> {
  const run = await state.findRunByCommit(hash)
  if (!run) return { problems: [`commit ${short(hash)} was not produced by a recorded run`] }
  const problems: string[] = []
  if (run.status === 'running') problems.push(`run ${run.id} that produced ${short(hash)} never finished (it is still running, or it died)`)
  else if (run.status !== 'succeeded') problems.push(`run ${run.id} that produced ${short(hash)} failed: ${failedModels(run.summary)}`)
  const audits = await state.listAudits({ runId: run.id, limit: 1_000_000 })
  const bad = audits.filter((a) => a.blocking && a.status === 'failed').map((a) => `blocking audit ${a.audit} on ${a.model} failed in run ${run.id}`)
  problems.push(...new Set(bad))
  return { run, problems }
}

/** The newest commit of main's recent history that verifies. */
async function lastVerified(store: VersionStore, state: StateStore, main: string): Promise<{ hash: string; run: RunRecord } | undefined> {
  for (const e of await store.history(main, { max: HISTORY_DEPTH })) {
    const v = await verify(state, e.hash)
    if (v.run && v.problems.length === 0) return { hash: e.hash, run: v.run }
  }
  return undefined
}

function failedModels(summary: unknown): string {
  const s = (summary ?? {}) as { failed?: unknown; skipped?: unknown }
  const names = (xs: unknown): string[] =>
    Array.isArray(xs) ? xs.map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown } | null)?.name ?? '?'))) : []
  const failed = names(s.failed)
  const skipped = names(s.skipped)
  const parts: string[] = []
  if (failed.length > 0) parts.push(`${failed.length === 1 ? 'model' : 'models'} ${failed.join(', ')} failed`)
  if (skipped.length > 0) parts.push(`${skipped.join(', ')} skipped`)
  return parts.join(', ') || 'see `models` run records'
}

/** A full hash of main's history, from a full hash or a unique prefix. */
async function resolveOnMain(store: VersionStore, main: string, given: string): Promise<string> {
  const h = given.trim().toLowerCase()
  const notOnMain = (extra = ''): EngineError => new EngineError('OPTION_INVALID', `--to-hash ${given} is not a commit of branch '${main}'${extra}`)
  if (!/^[0-9a-f]+$/.test(h) || h.length > 64) throw new EngineError('OPTION_INVALID', `--to-hash ${given} is not a commit hash (up to 64 hex characters)`)
  if (h.length < MIN_PREFIX) throw new EngineError('OPTION_INVALID', `--to-hash ${given} is too short: give at least ${MIN_PREFIX} hex characters`)
  if (h.length === 64) {
    if (await store.containsCommit(main, h)) return h
    throw notOnMain()
  }
  const hits = [...new Set((await store.history(main, { max: PREFIX_DEPTH })).map((e) => e.hash.toLowerCase()).filter((x) => x.startsWith(h)))]
  if (hits.length > 1) {
    throw new EngineError('OPTION_INVALID', `--to-hash ${given} is ambiguous on branch '${main}' (${hits.map(short).join(', ')}); give more characters`)
  }
  if (hits[0] !== undefined) return hits[0]
  throw notOnMain(` (searched its last ${PREFIX_DEPTH} commits; give the full hash of an older one)`)
}

/** The tag, or undefined when it does not exist. */
async function readTag(store: VersionStore, tag: string): Promise<Reference | undefined> {
  let ref: Reference
  try {
    ref = await store.getReference(tag)
  } catch (e) {
    if (e instanceof CatalogError && e.nessieCode === 'REFERENCE_NOT_FOUND') return undefined
    throw e
  }
  if (ref.type !== 'TAG') throw new EngineError('OPTION_INVALID', `'${tag}' is a branch, not a tag: --tag names the tag consumers read`)
  return ref
}

function checkExpected(tag: string, current: Reference | undefined, expect: string | undefined): void {
  if (expect === undefined) return
  const e = expect.trim().toLowerCase()
  if (e.length < MIN_PREFIX) throw new EngineError('OPTION_INVALID', `--expect-current ${expect} is too short: give at least ${MIN_PREFIX} hex characters`)
  if (!current) {
    throw new EngineError('PROMOTION_CONFLICT', `tag '${tag}' does not exist, but --expect-current ${expect} was given; nothing changed`)
  }
  if (!current.hash.toLowerCase().startsWith(e)) {
    throw new EngineError(
      'PROMOTION_CONFLICT',
      `tag '${tag}' is at ${short(current.hash)}, not at --expect-current ${expect}: it moved since that was read; nothing changed — preview again`,
    )
  }
}

async function buildPreview(
  store: VersionStore,
  main: string,
  tag: string,
  current: Reference | undefined,
  toHash: string,
  v: Verification,
): Promise<PromotePreview> {
  const span = await between(store, main, current?.hash, toHash)
  const built = (v.run?.summary as { built?: unknown } | undefined)?.built
  return {
    tag,
    mainBranch: main,
    ...(current ? { fromHash: current.hash } : {}),
    toHash,
    ...span,
    ...(v.run
      ? {
          run: {
            id: v.run.id,
            command: v.run.command,
            env: v.run.env,
            ...(v.run.finishedAt === undefined ? {} : { finishedAt: v.run.finishedAt }),
            built: Array.isArray(built) ? built.map(String) : [],
          },
        }
      : {}),
    verified: v.problems.length === 0,
    problems: v.problems,
  }
}

/** How the target relates to where the tag is, and the commits in between. */
async function between(
  store: VersionStore,
  main: string,
  from: string | undefined,
  to: string,
): Promise<Pick<PromotePreview, 'direction' | 'commits' | 'commitsTruncated'>> {
  const fwd = await store.history(main, { fromHash: to, max: HISTORY_DEPTH })
  const full = { commits: fwd, commitsTruncated: fwd.length >= HISTORY_DEPTH }
  if (from === undefined) return { direction: 'create', ...full }
  const i = fwd.findIndex((e) => e.hash === from)
  if (i >= 0) return { direction: 'forward', commits: fwd.slice(0, i), commitsTruncated: false }
  // The tag's commit may not be on main (or may be its beginning): then there is no rollback path.
  const back = await store.history(main, { fromHash: from, max: HISTORY_DEPTH }).catch(() => [])
  const j = back.findIndex((e) => e.hash === to)
  if (j >= 0) return { direction: 'rollback', commits: back.slice(0, j), commitsTruncated: false }
  return { direction: 'unrelated', ...full }
}

async function moveTag(store: VersionStore, main: string, tag: string, current: Reference | undefined, toHash: string): Promise<void> {
  const to: Reference = { type: 'BRANCH', name: main, hash: toHash }
  try {
    if (current) await store.assignReference(current, to)
    else await store.createReference('TAG', tag, to)
  } catch (e) {
    if (e instanceof CatalogError && (e.nessieCode === 'REFERENCE_CONFLICT' || e.nessieCode === 'REFERENCE_ALREADY_EXISTS')) {
      const what = current ? `was moved by someone else (expected at ${short(current.hash)})` : 'was created by someone else meanwhile'
      throw new EngineError('PROMOTION_CONFLICT', `tag '${tag}' ${what}; nothing changed — re-run promote`, { cause: e })
    }
    throw e
  }
}

/** Refresh and check consumers; a failure is reported in the check (the tag has already moved). */
async function refresh(target: PromotionTarget, tag: string, hash: string, previous?: string): Promise<ConsumerCheck> {
  try {
    return await target.refreshConsumers(tag, hash, previous)
  } catch (e) {
    const msg = e instanceof EngineError ? e.format() : e instanceof Error ? e.message : String(e)
    return { catalog: '?', verified: false, detail: `refreshing consumers failed: ${msg}` }
  }
}

function forcedWarning(tag: string, hash: string, problems: readonly string[], dryRun: boolean | undefined): string {
  const what = dryRun ? `--force would move tag '${tag}'` : `--force: tag '${tag}' is moved`
  return `${what} to ${short(hash)}, which FAILED verification: ${problems.join('; ')}. Consumers will read unverified data; the promotion is recorded as forced.`
}

/** `abc123def456…`: enough to recognise a 64-hex hash in messages. */
export function short(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash
}

function fmtWhen(ms: number | undefined): string {
  return ms === undefined ? 'unfinished' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}
