import { randomUUID } from 'node:crypto'
import type { Context } from '../context.js'
import { PlanError } from '../errors.js'
import { computeFingerprints } from '../plan/build-plan.js'
import { checkEnvName, requireEnvironment } from '../plan/plan-environment.js'
import type { Plan, PlannedModel } from '../plan/plan.js'
import { buildRestatement, type RestateTarget } from '../restate/build-restatement.js'
import type { RunReporter, RunResult } from '../run/run-result.js'
import { verifyModels } from '../run/verify-models.js'
import type { Interval } from '../snapshot/interval.js'
import { batchRanges, intervalUnitFromCron, mergeIntervals, subtractIntervals } from '../snapshot/intervals.js'
import { physicalTable } from '../snapshot/physical.js'
import type { Snapshot } from '../snapshot/snapshot.js'
import { safeUser } from '../state/env-lock.js'
import type { RestatementRecord } from '../state/state-store.js'
import { runModelTests, type TestRunResult } from '../testing/index.js'
import { ingestOperation } from './ingest.js'
import { applyOnGateway } from './run.js'
import { buildSelection } from './selection.js'

export interface RestateOptions {
  env: string
  categories: readonly string[]
  selectors: readonly string[]
  start?: number
  end?: number
  reason?: string
  skipTests?: boolean
  dryRun?: boolean
  /** Asked after the preview (unless dryRun); false cancels. */
  confirm?: (preview: RestatePreview) => Promise<boolean>
  reporter?: RunReporter
  signal?: AbortSignal
  now?: number
}

export interface RestatePreview {
  env: string
  /** Id of an interrupted restatement with the same request that this one resumes. */
  resumes?: string
  models: Array<RestateTarget & { rows?: number }>
}

export interface RestateOutcome {
  preview: RestatePreview
  record?: RestatementRecord
  tests?: TestRunResult
  result?: RunResult
}

/**
 * `models restate`: resolve the selection (plus everything downstream), preview it, run the
 * affected models' unit tests, record the restatement, clear its intervals and recompute them
 * batch by batch in DAG order. Re-running the same request after a crash resumes it.
 */
export async function restateOperation(ctx: Context, o: RestateOptions): Promise<RestateOutcome> {
  checkEnvName(o.env)
  if (o.categories.length === 0 && o.selectors.length === 0) {
    throw new PlanError('OPTION_INVALID', 'give at least one --category or --model')
  }
  if (!o.dryRun) await ctx.lockEnvironment(o.env, 'restate')
  const state = await ctx.state()
  const envRecord = await requireEnvironment(state, o.env)
  const selected = resolveSelection(ctx, o)
  const prod = o.env === 'prod' ? envRecord : await state.getEnvironment('prod')
  const snapshots = await state.getSnapshots([...Object.values(envRecord.snapshots), ...Object.values(prod?.snapshots ?? {})])
  const intervals = await state.getIntervals([...new Set([...snapshots.values()].map((s) => s.version))])
  const prodVersions = new Set(Object.values(prod?.snapshots ?? {}).map((fp) => snapshots.get(fp)?.version ?? ''))
  const order = ctx.project.dag.topoOrder()
  const request = { categories: [...o.categories], selectors: [...o.selectors], start: o.start, end: o.end }
  const running = (await state.listRestatements({ env: o.env, running: true, limit: 20 })).find(
    (r) => JSON.stringify([r.categories, r.selectors, r.start, r.end]) === JSON.stringify([request.categories, request.selectors, request.start, request.end]),
  )
  let targets = buildRestatement({
    env: o.env,
    models: ctx.project.models,
    dag: ctx.project.dag,
    fingerprints: computeFingerprints(ctx.project.models, order),
    envRecord,
    snapshots,
    intervals,
    prodVersions,
    selected,
    start: o.start,
    end: o.end,
  })
  if (running) {
    // Resume: the intervals to recompute are those the interrupted restatement cleared.
    const cleared = new Map(running.models.map((m) => [m.name, m]))
    targets = targets.map((t) => {
      const c = cleared.get(t.name)
      return c ? { ...t, intervals: c.intervals.map((iv) => [iv[0], iv[1]] as Interval), skipped: undefined } : t
    })
  }
  const preview: RestatePreview = { env: o.env, models: await withRowCounts(ctx, targets), ...(running ? { resumes: running.id } : {}) }
  if (preview.models.every((m) => m.skipped)) {
    throw new PlanError('PLAN_INVALID', `nothing to restate in '${o.env}': ${preview.models.map((m) => `${m.name} (${m.skipped})`).join(', ') || 'no models'}`)
  }
  if (o.dryRun) return { preview }
  if (o.confirm && !(await o.confirm(preview))) throw new PlanError('OPTION_INVALID', 'restatement cancelled; nothing was changed')

  await ctx.sql.ready()
  const work = preview.models.filter((m) => !m.skipped)
  let tests: TestRunResult | undefined
  if (!o.skipTests) {
    tests = await runModelTests(ctx.project, ctx.sql, { selectors: work.map((m) => m.name), now: o.now })
    if (tests.failed + tests.errors > 0) {
      const bad = tests.tests.filter((t) => t.status !== 'passed').map((t) => t.name)
      throw new PlanError('PLAN_INVALID', `unit tests failed (${bad.join(', ')}); nothing was restated (fix them, or pass --skip-tests)`)
    }
  }

  // Replicated source tables in the selection are re-synced in full first; if that fails, nothing is cleared.
  const sourceNodes = [...selected].filter((n) => ctx.project.models.get(n)?.def.extra['source'] !== undefined)
  if (sourceNodes.length > 0 && !running) {
    const synced = await ingestOperation(ctx, { tables: sourceNodes, fullRefresh: true })
    const bad = synced.tables.filter((t) => t.status === 'failed')
    if (bad.length > 0) {
      throw new PlanError('PLAN_INVALID', `re-syncing ${bad.map((t) => `${t.node} failed: ${t.message}`).join('; ')}; nothing was restated`)
    }
  }

  const record: RestatementRecord = running ?? {
    id: randomUUID(),
    env: o.env,
    user: safeUser(),
    startedAt: Date.now(),
    status: 'running',
    ...request,
    reason: o.reason,
    models: work.map((m) => ({ name: m.name, why: m.why, version: m.snapshot.version, full: m.full, intervals: m.intervals })),
  }
  // Parse every model to recompute before anything is cleared.
  verifyModels(ctx.project, restatementPlan(ctx, o.env, envRecord.revision, envRecord.snapshots, snapshots, work, new Map()), ctx.sql)
  if (!running) {
    // Record first, then clear: the record says what to recompute if this process dies.
    await state.saveRestatement(record)
    for (const m of work) await state.removeIntervals(m.snapshot.version, m.intervals)
  }
  const plan = restatementPlan(ctx, o.env, envRecord.revision, envRecord.snapshots, snapshots, work, await state.getIntervals(work.map((m) => m.snapshot.version)))
  const result = await applyOnGateway(ctx, plan, { command: 'restate', reporter: o.reporter, signal: o.signal })
  const done: RestatementRecord = {
    ...record,
    status: result.ok ? 'succeeded' : 'failed',
    finishedAt: Date.now(),
    outcome: result.models.filter((m) => m.status !== 'unchanged').map((m) => ({ name: m.name, status: m.status, message: m.message })),
  }
  await state.saveRestatement(done)
  return { preview, record: done, tests, result }
}

/** `--category X` is `tag:entity_category=X`; an unknown category is an error listing the known ones. */
function resolveSelection(ctx: Context, o: RestateOptions): Set<string> {
  const known = new Set<string>()
  for (const m of ctx.project.models.values()) {
    for (const t of m.def.tags) if (t.startsWith('entity_category=')) known.add(t.slice('entity_category='.length))
  }
  for (const c of o.categories) {
    if (!known.has(c)) {
      throw new PlanError('OPTION_INVALID', `unknown category '${c}': no model is tagged entity_category=${c} (known: ${[...known].sort().join(', ') || 'none'})`)
    }
  }
  const selectors = [...o.categories.map((c) => `tag:entity_category=${c}`), ...o.selectors]
  return buildSelection(ctx, selectors) ?? new Set()
}

/** Rows in the ranges to restate (time-range models) or in the table (others); cheap counts only. */
async function withRowCounts(ctx: Context, targets: RestateTarget[]): Promise<RestatePreview['models']> {
  const { engine } = await ctx.engine()
  const out: RestatePreview['models'] = []
  for (const t of targets) {
    if (t.skipped || t.snapshot.kind.name === 'VIEW') {
      out.push(t)
      continue
    }
    const table = engine.quoteTable(physicalTable(t.name, t.snapshot.version))
    let where = ''
    if (t.snapshot.kind.name === 'INCREMENTAL_BY_TIME_RANGE') {
      const col = engine.quoteIdent(t.snapshot.kind.timeColumn.replace(/^"|"$/g, ''))
      where = ` WHERE ${t.intervals.map(([a, b]) => `(${col} >= ${engine.timestampLiteral(a)} AND ${col} < ${engine.timestampLiteral(b)})`).join(' OR ')}`
    }
    const rows = await engine.query(`SELECT count(*) AS n FROM ${table}${where}`).catch(() => undefined)
    out.push({ ...t, ...(rows ? { rows: Number(rows[0]?.['n'] ?? 0) } : {}) })
  }
  return out
}

/** A plan that recomputes exactly the cleared intervals that are still missing, in DAG order. */
function restatementPlan(
  ctx: Context,
  env: string,
  revision: number,
  pointers: Readonly<Record<string, string>>,
  snapshots: ReadonlyMap<string, Snapshot>,
  work: readonly RestateTarget[],
  processed: ReadonlyMap<string, readonly Interval[]>,
): Plan {
  const byName = new Map(work.map((w) => [w.name, w]))
  const models: PlannedModel[] = []
  for (const name of ctx.project.dag.topoOrder()) {
    const fp = pointers[name]
    const snapshot = fp ? snapshots.get(fp) : undefined
    if (!snapshot) continue
    const w = byName.get(name)
    const done = mergeIntervals(processed.get(snapshot.version) ?? [])
    const remaining = w ? subtractIntervals(mergeIntervals(w.intervals), done) : []
    let action: PlannedModel['action'] = { kind: 'none', reason: 'not-selected' }
    if (w && remaining.length > 0) {
      if (w.full) action = { kind: 'build', interval: [remaining[0]![0], remaining[remaining.length - 1]![1]] }
      else {
        const kind = snapshot.kind
        const batchSize = kind.name === 'INCREMENTAL_BY_TIME_RANGE' ? kind.batchSize : undefined
        action = { kind: 'backfill', batches: batchRanges(remaining, intervalUnitFromCron(snapshot.cron), batchSize) }
      }
    }
    models.push({ name, snapshot, action })
  }
  return { env, baseEnv: env, envRevision: revision, now: Date.now(), models, removed: [], newSnapshots: [] }
}
