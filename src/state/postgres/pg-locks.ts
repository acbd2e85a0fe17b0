/**
 * Environment locks of the Postgres state store: session-level advisory locks, keyed by the state
 * schema and the lock name, held on one dedicated connection per process, so a crashed holder's
 * locks end with its connection. Who holds what is written to `<schema>.locks` for messages; a
 * row only counts while its backend still holds the advisory lock. While holding any lock, a
 * process also holds the schema's state lock in shared mode, which migrations need alone.
 */
import { hostname } from 'node:os'
import pg from 'pg'
import { StateError } from '../../errors.js'
import { quoteIdent } from '../../sql/quote.js'
import { safeUser } from '../env-lock.js'
import { describeHolder, sleep, type AcquireOptions, type HeldLock, type LockHolder, type StateLocks } from '../locks.js'
import { describeTarget, stateFailure, type PgStateTarget } from './pg-state-connection.js'

/** Lock names that are not environments (environment names start with a letter). */
export const STATE_LOCK = ':state'
export const MIGRATE_LOCK = ':migrate'

/** The two int4 keys of a lock: (hash of the schema, hash of the name), computed by Postgres. */
export function lockKeys(schema: string, name: string): [string, string] {
  return [`tributary:${schema}`, name]
}
export const KEYS = 'hashtext($1), hashtext($2)'

type Client = pg.Client | pg.PoolClient

/** Holders of `name` (or of every lock) whose backend still holds the advisory lock. */
export async function liveHolders(c: Client, schema: string, name?: string): Promise<Array<LockHolder & { name: string }>> {
  const s = quoteIdent(schema)
  const r = await c.query(
    `SELECT l.* FROM ${s}.locks l
      WHERE ($2::text IS NULL OR l.name = $2)
        AND EXISTS (SELECT 1 FROM pg_locks p
                     WHERE p.locktype = 'advisory' AND p.granted AND p.objsubid = 2 AND p.pid = l.backend_pid
                       AND p.classid::text::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296
                       AND p.objid::text::bigint = (hashtext(l.name)::bigint + 4294967296) % 4294967296)
      ORDER BY l.name`,
    [`tributary:${schema}`, name ?? null],
  )
  return (r.rows as Array<Record<string, unknown>>).map((x) => ({
    name: String(x['name']),
    pid: Number(x['pid']),
    host: String(x['host']),
    user: String(x['os_user']),
    command: String(x['command']),
    since: Number(x['since']),
  }))
}

export class PgLocks implements StateLocks {
  private session: pg.Client | undefined
  private sharedState = false
  private closing = false
  /** Names held right now (for the lost-connection warning). */
  private readonly held = new Set<string>()
  private readonly s: string

  constructor(
    private readonly target: PgStateTarget,
    private readonly config: pg.ClientConfig,
    /** Told when the lock session dies while locks are held: they are released with it. */
    private readonly onLost?: (names: string[]) => void,
  ) {
    this.s = quoteIdent(target.schema)
  }

  private async client(): Promise<pg.Client> {
    if (!this.session) {
      const c = new pg.Client(this.config)
      // A dropped lock session means our locks are gone with it: say so once; later lock calls fail loudly.
      let told = false
      const lost = (): void => {
        if (this.closing || told || this.held.size === 0) return
        told = true
        this.onLost?.([...this.held])
      }
      c.on('error', lost)
      c.on('end', lost)
      try {
        await c.connect()
      } catch (e) {
        throw stateFailure(e, this.target, 'connecting for locks')
      }
      this.session = c
    }
    return this.session
  }

  async acquire(name: string, command: string, o: AcquireOptions = {}): Promise<HeldLock> {
    const c = await this.client()
    const keys = lockKeys(this.target.schema, name)
    let told = false
    try {
      if (!this.sharedState) {
        // Blocks only while a migration runs (short).
        await c.query(`SELECT pg_advisory_lock_shared(${KEYS})`, lockKeys(this.target.schema, STATE_LOCK))
        this.sharedState = true
      }
      for (;;) {
        const ok = ((await c.query(`SELECT pg_try_advisory_lock(${KEYS}) AS ok`, keys)).rows[0] as { ok: boolean }).ok
        if (ok) break
        const [holder] = await liveHolders(c, this.target.schema, name)
        if (!o.wait) {
          throw new StateError(
            'STATE_LOCKED',
            `environment '${name}' is locked by ${describeHolder(holder)} (state store ${describeTarget(this.target)}, schema ${this.target.schema}); wait for it to finish, or pass --wait`,
          )
        }
        if (!told) o.onWait?.(holder)
        told = true
        await sleep(o.pollMs ?? 1_000)
      }
      await c.query(
        `INSERT INTO ${this.s}.locks VALUES ($1, pg_backend_pid(), $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET backend_pid = excluded.backend_pid, pid = excluded.pid, host = excluded.host, os_user = excluded.os_user, command = excluded.command, since = excluded.since`,
        [name, process.pid, hostname(), safeUser(), command, Date.now()],
      )
    } catch (e) {
      throw stateFailure(e, this.target, `taking the lock of '${name}'`)
    }
    this.held.add(name)
    let released = false
    return {
      release: async () => {
        if (released) return
        released = true
        this.held.delete(name)
        await c.query(`DELETE FROM ${this.s}.locks WHERE name = $1 AND backend_pid = pg_backend_pid()`, [name]).catch(() => undefined)
        await c.query(`SELECT pg_advisory_unlock(${KEYS})`, keys).catch(() => undefined)
      },
    }
  }

  async list(): Promise<Array<LockHolder & { name: string }>> {
    try {
      return await liveHolders(await this.client(), this.target.schema)
    } catch (e) {
      throw stateFailure(e, this.target, 'listing locks')
    }
  }

  async close(): Promise<void> {
    const c = this.session
    this.closing = true
    this.session = undefined
    this.sharedState = false
    this.held.clear()
    await c?.end().catch(() => undefined) // ends every lock this process held
    this.closing = false
  }
}
