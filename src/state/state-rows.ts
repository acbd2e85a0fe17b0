/**
 * Row <-> record mapping shared by the state store backends: both keep the same tables and
 * columns (DuckDB file, Postgres schema), so a record reads back the same from either.
 */
import type { EnvironmentRecord } from '../snapshot/snapshot.js'
import type { AuditRecord, PromotionRecord, RunRecord } from './state-store.js'

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
