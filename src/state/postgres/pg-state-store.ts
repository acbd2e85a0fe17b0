/**
 * The shared state store on PostgreSQL: everything in one schema (`state_schema`), created and
 * upgraded by versioned migrations (pg-migrations.ts). Every write is one transaction; interval
 * and environment updates lock their row (`FOR UPDATE`), so concurrent processes never lose an
 * update. Tables and columns are those of the embedded store (state-rows.ts maps both).
 */
import pg from 'pg'
import { StateError } from '../../errors.js'
import type { Interval } from '../../snapshot/interval.js'
import { mergeIntervals, subtractIntervals } from '../../snapshot/intervals.js'
import type { EnvironmentRecord, Snapshot } from '../../snapshot/snapshot.js'
import { quoteIdent } from '../../sql/quote.js'
import type { StateDump } from '../state-dump.js'
import { DATA_TABLES, notEmptyMessage, readDump, toAudit, toEnv, toPromotion, toRun } from '../state-rows.js'
import type { AuditRecord, PromotionRecord, RestatementRecord, RunRecord, StateInfo, StateStore } from '../state-store.js'
import { LATEST_VERSION } from './pg-migrations.js'
import { prepareSchema, type MigrateOptions, type MigrationOutcome } from './pg-schema.js'
import { clientConfig, describeTarget, negotiateSsl, stateFailure, type PgStateTarget } from './pg-state-connection.js'

type Row = Record<string, unknown>

export class PostgresStateStore implements StateStore {
  private readonly s: string

  private constructor(
    private readonly pool: pg.Pool,
    readonly target: PgStateTarget,
    /** What opening did to the schema (for `models state migrate`). */
    readonly migration: MigrationOutcome,
    /** Client config with the TLS setting that worked (for the lock session). */
    readonly connection: pg.ClientConfig,
  ) {
    this.s = quoteIdent(target.schema)
  }

  /**
   * Connect, check the schema and privileges, migrate to this tool's version when behind (with a
   * message through `o.log`), refuse a schema newer than this tool.
   */
  static async open(t: PgStateTarget, o: MigrateOptions = {}): Promise<PostgresStateStore> {
    const ssl = await negotiateSsl(t)
    const config = clientConfig(t, ssl)
    const pool = new pg.Pool({ ...config, max: 4, idleTimeoutMillis: 10_000 })
    pool.on('error', () => undefined) // an idle client's connection died: the next query reconnects
    try {
      const client = await pool.connect().catch((e: unknown) => Promise.reject(stateFailure(e, t, 'connecting')))
      let outcome: MigrationOutcome
      try {
        outcome = await prepareSchema(client, t, o)
      } finally {
        client.release()
      }
      return new PostgresStateStore(pool, t, outcome, config)
    } catch (e) {
      await pool.end().catch(() => undefined)
      throw stateFailure(e, t, 'opening the state schema')
    }
  }

  private async rows(sql: string, params: unknown[] = [], doing = 'reading state'): Promise<Row[]> {
    try {
      return (await this.pool.query(sql, params)).rows as Row[]
    } catch (e) {
      throw stateFailure(e, this.target, doing)
    }
  }

  private async tx<T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      throw stateFailure(e, this.target, doing)
    }
    let broken = false
    // A connection dying mid-transaction is reported by the failing query; keep its socket error quiet.
    const onError = (): void => {
      broken = true
    }
    client.on('error', onError)
    try {
      await client.query('BEGIN')
      const out = await fn(client)
      await client.query('COMMIT')
      return out
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true
      })
      throw stateFailure(e, this.target, doing)
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
  }

  getEnvironment(name: string): Promise<EnvironmentRecord | undefined> {
    return this.rows(`SELECT payload, revision FROM ${this.s}.environments WHERE name = $1`, [name]).then((r) => (r[0] ? toEnv(r[0]) : undefined))
  }

  async listEnvironments(): Promise<EnvironmentRecord[]> {
    return (await this.rows(`SELECT payload, revision FROM ${this.s}.environments ORDER BY name`)).map(toEnv)
  }

  async getSnapshots(fingerprints: readonly string[]): Promise<Map<string, Snapshot>> {
    const out = new Map<string, Snapshot>()
    if (fingerprints.length === 0) return out
    for (const r of await this.rows(`SELECT payload FROM ${this.s}.snapshots WHERE fingerprint = ANY($1::text[])`, [[...fingerprints]])) {
      const snap = JSON.parse(String(r['payload'])) as Snapshot
      out.set(snap.fingerprint, snap)
    }
    return out
  }

  async getIntervals(versions: readonly string[]): Promise<Map<string, Interval[]>> {
    const out = new Map<string, Interval[]>()
    if (versions.length === 0) return out
    for (const r of await this.rows(`SELECT version, intervals FROM ${this.s}.intervals WHERE version = ANY($1::text[])`, [[...versions]])) {
      out.set(String(r['version']), JSON.parse(String(r['intervals'])) as Interval[])
    }
    return out
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return (await this.rows(`SELECT * FROM ${this.s}.runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit])).map(toRun)
  }

  async findRunByCommit(hash: string): Promise<RunRecord | undefined> {
    const r = await this.rows(`SELECT * FROM ${this.s}.runs WHERE commit_hash = $1 ORDER BY started_at, id LIMIT 1`, [hash])
    return r[0] ? toRun(r[0]) : undefined
  }

  async listPromotions(filter: { tag?: string; limit: number }): Promise<PromotionRecord[]> {
    const sql = `SELECT * FROM ${this.s}.promotions WHERE ($1::text IS NULL OR tag = $1) ORDER BY promoted_at DESC, seq DESC LIMIT $2`
    return (await this.rows(sql, [filter.tag ?? null, filter.limit])).map(toPromotion)
  }

  async listAudits(filter: { runId?: string; model?: string; limit: number }): Promise<AuditRecord[]> {
    const sql = `SELECT * FROM ${this.s}.audits WHERE ($1::text IS NULL OR run_id = $1) AND ($2::text IS NULL OR model = $2) ORDER BY recorded_at DESC, model, audit LIMIT $3`
    return (await this.rows(sql, [filter.runId ?? null, filter.model ?? null, filter.limit])).map(toAudit)
  }

  async listRestatements(filter: { env?: string; running?: boolean; limit: number }): Promise<RestatementRecord[]> {
    const sql = `SELECT payload FROM ${this.s}.restatements WHERE ($1::text IS NULL OR env = $1) AND ($2::boolean IS NULL OR status = 'running') ORDER BY started_at DESC LIMIT $3`
    return (await this.rows(sql, [filter.env ?? null, filter.running ? true : null, filter.limit])).map((r) => JSON.parse(String(r['payload'])) as RestatementRecord)
  }

  async saveRestatement(r: RestatementRecord): Promise<void> {
    await this.rows(
      `INSERT INTO ${this.s}.restatements VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET status = excluded.status, payload = excluded.payload`,
      [r.id, r.env, r.status, r.startedAt, JSON.stringify(r)],
      'recording a restatement',
    )
  }

  async recordAudits(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return
    await this.tx('recording audits', (c) => insertAudits(c, this.s, records))
  }

  async recordPromotion(p: PromotionRecord): Promise<void> {
    await this.rows(
      `INSERT INTO ${this.s}.promotions (id, tag, from_hash, to_hash, user_name, promoted_at, verified_by, forced, forced_reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      promotionValues(p),
      'recording a promotion',
    )
  }

  async pushSnapshots(snapshots: readonly Snapshot[]): Promise<void> {
    if (snapshots.length === 0) return
    await this.tx('recording model versions', (c) => insertSnapshots(c, this.s, snapshots, 'ON CONFLICT (fingerprint) DO NOTHING'))
  }

  addIntervals(version: string, intervals: readonly Interval[]): Promise<void> {
    return this.updateIntervals(version, (cur) => mergeIntervals([...cur, ...intervals]), 'recording intervals')
  }

  removeIntervals(version: string, intervals: readonly Interval[]): Promise<void> {
    return this.updateIntervals(version, (cur) => subtractIntervals(cur, intervals), 'clearing intervals')
  }

  private updateIntervals(version: string, fn: (cur: Interval[]) => Interval[], doing: string): Promise<void> {
    return this.tx(doing, async (c) => {
      // Make the row exist, then lock it: concurrent updates of one version queue up here.
      await c.query(`INSERT INTO ${this.s}.intervals VALUES ($1, '[]', $2) ON CONFLICT (version) DO NOTHING`, [version, Date.now()])
      const r = await c.query(`SELECT intervals FROM ${this.s}.intervals WHERE version = $1 FOR UPDATE`, [version])
      const cur = JSON.parse(String((r.rows[0] as Row)['intervals'])) as Interval[]
      await c.query(`UPDATE ${this.s}.intervals SET intervals = $2, updated_at = $3 WHERE version = $1`, [version, JSON.stringify(fn(cur)), Date.now()])
    })
  }

  saveEnvironment(env: EnvironmentRecord, expectedRevision: number | undefined): Promise<EnvironmentRecord> {
    return this.tx(`saving environment '${env.name}'`, async (c) => {
      const current = await lockedRevision(c, this.s, env.name)
      if (current !== expectedRevision) throw changed(env.name, current, expectedRevision)
      const saved: EnvironmentRecord = { ...env, revision: (expectedRevision ?? 0) + 1, updatedAt: Date.now() }
      await c.query(
        `INSERT INTO ${this.s}.environments VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET payload = excluded.payload, revision = excluded.revision, updated_at = excluded.updated_at`,
        [saved.name, JSON.stringify(saved), saved.revision, saved.updatedAt],
      )
      return saved
    })
  }

  deleteEnvironment(name: string, expectedRevision: number): Promise<void> {
    return this.tx(`removing environment '${name}'`, async (c) => {
      const current = await lockedRevision(c, this.s, name)
      if (current !== expectedRevision) throw changed(name, current, expectedRevision)
      await c.query(`DELETE FROM ${this.s}.environments WHERE name = $1`, [name])
    })
  }

  async startRun(run: RunRecord): Promise<void> {
    await this.rows(
      `INSERT INTO ${this.s}.runs (id, command, env, started_at, status, commit_hash) VALUES ($1, $2, $3, $4, $5, $6)`,
      [run.id, run.command, run.env, run.startedAt, run.status, run.commit ?? null],
      'recording the run',
    )
  }

  async finishRun(id: string, status: RunRecord['status'], summary: unknown, commit?: string): Promise<void> {
    await this.rows(
      `UPDATE ${this.s}.runs SET finished_at = $1, status = $2, summary = $3, commit_hash = coalesce($4, commit_hash) WHERE id = $5`,
      [Date.now(), status, JSON.stringify(summary ?? null), commit ?? null, id],
      'recording the end of the run',
    )
  }

  async describe(): Promise<StateInfo> {
    const counts: Record<string, number> = {}
    for (const t of DATA_TABLES) counts[t] = Number((await this.rows(`SELECT count(*) AS n FROM ${this.s}.${t}`))[0]?.['n'] ?? 0)
    const v = await this.rows(`SELECT coalesce(max(version), 0) AS v FROM ${this.s}.schema_migrations`)
    return { backend: 'postgres', location: describeTarget(this.target), schema: this.target.schema, schemaVersion: Number(v[0]?.['v'] ?? 0), latestVersion: LATEST_VERSION, counts }
  }

  exportState(): Promise<StateDump> {
    // REPEATABLE READ: one consistent picture even while others write.
    return this.tx('exporting state', async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      return readDump(async (sql) => (await c.query(sql)).rows as Row[], (t) => `${this.s}.${t}`)
    })
  }

  importState(dump: StateDump, o: { replace: boolean }): Promise<void> {
    return this.tx('importing state', async (c) => {
      // No one else writes while the import runs (and nothing is visible until it commits).
      await c.query(`LOCK TABLE ${DATA_TABLES.map((t) => `${this.s}.${t}`).join(', ')} IN EXCLUSIVE MODE`)
      if (o.replace) await c.query(`TRUNCATE ${DATA_TABLES.map((t) => `${this.s}.${t}`).join(', ')}`)
      else {
        for (const t of DATA_TABLES) {
          const n = Number(((await c.query(`SELECT count(*) AS n FROM ${this.s}.${t}`)).rows[0] as Row)['n'])
          if (n > 0) {
            throw new StateError('STATE_ERROR', notEmptyMessage(`${describeTarget(this.target)} schema ${this.target.schema}`, t, n))
          }
        }
      }
      await insertSnapshots(c, this.s, dump.snapshots, '')
      await c.query(`INSERT INTO ${this.s}.intervals SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])`, [
        dump.intervals.map((i) => i.version),
        dump.intervals.map((i) => JSON.stringify(mergeIntervals(i.intervals))),
        dump.intervals.map(() => Date.now()),
      ])
      await c.query(`INSERT INTO ${this.s}.environments SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])`, [
        dump.environments.map((e) => e.name),
        dump.environments.map((e) => JSON.stringify(e)),
        dump.environments.map((e) => e.revision),
        dump.environments.map((e) => e.updatedAt),
      ])
      await c.query(
        `INSERT INTO ${this.s}.runs (id, command, env, started_at, finished_at, status, summary, commit_hash) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[])`,
        [
          dump.runs.map((r) => r.id),
          dump.runs.map((r) => r.command),
          dump.runs.map((r) => r.env),
          dump.runs.map((r) => r.startedAt),
          dump.runs.map((r) => r.finishedAt ?? null),
          dump.runs.map((r) => r.status),
          dump.runs.map((r) => (r.summary === undefined ? null : JSON.stringify(r.summary))),
          dump.runs.map((r) => r.commit ?? null),
        ],
      )
      await c.query(`INSERT INTO ${this.s}.restatements SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])`, [
        dump.restatements.map((r) => r.id),
        dump.restatements.map((r) => r.env),
        dump.restatements.map((r) => r.status),
        dump.restatements.map((r) => r.startedAt),
        dump.restatements.map((r) => JSON.stringify(r)),
      ])
      await insertAudits(c, this.s, dump.audits)
      for (const p of dump.promotions) {
        await c.query(
          `INSERT INTO ${this.s}.promotions (id, tag, from_hash, to_hash, user_name, promoted_at, verified_by, forced, forced_reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          promotionValues(p),
        )
      }
    })
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined)
  }
}

/** The stored revision of an environment, row-locked for the rest of the transaction. */
async function lockedRevision(c: pg.PoolClient, s: string, name: string): Promise<number | undefined> {
  const r = await c.query(`SELECT revision FROM ${s}.environments WHERE name = $1 FOR UPDATE`, [name])
  return r.rows[0] ? Number((r.rows[0] as Row)['revision']) : undefined
}

function changed(name: string, current: number | undefined, expected: number | undefined): StateError {
  return new StateError(
    'STATE_ERROR',
    `environment '${name}' was changed by another process (revision ${current ?? 'none'}, expected ${expected ?? 'none'}); re-run the command`,
  )
}

async function insertSnapshots(c: pg.PoolClient, s: string, snapshots: readonly Snapshot[], onConflict: string): Promise<void> {
  if (snapshots.length === 0) return
  await c.query(`INSERT INTO ${s}.snapshots SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) ${onConflict}`, [
    snapshots.map((x) => x.fingerprint),
    snapshots.map((x) => x.name),
    snapshots.map((x) => x.version),
    snapshots.map((x) => JSON.stringify(x)),
    snapshots.map((x) => x.createdAt),
  ])
}

async function insertAudits(c: pg.PoolClient, s: string, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return
  const col = <T>(f: (a: AuditRecord) => T): T[] => records.map(f)
  await c.query(
    `INSERT INTO ${s}.audits SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])`,
    [
      col((a) => a.runId),
      col((a) => a.model),
      col((a) => a.version),
      col((a) => a.fingerprint),
      col((a) => a.audit),
      col((a) => a.blocking),
      col((a) => a.status),
      col((a) => a.count),
      col((a) => (a.interval ? a.interval[0] : null)),
      col((a) => (a.interval ? a.interval[1] : null)),
      col((a) => a.at),
    ],
  )
}

function promotionValues(p: PromotionRecord): unknown[] {
  return [p.id, p.tag, p.fromHash ?? null, p.toHash, p.user, p.at, p.verifiedBy ?? null, p.forced, p.forcedReasons === undefined ? null : JSON.stringify(p.forcedReasons)]
}
