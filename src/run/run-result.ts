/** Outcome of one model in a run. */
export type NodeStatus = 'succeeded' | 'failed' | 'skipped' | 'unchanged' | 'cancelled'

/** One audit outcome, as reported per model. */
export interface NodeAudit {
  audit: string
  blocking: boolean
  status: 'passed' | 'failed'
  count: number
  interval?: readonly [number, number]
}

export interface NodeResult {
  name: string
  status: NodeStatus
  batchesDone: number
  batchesTotal: number
  durationMs: number
  /** Why it failed (engine message) or was skipped (`upstream X failed`). */
  message?: string
  /** The SQL that failed, when an engine query failed. */
  sql?: string
  /** Audits run on what this model wrote (non-blocking failures are warnings). */
  audits?: NodeAudit[]
}

/** Outcome of applying a plan. `ok` is false when any model failed or was skipped. */
export interface RunResult {
  runId: string
  env: string
  ok: boolean
  durationMs: number
  models: NodeResult[]
  /** Models whose new version the environment now points to. */
  promoted: string[]
  removed: string[]
}

/** Optional progress hooks; all printing lives in cli/render. */
export interface RunReporter {
  onRunStart?(info: { env: string; models: number; batches: number }): void
  onModelStart?(name: string, batchesTotal: number): void
  onBatchDone?(name: string, done: number, total: number, interval: readonly [number, number] | undefined): void
  onModelEnd?(result: NodeResult): void
  onRunEnd?(result: RunResult): void
}
