/**
 * Locks on what a command changes (an environment: `prod`, `dev`, `sources`…): a run,
 * restatement, ingest, invalidation or promotion holds its environment's lock from before it
 * plans until it has recorded everything. A second process fails at once naming the holder, or
 * waits (`--wait`). Backends: lock files beside the embedded store, Postgres advisory locks
 * beside the Postgres store.
 */

/** Who holds a lock. */
export interface LockHolder {
  pid: number
  host: string
  user: string
  command: string
  since: number
}

export interface HeldLock {
  /** Idempotent. */
  release(): Promise<void>
}

export interface AcquireOptions {
  /** Wait until the lock is free instead of failing at once. */
  wait?: boolean
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void
  /** Poll interval while waiting (ms). Default 1,000. */
  pollMs?: number
}

export interface StateLocks {
  /** Take the lock `name`; throws StateError('STATE_LOCKED') naming the holder unless `wait`. */
  acquire(name: string, command: string, o?: AcquireOptions): Promise<HeldLock>
  /** Locks held right now by live processes. */
  list(): Promise<Array<LockHolder & { name: string }>>
  close(): Promise<void>
}

/** `models run` (pid 12 on host, user ann, since …) — how a holder is named in messages. */
export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another process'
  return `\`models ${h.command}\` (pid ${h.pid} on ${h.host}, user ${h.user}, since ${new Date(h.since).toISOString()})`
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
