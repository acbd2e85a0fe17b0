import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { StateError } from '../../errors.js'
import type { Interval } from '../../snapshot/interval.js'
import { mergeIntervals, subtractIntervals } from '../../snapshot/intervals.js'
import type { EnvironmentRecord, Snapshot } from '../../snapshot/snapshot.js'
import { chunks, DATA_TABLES, notEmptyMessage, readDump, toAudit, toEnv, toPromotion, toRun } from '../state-rows.js'
import type { StateDump } from '../state-dump.js'
import type { AuditRecord, PromotionRecord, RestatementRecord, RunRecord, StateInfo, StateStore } from '../state-store.js'

/**
 * Schema version of the embedded store; stored in `_versions`. 2 added `runs.commit_hash` and
 * `promotions`: a tool that only knows version 1 refuses such a file instead of writing rows that
 * no longer fit.
 */
const SCHEMA_VERSION = 2

const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS _versions (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS snapshots (fingerprint VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, version VARCHAR NOT NULL, payload VARCHAR NOT NULL, created_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS intervals (version VARCHAR PRIMARY KEY, intervals VARCHAR NOT NULL, updated_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS environments (name VARCHAR PRIMARY KEY, payload VARCHAR NOT NULL, revision INTEGER NOT NULL, updated_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS audits (run_id VARCHAR NOT NULL, model VARCHAR NOT NULL, version VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, audit VARCHAR NOT NULL, blocking BOOLEAN NOT NULL, status VARCHAR NOT NULL, bad_rows BIGINT NOT NULL, interval_start BIGINT, interval_end BIGINT, recorded_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS restatements (id VARCHAR PRIMARY KEY, env VARCHAR NOT NULL, status VARCHAR NOT NULL, started_at BIGINT NOT NULL, payload VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS runs (id VARCHAR PRIMARY KEY, command VARCHAR NOT NULL, env VARCHAR NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT, status VARCHAR NOT NULL, summary VARCHAR)`,
  // Version 2. Files written by version 1 get the column here (idempotent on every open).
  `ALTER TABLE runs ADD COLUMN IF NOT EXISTS commit_hash VARCHAR`,
  // `seq` orders promotions made within the same millisecond.
  `CREATE TABLE IF NOT EXISTS promotions (id VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, tag VARCHAR NOT NULL, from_hash VARCHAR, to_hash VARCHAR NOT NULL, user_name VARCHAR NOT NULL, promoted_at BIGINT NOT NULL, verified_by VARCHAR, forced BOOLEAN NOT NULL, forced_reasons VARCHAR)`,
]

/**
 * The embedded state store: a DuckDB file (default `.tributary/state.duckdb`), separate from the
 * warehouse. All operations are serialized through one connection; each write is a transaction.
 * Intervals are kept compacted, one row per physical version, so state does not grow per run.
 */
export class DuckDbStateStore implements StateStore {
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly path: string,
  ) {}

  static async open(path: string): Promise<DuckDbStateStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(path)
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e)
      const hint = /lock/i.test(msg) ? ' (is another `models` process running on this project?)' : ''
      throw new StateError('STATE_LOCKED', `cannot open state store ${path}${hint}: ${msg.split('\n')[0]}`, { cause: e })
    }
    const conn = await instance.connect()
    const store = new DuckDbStateStore(instance, conn, path)
    await store.migrate()
    return store
  }

  private async migrate(): Promise<void> {
    await this.tx(async () => {
      for (const m of MIGRATIONS) await this.conn.run(m)
      const rows = await this.rows('SELECT schema_version FROM _versions WHERE id = 1')
      const current = rows[0] ? Number(rows[0]['schema_version']) : 0
      if (current > SCHEMA_VERSION) {
        throw new StateError('STATE_ERROR', `state schema version ${current} is newer than this tool supports (${SCHEMA_VERSION}); upgrade the tool`)
      }
      if (current === 0) await this.conn.run('INSERT INTO _versions VALUES (1, $1)', [SCHEMA_VERSION])
      else if (current < SCHEMA_VERSION) await this.conn.run('UPDATE _versions SET schema_version = $1 WHERE id = 1', [SCHEMA_VERSION])
    })
  }

  /** Serialize operations: one at a time on the single connection. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn)
    this.queue = next.catch(() => undefined)
    return next
  }

  private async tx<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION')
    try {
      const out = await fn()
      await this.conn.run('COMMIT')
      return out
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined)
      throw e
    }
  }

  private async rows(sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
    const r = await this.conn.runAndReadAll(sql, params)
    return r.getRowObjectsJS() as Record<string, unknown>[]
  }

  getEnvironment(name: string): Promise<EnvironmentRecord | undefined> {
    return this.serial(async () => {
      const r = await this.rows('SELECT payload, revision FROM environments WHERE name = $1', [name])
      return r[0] ? toEnv(r[0]) : undefined
    })
  }

  listEnvironments(): Promise<EnvironmentRecord[]> {
    return this.serial(async () => (await this.rows('SELECT payload, revision FROM environments ORDER BY name')).map(toEnv))
  }

  getSnapshots(fingerprints: readonly string[]): Promise<Map<string, Snapshot>> {
    return this.serial(async () => {
      const out = new Map<string, Snapshot>()
      if (fingerprints.length === 0) return out
      const rows = await this.rows('SELECT payload FROM snapshots WHERE fingerprint IN (SELECT unnest($1::VARCHAR[]))', [
        listValue([...fingerprints]),
      ])
      for (const r of rows) {
        const s = JSON.parse(String(r['payload'])) as Snapshot
        out.set(s.fingerprint, s)
      }
      return out
    })
  }

  getIntervals(versions: readonly string[]): Promise<Map<string, Interval[]>> {
    return this.serial(async () => {
      const out = new Map<string, Interval[]>()
      if (versions.length === 0) return out
      const rows = await this.rows('SELECT version, intervals FROM intervals WHERE version IN (SELECT unnest($1::VARCHAR[]))', [
        listValue([...versions]),
      ])
      for (const r of rows) out.set(String(r['version']), JSON.parse(String(r['intervals'])) as Interval[])
      return out
    })
  }

  listRuns(limit: number): Promise<RunRecord[]> {
    return this.serial(async () => (await this.rows('SELECT * FROM runs ORDER BY started_at DESC LIMIT $1', [limit])).map(toRun))
  }

  findRunByCommit(hash: string): Promise<RunRecord | undefined> {
    // The earliest run recording the hash is the one whose writes produced it.
    return this.serial(async () => {
      const r = await this.rows('SELECT * FROM runs WHERE commit_hash = $1 ORDER BY started_at, id LIMIT 1', [hash])
      return r[0] ? toRun(r[0]) : undefined
    })
  }

  listPromotions(filter: { tag?: string; limit: number }): Promise<PromotionRecord[]> {
    return this.serial(async () => {
      const rows = await this.rows('SELECT * FROM promotions WHERE ($1 IS NULL OR tag = $1) ORDER BY promoted_at DESC, seq DESC LIMIT $2', [
        filter.tag ?? null,
        filter.limit,
      ])
      return rows.map(toPromotion)
    })
  }

  recordPromotion(p: PromotionRecord): Promise<void> {
    return this.serial(() =>
      this.tx(async () => {
        const r = await this.rows('SELECT coalesce(max(seq), 0) + 1 AS next FROM promotions')
        await this.conn.run(
          'INSERT INTO promotions (id, seq, tag, from_hash, to_hash, user_name, promoted_at, verified_by, forced, forced_reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
          [
            p.id,
            Number(r[0]?.['next'] ?? 1),
            p.tag,
            p.fromHash ?? null,
            p.toHash,
            p.user,
            p.at,
            p.verifiedBy ?? null,
            p.forced,
            p.forcedReasons === undefined ? null : JSON.stringify(p.forcedReasons),
          ],
        )
      }),
    )
  }

  listAudits(filter: { runId?: string; model?: string; limit: number }): Promise<AuditRecord[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        `SELECT * FROM audits WHERE ($1 IS NULL OR run_id = $1) AND ($2 IS NULL OR model = $2) ORDER BY recorded_at DESC, model, audit LIMIT $3`,
        [filter.runId ?? null, filter.model ?? null, filter.limit],
      )
      return rows.map(toAudit)
    })
  }

  listRestatements(filter: { env?: string; running?: boolean; limit: number }): Promise<RestatementRecord[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        `SELECT payload FROM restatements WHERE ($1 IS NULL OR env = $1) AND ($2 IS NULL OR status = 'running') ORDER BY started_at DESC LIMIT $3`,
        [filter.env ?? null, filter.running ? true : null, filter.limit],
      )
      return rows.map((r) => JSON.parse(String(r['payload'])) as RestatementRecord)
    })
  }

  saveRestatement(r: RestatementRecord): Promise<void> {
    return this.serial(async () => {
      await this.conn.run(
        'INSERT INTO restatements VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET status = excluded.status, payload = excluded.payload',
        [r.id, r.env, r.status, r.startedAt, JSON.stringify(r)],
      )
    })
  }

  recordAudits(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve()
    return this.serial(() =>
      this.tx(async () => {
        for (const a of records) {
          await this.conn.run('INSERT INTO audits VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', auditValues(a))
        }
      }),
    )
  }

  pushSnapshots(snapshots: readonly Snapshot[]): Promise<void> {
    if (snapshots.length === 0) return Promise.resolve()
    return this.serial(() =>
      this.tx(async () => {
        for (const chunk of chunks(snapshots, 200)) {
          const values: DuckDBValue[] = []
          const ph = chunk.map((s, i) => {
            values.push(s.fingerprint, s.name, s.version, JSON.stringify(s), s.createdAt)
            const b = i * 5
            return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`
          })
          await this.conn.run(`INSERT INTO snapshots VALUES ${ph.join(', ')} ON CONFLICT (fingerprint) DO NOTHING`, values)
        }
      }),
    )
  }

  addIntervals(version: string, intervals: readonly Interval[]): Promise<void> {
    return this.updateIntervals(version, (cur) => mergeIntervals([...cur, ...intervals]))
  }

  removeIntervals(version: string, intervals: readonly Interval[]): Promise<void> {
    return this.updateIntervals(version, (cur) => subtractIntervals(cur, intervals))
  }

  /**
   * Interval updates waiting for the next commit. Updates that queue up while a commit is under
   * way are written together in ONE transaction (group commit: a DuckDB commit costs ≈ 5 ms, and
   * a run's models record batches concurrently). Each caller resolves only after that commit.
   */
  private pendingIntervals: Array<{ version: string; fn: (cur: Interval[]) => Interval[]; done: () => void; fail: (e: unknown) => void }> = []

  private updateIntervals(version: string, fn: (cur: Interval[]) => Interval[]): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.pendingIntervals.push({ version, fn, done, fail })
      if (this.pendingIntervals.length === 1) void this.serial(() => this.commitIntervals())
    })
  }

  private async commitIntervals(): Promise<void> {
    const group = this.pendingIntervals
    this.pendingIntervals = []
    try {
      await this.tx(async () => {
        const versions = [...new Set(group.map((u) => u.version))]
        const next = new Map<string, Interval[]>()
        const rows = await this.rows('SELECT version, intervals FROM intervals WHERE version IN (SELECT unnest($1::VARCHAR[]))', [listValue(versions)])
        for (const r of rows) next.set(String(r['version']), JSON.parse(String(r['intervals'])) as Interval[])
        for (const u of group) next.set(u.version, u.fn(next.get(u.version) ?? [])) // in call order
        const now = Date.now()
        for (const chunk of chunks([...next], 300)) {
          const values: DuckDBValue[] = []
          const ph = chunk.map(([version, intervals], i) => {
            values.push(version, JSON.stringify(intervals), now)
            return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`
          })
          await this.conn.run(
            `INSERT INTO intervals VALUES ${ph.join(', ')} ON CONFLICT (version) DO UPDATE SET intervals = excluded.intervals, updated_at = excluded.updated_at`,
            values,
          )
        }
      })
    } catch (e) {
      for (const u of group) u.fail(e)
      return
    }
    for (const u of group) u.done()
  }

  saveEnvironment(env: EnvironmentRecord, expectedRevision: number | undefined): Promise<EnvironmentRecord> {
    return this.serial(() =>
      this.tx(async () => {
        const r = await this.rows('SELECT revision FROM environments WHERE name = $1', [env.name])
        const current = r[0] ? Number(r[0]['revision']) : undefined
        if (current !== expectedRevision) {
          throw new StateError(
            'STATE_ERROR',
            `environment '${env.name}' was changed by another process (revision ${current ?? 'none'}, expected ${expectedRevision ?? 'none'}); re-run the command`,
          )
        }
        const saved: EnvironmentRecord = { ...env, revision: (expectedRevision ?? 0) + 1, updatedAt: Date.now() }
        await this.conn.run(
          'INSERT INTO environments VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET payload = excluded.payload, revision = excluded.revision, updated_at = excluded.updated_at',
          [saved.name, JSON.stringify(saved), saved.revision, saved.updatedAt],
        )
        return saved
      }),
    )
  }

  deleteEnvironment(name: string, expectedRevision: number): Promise<void> {
    return this.serial(() =>
      this.tx(async () => {
        const r = await this.rows('SELECT revision FROM environments WHERE name = $1', [name])
        const current = r[0] ? Number(r[0]['revision']) : undefined
        if (current !== expectedRevision) {
          throw new StateError(
            'STATE_ERROR',
            `environment '${name}' was changed by another process (revision ${current ?? 'none'}, expected ${expectedRevision}); re-run the command`,
          )
        }
        await this.conn.run('DELETE FROM environments WHERE name = $1', [name])
      }),
    )
  }

  startRun(run: RunRecord): Promise<void> {
    return this.serial(async () => {
      await this.conn.run('INSERT INTO runs (id, command, env, started_at, status, commit_hash) VALUES ($1, $2, $3, $4, $5, $6)', [
        run.id,
        run.command,
        run.env,
        run.startedAt,
        run.status,
        run.commit ?? null,
      ])
    })
  }

  finishRun(id: string, status: RunRecord['status'], summary: unknown, commit?: string): Promise<void> {
    return this.serial(async () => {
      // An undefined commit keeps whatever was stored (a run without a versioned catalog has none).
      await this.conn.run('UPDATE runs SET finished_at = $1, status = $2, summary = $3, commit_hash = coalesce($4, commit_hash) WHERE id = $5', [
        Date.now(),
        status,
        JSON.stringify(summary ?? null),
        commit ?? null,
        id,
      ])
    })
  }

  describe(): Promise<StateInfo> {
    return this.serial(async () => {
      const counts: Record<string, number> = {}
      for (const t of DATA_TABLES) counts[t] = Number((await this.rows(`SELECT count(*) AS n FROM ${t}`))[0]?.['n'] ?? 0)
      const v = await this.rows('SELECT schema_version FROM _versions WHERE id = 1')
      return { backend: 'embedded', location: this.path, schemaVersion: Number(v[0]?.['schema_version'] ?? 0), latestVersion: SCHEMA_VERSION, counts }
    })
  }

  exportState(): Promise<StateDump> {
    return this.serial(() => this.tx(() => readDump((sql) => this.rows(sql), (t) => t)))
  }

  importState(dump: StateDump, o: { replace: boolean }): Promise<void> {
    return this.serial(() =>
      this.tx(async () => {
        if (o.replace) for (const t of DATA_TABLES) await this.conn.run(`DELETE FROM ${t}`)
        else {
          for (const t of DATA_TABLES) {
            const n = Number((await this.rows(`SELECT count(*) AS n FROM ${t}`))[0]?.['n'] ?? 0)
            if (n > 0) throw new StateError('STATE_ERROR', notEmptyMessage(this.path, t, n))
          }
        }
        for (const s of dump.snapshots) await this.conn.run('INSERT INTO snapshots VALUES ($1, $2, $3, $4, $5)', [s.fingerprint, s.name, s.version, JSON.stringify(s), s.createdAt])
        for (const i of dump.intervals) await this.conn.run('INSERT INTO intervals VALUES ($1, $2, $3)', [i.version, JSON.stringify(mergeIntervals(i.intervals)), Date.now()])
        for (const e of dump.environments) await this.conn.run('INSERT INTO environments VALUES ($1, $2, $3, $4)', [e.name, JSON.stringify(e), e.revision, e.updatedAt])
        for (const r of dump.runs) {
          await this.conn.run('INSERT INTO runs (id, command, env, started_at, finished_at, status, summary, commit_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
            r.id, r.command, r.env, r.startedAt, r.finishedAt ?? null, r.status, r.summary === undefined ? null : JSON.stringify(r.summary), r.commit ?? null,
          ])
        }
        for (const r of dump.restatements) await this.conn.run('INSERT INTO restatements VALUES ($1, $2, $3, $4, $5)', [r.id, r.env, r.status, r.startedAt, JSON.stringify(r)])
        for (const a of dump.audits) await this.conn.run('INSERT INTO audits VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', auditValues(a))
        for (const [i, p] of dump.promotions.entries()) {
          await this.conn.run('INSERT INTO promotions (id, seq, tag, from_hash, to_hash, user_name, promoted_at, verified_by, forced, forced_reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
            p.id, i + 1, p.tag, p.fromHash ?? null, p.toHash, p.user, p.at, p.verifiedBy ?? null, p.forced, p.forcedReasons === undefined ? null : JSON.stringify(p.forcedReasons),
          ])
        }
      }),
    )
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      this.conn.closeSync()
      this.instance.closeSync()
    })
  }
}

function auditValues(a: AuditRecord): DuckDBValue[] {
  return [a.runId, a.model, a.version, a.fingerprint, a.audit, a.blocking, a.status, a.count, a.interval ? a.interval[0] : null, a.interval ? a.interval[1] : null, a.at]
}
