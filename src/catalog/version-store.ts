/** A named reference of the catalog's history (Nessie branch or tag) with the commit it points to. */
export interface Reference {
  type: 'BRANCH' | 'TAG'
  name: string
  /** Commit hash (64 hex characters for Nessie). */
  hash: string
}

/** One commit of a branch's history. */
export interface CommitEntry {
  hash: string
  message: string
  author?: string
  commitTime?: string
  properties: Record<string, string>
}

/**
 * The versioned catalog (Nessie today). Every change carries the expected hash of what it
 * changes, so a concurrent writer surfaces as `CatalogError('REFERENCE_CONFLICT')`, never as an
 * overwrite.
 */
export interface VersionStore {
  getReference(name: string): Promise<Reference>
  /** References that exist, branches and tags. */
  listReferences(): Promise<Reference[]>
  /** Commit log of a branch, newest first, up to `max` entries (optionally from a hash). */
  history(branch: string, o?: { max?: number; fromHash?: string }): Promise<CommitEntry[]>
  /** Whether `hash` is a commit of `branch`'s history (its head or an ancestor). */
  containsCommit(branch: string, hash: string): Promise<boolean>
  /** Create a tag or branch at `hash` (which must be visible from `from`). */
  createReference(type: Reference['type'], name: string, from: Reference): Promise<Reference>
  /** Move a tag/branch to `to.hash`, only if it still points to `expected.hash`. */
  assignReference(expected: Reference, to: Reference): Promise<Reference>
  /** Merge `from` into the branch `into` (whose head must still be `into.hash`). */
  merge(from: Reference, into: Reference, message: string): Promise<Reference>
  deleteReference(ref: Reference): Promise<void>
}
