/**
 * Reading a Postgres source: connect with a resolved secret, describe a table from the catalog
 * (columns, types, primary key), and run everything inside a read-only repeatable-read
 * transaction so one table is read from one snapshot. The source only ever sees reads.
 */
import pg from 'pg'
import { EngineError } from '../../errors.js'
import type { PgColumn } from './pg-types.js'
import { quoteIdent } from '../../sql/quote.js'

export interface SourceTableInfo {
  schema: string
  table: string
  columns: PgColumn[]
  primaryKey: string[]
}

/** A failure talking to the source; the message is already redacted by the caller's chain. */
export class SourceError extends EngineError {
  constructor(message: string, readonly pgCode?: string) {
    super('INGEST_FAILED', message)
  }
}

/** Open a client; errors name the source and the server, never the credentials. */
export async function connectSource(source: string, url: string, redact: (s: string) => string): Promise<pg.Client> {
  let where = 'the configured server'
  try {
    const u = new URL(url)
    where = `${u.hostname}:${u.port || '5432'}${u.pathname}`
  } catch {
    // not a URL (a libpq key=value string): keep it generic
  }
  const client = new pg.Client({ connectionString: url, application_name: 'tributary', connectionTimeoutMillis: 15_000 })
  // An idle client that loses its connection emits 'error'; the next query reports it instead.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (e) {
    await client.end().catch(() => undefined)
    throw sourceError(source, where, e, redact)
  }
  return client
}

export function sourceError(source: string, where: string, e: unknown, redact: (s: string) => string): SourceError {
  const err = e as { code?: string; message?: string }
  const msg = redact(err.message ?? String(e))
  if (err.code === '28P01' || err.code === '28000') return new SourceError(`source '${source}': the server at ${where} refused the credentials (${msg})`, err.code)
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT' || err.code === 'EHOSTUNREACH' || /timeout/i.test(msg)) {
    return new SourceError(`source '${source}' is unreachable at ${where}: ${msg}`, err.code)
  }
  if (err.code === '3D000') return new SourceError(`source '${source}': database does not exist at ${where} (${msg})`, err.code)
  return new SourceError(`source '${source}': ${msg}`, err.code)
}

/** Columns (in order) and primary key of `schema.table`; a missing table is a clear error. */
export async function describeSourceTable(client: pg.ClientBase, source: string, schema: string, table: string): Promise<SourceTableInfo> {
  const cols = await client.query<{ name: string; oid: number; typmod: number; type: string; notnull: boolean }>(
    `SELECT a.attname AS name, a.atttypid::int AS oid, a.atttypmod AS typmod, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  )
  if (cols.rows.length === 0) throw new SourceError(`source '${source}': table ${schema}.${table} does not exist (or has no columns this user can see)`)
  const pk = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
      ORDER BY k.ord`,
    [schema, table],
  )
  return {
    schema,
    table,
    columns: cols.rows.map((r) => ({ name: r.name, typeOid: r.oid, typmod: r.typmod, pgType: r.type, nullable: !r.notnull })),
    primaryKey: pk.rows.map((r) => r.name),
  }
}

/** `"schema"."table"` for Postgres. */
export function pgQuoteTable(schema: string, table: string): string {
  return `${pgIdent(schema)}.${pgIdent(table)}`
}

export function pgIdent(name: string): string {
  return quoteIdent(name)
}
