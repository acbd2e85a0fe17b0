/**
 * A fixed pool of DuckDB connections from one instance. A DuckDB connection runs one transaction at
 * a time, so each statement or transaction borrows a connection for its whole duration; callers
 * beyond the pool size wait in FIFO order.
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { QueryError } from '../../errors.js'

interface Waiter {
  resolve: (conn: DuckDBConnection) => void
  reject: (e: unknown) => void
}

/** Connections of one DuckDB instance, lent out one caller at a time. */
export class DuckDbConnectionPool {
  private readonly idle: DuckDBConnection[]
  private readonly waiters: Waiter[] = []
  private busy = 0
  private closed = false
  private drained: (() => void) | undefined
  private closing: Promise<void> | undefined

  /** @param connections open connections; the pool owns them from now on. */
  constructor(private readonly connections: readonly DuckDBConnection[]) {
    this.idle = [...connections]
  }

  /** Number of connections in the pool. */
  get size(): number {
    return this.connections.length
  }

  /**
   * Borrow a connection for `fn` and give it back afterwards, whatever `fn` does.
   * @param sql the statement this is for, only used in errors (pool closed, cancelled while waiting).
   * @throws QueryError when the pool is closed or `signal` aborts before a connection is free.
   */
  async use<T>(sql: string, fn: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const conn = await this.acquire(sql, signal)
    try {
      return await fn(conn)
    } finally {
      this.release(conn)
    }
  }

  private acquire(sql: string, signal: AbortSignal | undefined): Promise<DuckDBConnection> {
    if (this.closed) return Promise.reject(new QueryError('DuckDB adapter is closed', sql))
    if (signal?.aborted) return Promise.reject(cancelled(sql, signal))
    const conn = this.idle.pop()
    if (conn !== undefined) {
      this.busy++
      return Promise.resolve(conn)
    }
    return new Promise<DuckDBConnection>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
        reject(cancelled(sql, signal))
      }
      const waiter: Waiter = {
        resolve: (c) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(c)
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort)
          reject(e)
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private release(conn: DuckDBConnection): void {
    const next = this.waiters.shift()
    if (next !== undefined) {
      // Hand over directly: the connection stays busy.
      next.resolve(conn)
      return
    }
    this.busy--
    this.idle.push(conn)
    if (this.busy === 0) this.drained?.()
  }

  /**
   * Refuse new work, fail queued callers, wait for borrowed connections to come back, then
   * disconnect every connection. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.drainAndDisconnect()
    return this.closing
  }

  private async drainAndDisconnect(): Promise<void> {
    this.closed = true
    for (const w of this.waiters.splice(0)) w.reject(new QueryError('DuckDB adapter is closed', ''))
    if (this.busy > 0) await new Promise<void>((resolve) => (this.drained = resolve))
    for (const c of this.idle.splice(0)) c.disconnectSync()
  }
}

function cancelled(sql: string, signal: AbortSignal | undefined): QueryError {
  return new QueryError('Query cancelled before it started', sql, signal?.reason)
}
