import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { PgStateTarget } from '../../../src/state/postgres/pg-state-connection.js'

const url = process.env['TRIBUTARY_PG_URL']
if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')
export const ADMIN_URL = url

/** The test server's admin connection as a state target in a fresh schema name. */
export function adminTarget(schema = freshName('tstate')): PgStateTarget {
  const u = new URL(ADMIN_URL)
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    database: u.pathname.slice(1),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    sslmode: 'disable',
    connectTimeout: 5,
    applicationName: 'tributary-test',
    schema,
  }
}

export function freshName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`
}

/** Run `fn` with an admin client. */
export async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/**
 * A least-privileged state user as docs/state.md tells the DBA to create it: LOGIN only, CONNECT
 * on the database, owner of its schema — nothing else.
 */
export async function createStateUser(schema: string): Promise<{ user: string; password: string }> {
  const user = freshName('tuser')
  const password = randomBytes(12).toString('hex')
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${password}'`)
    await c.query(`GRANT CONNECT ON DATABASE ${new URL(ADMIN_URL).pathname.slice(1)} TO ${user}`)
    await c.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${user}`)
  })
  return { user, password }
}

export async function dropSchemas(prefix: string): Promise<void> {
  await admin(async (c) => {
    const r = await c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${prefix}\\_%`])
    for (const { nspname } of r.rows) await c.query(`DROP SCHEMA "${nspname}" CASCADE`)
  })
}

export async function dropRoles(prefix: string): Promise<void> {
  await admin(async (c) => {
    const r = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [`${prefix}\\_%`])
    for (const { rolname } of r.rows) {
      await c.query(`DROP OWNED BY "${rolname}" CASCADE`)
      await c.query(`DROP ROLE "${rolname}"`)
    }
  })
}
