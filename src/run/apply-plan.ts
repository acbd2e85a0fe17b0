import { randomUUID } from 'node:crypto'
import type { EngineAdapter, EnvironmentLayer } from '../engines/engine-adapter.js'
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
}

/**
 * Apply a plan: record new snapshots, build what is missing (DAG order, bounded concurrency),
 * then point the environment at every model that is complete. A model that failed, or whose
 * upstream failed, keeps the version readers had before, so nobody sees half-built data.
 * Resolves with the per-model outcome; rejects only when state itself is unreachable.
 */
export async function applyPlan(o: ApplyOptions): Promise<RunResult> {
  const started = Date.now()
  const runId = randomUUID()
  const { plan } = o
  await o.state.startRun({ id: runId, command: o.command, env: plan.env, startedAt: started, status: 'running' })
  await o.state.pushSnapshots(plan.newSnapshots)

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
        { runId, project: o.project, engine: o.engine, state: o.state, sql: o.sql, planned, executionTime: plan.now, reporter: o.reporter },
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
  if (publish.length > 0) await o.environments.publish(plan.env, publish)
  if (plan.removed.length > 0) await o.environments.unpublish(plan.env, plan.removed)
  const record: EnvironmentRecord = {
    name: plan.env,
    snapshots: next,
    revision: before?.revision ?? 0,
    updatedAt: Date.now(),
    lastRunId: runId,
  }
  // Compare-and-set against the revision the plan was made from: a concurrent change is an error.
  await o.state.saveEnvironment(record, plan.envRevision)

  const models: NodeResult[] = plan.models.map((m) => results.get(m.name)!)
  const ok = models.every((r) => r.status === 'succeeded' || r.status === 'unchanged')
  const result: RunResult = {
    runId,
    env: plan.env,
    ok,
    durationMs: Date.now() - started,
    models,
    promoted,
    removed: plan.removed,
  }
  await o.state.finishRun(runId, ok ? 'succeeded' : 'failed', {
    failed: models.filter((r) => r.status === 'failed').map((r) => ({ name: r.name, message: r.message })),
    skipped: models.filter((r) => r.status === 'skipped').map((r) => r.name),
    built: models.filter((r) => r.status === 'succeeded').map((r) => r.name),
  })
  o.reporter?.onRunEnd?.(result)
  return result
}

async function baseOf(state: StateStore, env: string): Promise<Record<string, string>> {
  return (await state.getEnvironment(env))?.snapshots ?? {}
}
