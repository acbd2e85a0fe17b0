/**
 * The one place where DuckDB driver errors become typed `QueryError`s (wrapped once, never twice).
 */
import { EngineError, QueryError } from '../../errors.js'

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Wrap a DuckDB error as `QueryError(duckdbMessage, sql, cause)`; an `EngineError` passes through. */
export function toQueryError(e: unknown, sql: string): EngineError {
  if (e instanceof EngineError) return e
  return new QueryError(messageOf(e), sql, e)
}

/** True when DuckDB refused to open a database file because another process holds its lock. */
export function isLockError(e: unknown): boolean {
  return /could not set lock on file|conflicting lock is held/i.test(messageOf(e))
}

/**
 * Wrap an error raised while opening a database file. A lock conflict says plainly that the file
 * is in use by another process, followed by DuckDB's own message. `sql` is empty: no statement ran.
 */
export function toOpenError(e: unknown, path: string): EngineError {
  if (e instanceof EngineError) return e
  const message = isLockError(e)
    ? `DuckDB database file "${path}" is in use by another process: ${messageOf(e)}`
    : `Cannot open DuckDB database "${path}": ${messageOf(e)}`
  return new QueryError(message, '', e)
}
