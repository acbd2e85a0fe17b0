import pg from 'pg'
import { StateError } from '../../errors.js'

/** Where a Postgres state store lives (resolved config: the password is already looked up). */
export interface PgStateTarget {
  host: string
  port: number
  database: string
  user: string
  password?: string
  sslmode: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full'
  /** Seconds. */
  connectTimeout: number
  applicationName: string
  schema: string
}

/** `user@host:port/database` — how the store is named in messages (never with the password). */
export function describeTarget(t: PgStateTarget): string {
  return `${t.user}@${t.host}:${t.port}/${t.database}`
}

type Ssl = false | { rejectUnauthorized: boolean; checkServerIdentity?: () => undefined }

/** First TLS setting to try for an sslmode; `prefer`/`allow` fall back (see connectClient). */
function sslFor(mode: PgStateTarget['sslmode']): Ssl {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false }
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { rejectUnauthorized: true }
  }
}

export function clientConfig(t: PgStateTarget, ssl: Ssl): pg.ClientConfig {
  return {
    host: t.host,
    port: t.port,
    database: t.database,
    user: t.user,
    ...(t.password === undefined ? {} : { password: t.password }),
    ssl,
    connectionTimeoutMillis: Math.round(t.connectTimeout * 1000),
    application_name: t.applicationName,
    keepAlive: true,
  }
}

/**
 * Connect once and settle the TLS setting: `prefer` tries TLS and falls back to a plain
 * connection when the server has none; `allow` the other way round.
 */
export async function negotiateSsl(t: PgStateTarget): Promise<Ssl> {
  const first = sslFor(t.sslmode)
  const second: Ssl | undefined = t.sslmode === 'prefer' ? false : t.sslmode === 'allow' ? { rejectUnauthorized: false } : undefined
  // Nothing to choose: the store's first connection will tell (no probe connection).
  if (second === undefined) return first
  for (const ssl of [first, second]) {
    const c = new pg.Client(clientConfig(t, ssl))
    c.on('error', () => undefined)
    try {
      await c.connect()
      await c.end()
      return ssl
    } catch (e) {
      await c.end().catch(() => undefined)
      const msg = e instanceof Error ? e.message : String(e)
      const tlsProblem = /does not support SSL|SSL|TLS|no pg_hba.conf entry.*(SSL|encryption)/i.test(msg)
      if (ssl === first && tlsProblem) continue
      throw stateFailure(e, t, 'connecting')
    }
  }
  /* c8 ignore next */
  throw new StateError('STATE_ERROR', `cannot connect to the state store ${describeTarget(t)}`)
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'])
const CONNECTION_LOST = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE'])

/**
 * One clear StateError for a failure talking to the state store: unreachable, authentication,
 * missing database or privilege, connection lost mid-write. Never contains the password.
 */
export function stateFailure(e: unknown, t: PgStateTarget, doing: string): StateError {
  if (e instanceof StateError) return e
  const err = e as { code?: string; message?: string }
  const code = err.code ?? ''
  const raw = redact(err.message ?? String(e), t)
  const where = `state store ${describeTarget(t)}`
  let msg: string
  if (UNREACHABLE.has(code)) msg = `cannot reach the ${where} (${code}): is the server running, and are host and port right?`
  else if (/timeout/i.test(raw) && doing === 'connecting') msg = `cannot reach the ${where}: no answer within ${t.connectTimeout} s (connect_timeout)`
  else if (code === '28P01' || code === '28000') msg = `${where}: authentication failed for user '${t.user}' (check the password or its secret): ${raw}`
  else if (code === '3D000') msg = `${where}: database '${t.database}' does not exist (the DBA creates it: see docs/state.md)`
  else if (code === '42501') msg = `${where}: user '${t.user}' lacks a privilege while ${doing}: ${raw}. The DBA grants what the tool needs with the SQL in docs/state.md`
  else if (CONNECTION_LOST.has(code) || /Connection terminated|connection.*(closed|lost|reset)/i.test(raw)) {
    msg = `${where}: the connection was lost while ${doing}; that write was one transaction, so nothing of it was recorded: re-run the command (${raw})`
  } else msg = `${where}: ${doing} failed: ${raw}`
  return new StateError('STATE_ERROR', msg, { cause: e })
}

function redact(s: string, t: PgStateTarget): string {
  return t.password && t.password.length >= 1 ? s.split(t.password).join('***') : s
}
