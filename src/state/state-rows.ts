/**
 * Row <-> record mapping shared by the state store backends: both keep the same tables and
 * columns (DuckDB file, Postgres schema), so a record reads back the same from either.
 */
import type { Interval } from '../snapshot/interval.js'
import type { EnvironmentRecord, Snapshot } from '../snapshot/snapshot.js'
import { VERSION } from '../version.js'
import { DUMP_FORMAT, DUMP_VERSION, type StateDump } from './state-dump.js'
import type { AuditRecord, PromotionRecord, RestatementRecord, RunRecord } from './state-store.js'

/**
 * Every record of a store as a dump, through `query` (inside the caller's transaction); `table`
 * qualifies a table name (the Postgres schema, or nothing for the embedded file).
 */
export async function readDump(query: (sql: string) => Promise<Array<Record<string, unknown>>>, table: (name: string) => string): Promise<StateDump> {
  const payload = <T>(r: Record<string, unknown>): T => JSON.parse(String(r['payload'])) as T
  return {
    format: DUMP_FORMAT,
    version: DUMP_VERSION,
    exportedAt: new Date().toISOString(),
    tool: VERSION,
    snapshots: (await query(`SELECT payload FROM ${table('snapshots')} ORDER BY fingerprint`)).map((r) => payload<Snapshot>(r)),
    intervals: (await query(`SELECT version, intervals FROM ${table('intervals')} ORDER BY version`)).map((r) => ({
      version: String(r['version']),
      intervals: JSON.parse(String(r['intervals'])) as Interval[],
    })),
    environments: (await query(`SELECT payload, revision FROM ${table('environments')} ORDER BY name`)).map(toEnv),
    runs: (await query(`SELECT * FROM ${table('runs')} ORDER BY started_at, id`)).map(toRun),
    restatements: (await query(`SELECT payload FROM ${table('restatements')} ORDER BY started_at, id`)).map((r) => payload<RestatementRecord>(r)),
    audits: (await query(`SELECT * FROM ${table('audits')} ORDER BY recorded_at, run_id, model, audit`)).map(toAudit),
    promotions: (await query(`SELECT * FROM ${table('promotions')} ORDER BY seq`)).map(toPromotion),
  }
}

/** The refusal of an import into a store that already holds records. */
export function notEmptyMessage(store: string, table: string, rows: number): string {
  return `the state store ${store} is not empty (${table}: ${rows} rows); import into an empty store, or pass --replace to replace everything in it`
}

/** Tables holding records (everything but the version row), in import order. */
export const DATA_TABLES = ['snapshots', 'intervals', 'environments', 'runs', 'restatements', 'audits', 'promotions'] as const


export function toAudit(r: Record<string, unknown>): AuditRecord {
  return {
    runId: String(r['run_id']),
    model: String(r['model']),
    version: String(r['version']),
    fingerprint: String(r['fingerprint']),
    audit: String(r['audit']),
    blocking: Boolean(r['blocking']),
    status: String(r['status']) as AuditRecord['status'],
    count: Number(r['bad_rows']),
    ...(r['interval_start'] == null ? {} : { interval: [Number(r['interval_start']), Number(r['interval_end'])] as const }),
    at: Number(r['recorded_at']),
  }
}

export function toRun(r: Record<string, unknown>): RunRecord {
  return {
    id: String(r['id']),
    command: String(r['command']),
    env: String(r['env']),
    startedAt: Number(r['started_at']),
    finishedAt: r['finished_at'] == null ? undefined : Number(r['finished_at']),
    status: String(r['status']) as RunRecord['status'],
    summary: r['summary'] == null ? undefined : (JSON.parse(String(r['summary'])) as unknown),
    ...(r['commit_hash'] == null ? {} : { commit: String(r['commit_hash']) }),
  }
}

export function toPromotion(r: Record<string, unknown>): PromotionRecord {
  return {
    id: String(r['id']),
    tag: String(r['tag']),
    ...(r['from_hash'] == null ? {} : { fromHash: String(r['from_hash']) }),
    toHash: String(r['to_hash']),
    user: String(r['user_name']),
    at: Number(r['promoted_at']),
    ...(r['verified_by'] == null ? {} : { verifiedBy: String(r['verified_by']) }),
    forced: Boolean(r['forced']),
    ...(r['forced_reasons'] == null ? {} : { forcedReasons: JSON.parse(String(r['forced_reasons'])) as string[] }),
  }
}

export function toEnv(r: Record<string, unknown>): EnvironmentRecord {
  const env = JSON.parse(String(r['payload'])) as EnvironmentRecord
  env.revision = Number(r['revision'])
  return env
}

export function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}
