/**
 * Opening a Postgres state schema: check it exists and what the user may do in it, read its
 * version, refuse one newer than this tool, and apply the missing migrations — each in its own
 * transaction, serialized between processes, and never while a command of another process holds
 * a lock on this state (a run in progress): then it fails naming the holders, or waits.
 */
import type pg from 'pg'
import { StateError } from '../../errors.js'
import { quoteIdent } from '../../sql/quote.js'
import { VERSION } from '../../version.js'
import { describeHolder, sleep } from '../locks.js'
import { LATEST_VERSION, MIGRATIONS, versionTable } from './pg-migrations.js'
import { KEYS, liveHolders, lockKeys, MIGRATE_LOCK, STATE_LOCK } from './pg-locks.js'
import { describeTarget, type PgStateTarget } from './pg-state-connection.js'

export interface MigrateOptions {
  /** Where "migrating …" messages go (stderr in the CLI). */
  log?: (message: string) => void
  /** Wait for running commands to finish instead of failing. */
  wait?: boolean
  /** Stop at this version (tests build an older schema with it). Default: the latest. */
  targetVersion?: number
  pollMs?: number
}

export interface MigrationOutcome {
  from: number
  to: number
  applied: Array<{ version: number; description: string }>
}

type Client = pg.Client | pg.PoolClient

export async function prepareSchema(c: Client, t: PgStateTarget, o: MigrateOptions = {}): Promise<MigrationOutcome> {
  const s = quoteIdent(t.schema)
  const target = o.targetVersion ?? LATEST_VERSION
  const exists = (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [t.schema])).rows.length > 0
  if (!exists) {
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
    } catch (e) {
      if ((e as { code?: string }).code !== '42501') throw e
      throw new StateError(
        'STATE_ERROR',
        `state store ${describeTarget(t)}: schema '${t.schema}' does not exist and user '${t.user}' may not create it; the DBA creates it with \`CREATE SCHEMA ${s} AUTHORIZATION ${quoteIdent(t.user)}\` (see docs/state.md)`,
      )
    }
  }
  const priv = (await c.query(`SELECT has_schema_privilege($1, 'USAGE') AS usage, has_schema_privilege($1, 'CREATE') AS create`, [t.schema])).rows[0] as {
    usage: boolean
    create: boolean
  }
  if (!priv.usage) {
    throw new StateError('STATE_ERROR', `state store ${describeTarget(t)}: user '${t.user}' has no USAGE privilege on schema '${t.schema}' (see docs/state.md for the grants)`)
  }
  const from = await currentVersion(c, t)
  if (from > LATEST_VERSION) {
    throw new StateError(
      'STATE_ERROR',
      `state store ${describeTarget(t)}: schema '${t.schema}' is at version ${from}, newer than this tool (${VERSION}) knows (${LATEST_VERSION}); upgrade the tool — it will not write to a newer schema`,
    )
  }
  const outcome: MigrationOutcome = { from, to: from, applied: [] }
  if (from >= target) return outcome
  if (!priv.create) {
    throw new StateError(
      'STATE_ERROR',
      `state store ${describeTarget(t)}: schema '${t.schema}' needs migrating from version ${from} to ${target}, but user '${t.user}' may not create tables in it (grant CREATE on the schema, or make the user its owner: see docs/state.md)`,
    )
  }
  o.log?.(`state: migrating schema ${t.schema} on ${describeTarget(t)} from version ${from} to ${target}`)
  for (const m of MIGRATIONS.filter((x) => x.version > from && x.version <= target)) {
    if (await applyOne(c, t, m, o)) outcome.applied.push({ version: m.version, description: m.description })
    outcome.to = m.version
  }
  return outcome
}

async function currentVersion(c: Client, t: PgStateTarget): Promise<number> {
  const reg = (await c.query('SELECT to_regclass($1) AS r', [`${quoteIdent(t.schema)}.schema_migrations`])).rows[0] as { r: string | null }
  if (reg.r === null) return 0
  const r = (await c.query(`SELECT coalesce(max(version), 0) AS v FROM ${quoteIdent(t.schema)}.schema_migrations`)).rows[0] as { v: number }
  return Number(r.v)
}

/** One migration in one transaction. False when another process applied it meanwhile. */
async function applyOne(c: Client, t: PgStateTarget, m: (typeof MIGRATIONS)[number], o: MigrateOptions): Promise<boolean> {
  const s = quoteIdent(t.schema)
  let told = false
  for (;;) {
    await c.query('BEGIN')
    try {
      // Migrators queue up here; the first one does the work, the others find it done.
      await c.query(`SELECT pg_advisory_xact_lock(${KEYS})`, lockKeys(t.schema, MIGRATE_LOCK))
      await c.query(versionTable(s))
      if ((await currentVersion(c, t)) >= m.version) {
        await c.query('COMMIT')
        return false
      }
      // Commands hold the state lock shared while they run: a migration needs it alone.
      const free = (await c.query(`SELECT pg_try_advisory_xact_lock(${KEYS}) AS ok`, lockKeys(t.schema, STATE_LOCK))).rows[0] as { ok: boolean }
      if (!free.ok) {
        await c.query('ROLLBACK')
        const holders = await liveHolders(c, t.schema).catch(() => [])
        const who = holders.length > 0 ? holders.map((h) => `${describeHolder(h)} on '${h.name}'`).join(', ') : 'another process'
        if (!o.wait) {
          throw new StateError('STATE_LOCKED', `state schema '${t.schema}' cannot be migrated to version ${m.version} while ${who} is running; wait for it to finish, or pass --wait`)
        }
        if (!told) o.log?.(`state: waiting for ${who} to finish before migrating`)
        told = true
        await sleep(o.pollMs ?? 1_000)
        continue
      }
      for (const stmt of m.statements(s)) await c.query(stmt)
      await c.query(`INSERT INTO ${s}.schema_migrations (version, description, tool_version) VALUES ($1, $2, $3)`, [m.version, m.description, VERSION])
      await c.query('COMMIT')
      return true
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined)
      throw e
    }
  }
}
