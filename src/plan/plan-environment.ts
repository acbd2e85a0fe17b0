import { PlanError } from '../errors.js'
import type { Project } from '../project/load-project.js'
import { ENV_NAME, type EnvironmentRecord, type Snapshot } from '../snapshot/snapshot.js'
import type { StateReader } from '../state/state-store.js'
import { buildPlan, computeFingerprints } from './build-plan.js'
import type { Plan } from './plan.js'

export interface PlanEnvironmentOptions {
  env: string
  now: number
  range?: { start?: number; end?: number }
  selected?: ReadonlySet<string>
  /** Fail when the environment does not exist yet (commands that need an existing one). */
  mustExist?: boolean
}

/** Validate an environment name; throws PlanError('ENV_INVALID'). */
export function checkEnvName(env: string): void {
  if (!ENV_NAME.test(env)) {
    throw new PlanError('ENV_INVALID', `invalid environment name '${env}': use lower-case letters, digits, '_' or '-', starting with a letter`)
  }
}

/** The environment's record; an unknown name is an error listing the known ones. */
export async function requireEnvironment(state: StateReader, env: string): Promise<EnvironmentRecord> {
  const record = await state.getEnvironment(env)
  if (record) return record
  const known = (await state.listEnvironments()).map((e) => e.name)
  throw new PlanError('ENV_UNKNOWN', `unknown environment '${env}' (known: ${known.length ? known.join(', ') : 'none yet — run `models run` first'})`)
}

/** Fetch what the planner needs from state, then plan (the planner itself is pure). */
export async function planEnvironment(project: Project, state: StateReader, o: PlanEnvironmentOptions): Promise<Plan> {
  checkEnvName(o.env)
  const order = project.dag.topoOrder()
  const fingerprints = computeFingerprints(project.models, order)
  const envRecord = o.mustExist ? await requireEnvironment(state, o.env) : await state.getEnvironment(o.env)
  const prod = o.env === 'prod' ? envRecord : await state.getEnvironment('prod')
  const baseRecord = envRecord ?? prod
  const fps = new Set<string>(fingerprints.values())
  for (const fp of Object.values(baseRecord?.snapshots ?? {})) fps.add(fp)
  for (const fp of Object.values(prod?.snapshots ?? {})) fps.add(fp)
  const snapshots = await state.getSnapshots([...fps])
  const versions = new Set<string>()
  for (const s of snapshots.values()) versions.add(s.version)
  for (const fp of fingerprints.values()) versions.add(fp.slice(0, 16))
  const intervals = await state.getIntervals([...versions])
  const prodVersions = new Set(
    Object.values(prod?.snapshots ?? {})
      .map((fp) => snapshots.get(fp))
      .filter((s): s is Snapshot => s !== undefined)
      .map((s) => s.version),
  )
  const pending = await state.listRestatements({ env: o.env, running: true, limit: 20 })
  const plan = buildPlan({
    env: o.env,
    models: project.models,
    order,
    fingerprints,
    envRecord,
    baseRecord,
    snapshots,
    intervals,
    prodVersions,
    now: o.now,
    range: o.range,
    selected: o.selected,
    defaultStart: project.config.config.model_defaults.start,
    materializeViews: project.config.gateway.connection?.type === 'trino',
  })
  if (pending.length > 0) {
    plan.pendingRestatements = pending.map((r) => ({ id: r.id, user: r.user, startedAt: r.startedAt, models: r.models.map((m) => m.name) }))
  }
  return plan
}
