import type { Interval } from '../snapshot/interval.js'
import type { EnvironmentRecord, Snapshot } from '../snapshot/snapshot.js'
import type { StateDump } from './state-dump.js'

/** One run of the tool that changed data, for the run log. */
export interface RunRecord {
  id: string
  command: string
  env: string
  startedAt: number
  finishedAt?: number
  status: 'running' | 'succeeded' | 'failed'
  /** Per-model outcome summary (no secrets, no data). */
  summary?: unknown
  /**
   * The versioned catalog's commit that made this run's writes visible (Nessie: the hash of `main`
   * after the run's work branch was merged). Undefined on engines without a versioned catalog.
   */
  commit?: string
}

/** One move of a consumer tag (`models promote`). */
export interface PromotionRecord {
  id: string
  /** The tag moved, e.g. `consumer`. */
  tag: string
  /** Where the tag pointed before; undefined when the tag was created by this promotion. */
  fromHash?: string
  toHash: string
  /** OS user who promoted. */
  user: string
  at: number
  /** Id of the run (or restatement run) whose verification covered `toHash`; undefined when forced. */
  verifiedBy?: string
  /** `--force` overrode a failed verification: the reasons it would have been refused. */
  forced: boolean
  forcedReasons?: string[]
}

/** One audit outcome on one model version (and batch interval), kept as verification evidence. */
export interface AuditRecord {
  runId: string
  model: string
  version: string
  fingerprint: string
  audit: string
  blocking: boolean
  status: 'passed' | 'failed'
  /** Bad rows found. */
  count: number
  /** The batch interval checked; undefined = the whole table. */
  interval?: readonly [number, number]
  at: number
}

/** One restatement: who asked for what, what it resolved to, and how it ended. */
export interface RestatementRecord {
  id: string
  env: string
  /** OS user who ran it. */
  user: string
  startedAt: number
  finishedAt?: number
  status: 'running' | 'succeeded' | 'failed'
  /** The selection exactly as given: `--category` values and `--model` selectors. */
  categories: string[]
  selectors: string[]
  /** Requested range (epoch ms; end exclusive); undefined = from each model's start / to now. */
  start?: number
  end?: number
  reason?: string
  /** Every affected model with why, the version restated and what was cleared. */
  models: Array<{ name: string; why: string; version: string; full: boolean; intervals: Array<readonly [number, number]> }>
  /** Per-model outcome once finished. */
  outcome?: unknown
}

/** What `models state show` reports about a store. */
export interface StateInfo {
  backend: 'embedded' | 'postgres'
  /** File path, or `user@host:port/database` (never a password). */
  location: string
  /** Postgres schema holding everything. */
  schema?: string
  /** Schema version of the store, and the newest this tool knows. */
  schemaVersion: number
  latestVersion: number
  /** Rows per record kind. */
  counts: Record<string, number>
}

/** Read side of the state store: what the planner needs. */
export interface StateReader {
  getEnvironment(name: string): Promise<EnvironmentRecord | undefined>
  listEnvironments(): Promise<EnvironmentRecord[]>
  /** Snapshots by fingerprint; missing ones are absent from the map. */
  getSnapshots(fingerprints: readonly string[]): Promise<Map<string, Snapshot>>
  /** Processed intervals by physical version, merged and sorted. */
  getIntervals(versions: readonly string[]): Promise<Map<string, Interval[]>>
  listRuns(limit: number): Promise<RunRecord[]>
  /** Restatements, newest first (optionally only one environment's, or only unfinished ones). */
  listRestatements(filter: { env?: string; running?: boolean; limit: number }): Promise<RestatementRecord[]>
  /** Audit records, newest first, optionally for one run or one model. */
  listAudits(filter: { runId?: string; model?: string; limit: number }): Promise<AuditRecord[]>
  /** The run whose writes produced catalog commit `hash`, if one was recorded. */
  findRunByCommit(hash: string): Promise<RunRecord | undefined>
  /** Promotions, newest first (optionally of one tag). */
  listPromotions(filter: { tag?: string; limit: number }): Promise<PromotionRecord[]>
}

/**
 * Where the engine remembers what it built. Every write is one transaction. Intervals are added
 * only after the data they describe has committed in the warehouse.
 */
export interface StateStore extends StateReader {
  /** Insert snapshots that are not there yet (by fingerprint); existing ones are left unchanged. */
  pushSnapshots(snapshots: readonly Snapshot[]): Promise<void>
  addIntervals(version: string, intervals: readonly Interval[]): Promise<void>
  removeIntervals(version: string, intervals: readonly Interval[]): Promise<void>
  /**
   * Save an environment if its stored revision is still `expectedRevision` (undefined = must not
   * exist yet); otherwise throw StateError('STATE_ERROR'). Sets `revision` to expected + 1.
   */
  saveEnvironment(env: EnvironmentRecord, expectedRevision: number | undefined): Promise<EnvironmentRecord>
  /** Remove an environment whose stored revision is still `expectedRevision`; otherwise StateError('STATE_ERROR'). */
  deleteEnvironment(name: string, expectedRevision: number): Promise<void>
  /** Insert or update a restatement record. */
  saveRestatement(r: RestatementRecord): Promise<void>
  /** Append audit outcomes (one transaction). */
  recordAudits(records: readonly AuditRecord[]): Promise<void>
  startRun(run: RunRecord): Promise<void>
  /** Close a run; `commit` is the catalog commit its writes were published in (see RunRecord.commit). */
  finishRun(id: string, status: RunRecord['status'], summary: unknown, commit?: string): Promise<void>
  recordPromotion(p: PromotionRecord): Promise<void>
  /** Backend, schema version and row counts. */
  describe(): Promise<StateInfo>
  /** Every record, for `models state export`. */
  exportState(): Promise<StateDump>
  /**
   * Load a dump in ONE transaction. The store must be empty unless `replace` (then everything in
   * it is replaced); otherwise StateError('STATE_ERROR') and nothing changes.
   */
  importState(dump: StateDump, o: { replace: boolean }): Promise<void>
  close(): Promise<void>
}
