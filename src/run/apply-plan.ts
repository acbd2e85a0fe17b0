import { randomUUID } from 'node:crypto'
import { directSession, type EngineAdapter, type EnvironmentLayer, type WriteSession } from '../engines/engine-adapter.js'
import { EngineError } from '../errors.js'
import type { Interval } from '../snapshot/interval.js'
import type { Plan } from '../plan/plan.js'
import type { Project } from '../project/load-project.js'
import { physicalTable } from '../snapshot/physical.js'
import type { EnvironmentRecord } from '../snapshot/snapshot.js'
import type { StateStore } from '../state/state-store.js'
import type { SqlService } from '../sql/sql-service.js'
import { evaluateModel } from './evaluator.js'
import type { NodeResult, RunReporter, RunResult } from './run-result.js'
import { runDag } from './scheduler.js'

export interface ApplyOptions {
  project: Project
  plan: Plan
  engine: EngineAdapter
  environments: EnvironmentLayer
  state: StateStore
  sql: SqlService
  concurrency: number
  command: string
  reporter?: RunReporter
  signal?: AbortSignal
  /** Start the run's write session; default: write straight into `engine`. */
  beginWrite?: (runId: string) => Promise<WriteSession>
}

/**
 * Apply a plan: record new snapshots, build what is missing (DAG order, bounded concurrency),
 * then point the environment at every model that is complete. A model that failed, or whose
 * upstream failed, keeps the version readers had before, so nobody sees half-built data.
 * Resolves with the per-model outcome; rejects when state is unreachable or when the run's writes
 * could not be published (e.g. a Nessie merge conflict) — then no interval is recorded.
 */
export async function applyPlan(o: ApplyOptions): Promise<RunResult> {
  const started = Date.now()
  const runId = randomUUID()
  const { plan } = o
  await o.state.startRun({ id: runId, command: o.command, env: plan.env, startedAt: started, status: 'running' })
  await o.state.pushSnapshots(plan.newSnapshots)
  let session: WriteSession
  try {
    session = o.beginWrite ? await o.beginWrite(runId) : directSession(o.engine, o.environments)
  } catch (e) {
    await o.state.finishRun(runId, 'failed', { error: e instanceof Error ? e.message : String(e) })
    throw e
  }
  try {
    return await applyInSession(o, session, runId, started)
  } finally {
    await session.close()
  }
}

async function applyInSession(o: ApplyOptions, session: WriteSession, runId: string, started: number): Promise<RunResult> {
  const { plan } = o
  /** Intervals wait here until the session's writes are visible (deferred sessions). */
  const done: Array<{ version: string; intervals: Interval[] }> = []
  const addIntervals = async (version: string, intervals: Interval[]): Promise<void> => {
    if (session.deferred) done.push({ version, intervals })
    else await o.state.addIntervals(version, intervals)
  }

  const planned = new Map(plan.models.map((m) => [m.name, m]))
  const batches = plan.models.reduce(
    (n, m) => n + (m.action.kind === 'backfill' ? m.action.batches.length : m.action.kind === 'build' ? 1 : 0),
    0,
  )
  o.reporter?.onRunStart?.({ env: plan.env, models: plan.models.filter((m) => m.action.kind !== 'none').length, batches })
  const results = await runDag({
    nodes: plan.models.map((m) => m.name),
    parents: (n) => o.project.models.get(n)?.parents ?? [],
    concurrency: o.concurrency,
    signal: o.signal,
    work: async (name, signal) => {
      const r = await evaluateModel(
        {
          runId,
          project: o.project,
          engine: session.engine,
          state: o.state,
          addIntervals,
          sql: o.sql,
          planned,
          executionTime: plan.now,
          reporter: o.reporter,
        },
        planned.get(name)!,
        signal,
      )
      if (r.status !== 'unchanged') o.reporter?.onModelEnd?.(r)
      return r
    },
  })

  // Promote complete models into the environment.
  const before = (await o.state.getEnvironment(plan.env)) ?? undefined
  const baseSnapshots: Record<string, string> = { ...(before?.snapshots ?? (plan.baseEnv ? await baseOf(o.state, plan.baseEnv) : {})) }
  const next: Record<string, string> = { ...baseSnapshots }
  const promoted: string[] = []
  const publish: Array<{ model: string; physical: ReturnType<typeof physicalTable> }> = []
  const isNewEnv = before === undefined
  for (const m of plan.models) {
    const r = results.get(m.name)!
    const complete = r.status === 'succeeded' || (r.status === 'unchanged' && m.action.kind === 'none')
    if (!complete) continue
    const prevFp = next[m.name]
    next[m.name] = m.snapshot.fingerprint
    if (prevFp !== m.snapshot.fingerprint) promoted.push(m.name)
    if (isNewEnv || prevFp !== m.snapshot.fingerprint || r.status === 'succeeded') {
      publish.push({ model: m.name, physical: physicalTable(m.name, m.snapshot.version) })
    }
  }
  for (const name of plan.removed) delete next[name]
  const models: NodeResult[] = plan.models.map((m) => results.get(m.name)!)
  const ok = models.every((r) => r.status === 'succeeded' || r.status === 'unchanged')
  const summary = {
    failed: models.filter((r) => r.status === 'failed').map((r) => ({ name: r.name, message: r.message })),
    skipped: models.filter((r) => r.status === 'skipped').map((r) => r.name),
    built: models.filter((r) => r.status === 'succeeded').map((r) => r.name),
  }
  let commit: string | undefined
  try {
    if (publish.length > 0) await session.environments.publish(plan.env, publish)
    if (plan.removed.length > 0) await session.environments.unpublish(plan.env, plan.removed)
    commit = (await session.publish(`tributary ${o.command} ${plan.env}: run ${runId} (${summary.built.length} built, ${summary.failed.length} failed)`)).commit
  } catch (e) {
    const msg = e instanceof EngineError ? e.format() : e instanceof Error ? e.message : String(e)
    await o.state.finishRun(runId, 'failed', { ...summary, error: `publish failed: ${msg}` })
    throw new EngineError('CATALOG_ERROR', `the run's writes could not be published, so nothing changed for readers: ${msg}`, { cause: e })
  }
  // The writes are visible now: record their intervals.
  for (const d of done) await o.state.addIntervals(d.version, d.intervals)

  const record: EnvironmentRecord = {
    name: plan.env,
    snapshots: next,
    revision: before?.revision ?? 0,
    updatedAt: Date.now(),
    lastRunId: runId,
  }
  // Compare-and-set against the revision the plan was made from: a concurrent change is an error.
  await o.state.saveEnvironment(record, plan.envRevision)

  const result: RunResult = {
    runId,
    env: plan.env,
    ok,
    durationMs: Date.now() - started,
    models,
    promoted,
    removed: plan.removed,
  }
  await o.state.finishRun(runId, ok ? 'succeeded' : 'failed', summary, commit)
  o.reporter?.onRunEnd?.(result)
  return result
}

async function baseOf(state: StateStore, env: string): Promise<Record<string, string>> {
  return (await state.getEnvironment(env))?.snapshots ?? {}
}
