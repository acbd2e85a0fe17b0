import type { Dialect } from '../sql/dialect.js'
import type { ModelKind } from '../project/model.js'

/** How a change to a model is categorized against the environment it is planned for. */
export type ChangeCategory = 'breaking' | 'non-breaking' | 'metadata'

/**
 * One version of one model, as recorded in state. The `fingerprint` identifies the exact model
 * (its own SQL + metadata + its parents' fingerprints); the `version` names its physical table and
 * is shared by fingerprints whose data is interchangeable (metadata-only or non-breaking upstream
 * changes), so those reuse the table and its intervals.
 */
export interface Snapshot {
  name: string
  fingerprint: string
  version: string
  dataHash: string
  metadataHash: string
  /** Parent names (models and external tables). */
  parents: string[]
  kind: ModelKind
  dialect: Dialect
  cron: string
  start?: string
  /** Project-relative file it was loaded from. */
  file: string
  /** Output columns when known, for the non-breaking rule and for docs. */
  columns?: string[]
  projectionHashes?: string[]
  bodyHash?: string
  /** How this snapshot's change was categorized when it was created. */
  category?: ChangeCategory | 'added'
  createdAt: number
}

/** The model versions one environment points to. */
export interface EnvironmentRecord {
  name: string
  /** model name -> fingerprint */
  snapshots: Record<string, string>
  /** Incremented on every save; saves are compare-and-set on it. */
  revision: number
  updatedAt: number
  /** Id of the last run that changed it. */
  lastRunId?: string
}

/** Environment names: lower-case letters, digits, `_` and `-`, starting with a letter. */
export const ENV_NAME = /^[a-z][a-z0-9_-]{0,62}$/
