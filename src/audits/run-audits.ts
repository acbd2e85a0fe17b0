/** Running a model's audit calls against the engine and collecting one result per call. */
import { QueryError } from '../errors.js'
import type { Row } from '../engines/engine-adapter.js'
import type { AuditCall } from '../project/model.js'
import type { Interval } from '../snapshot/interval.js'
import type { AuditRegistry, AuditRenderContext, AuditResult } from './audit.js'
import { unknownAuditError } from './registry.js'
import { renderAuditQuery } from './render-audit.js'
import { locateAuditError, resolveAuditCall } from './resolve-call.js'

/** How many bad rows a failed result keeps. */
export const AUDIT_SAMPLE_SIZE = 5

/** Options of `runAudits`. */
export interface RunAuditsOptions {
  /** Model name, for results and error messages (`oso.int_events_daily`). */
  model: string
  /** The model's `audits (...)` calls, run in order. */
  calls: readonly AuditCall[]
  registry: AuditRegistry
  ctx: AuditRenderContext
  /**
   * Runs one query on the engine and returns its rows; the caller's choice of connection (for
   * write-audit-publish, the open transaction, so audits see uncommitted rows).
   */
  query: (sql: string) => Promise<Row[]>
  /** The batch interval being audited: recorded in each result and used for `@start_ds`-style macros (over `ctx.interval`). */
  interval?: Interval
}

async function run(o: RunAuditsOptions, audit: string, sql: string): Promise<Row[]> {
  try {
    return await o.query(sql)
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    throw new QueryError(`audit '${audit}' on model '${o.model}' failed to run: ${msg}`, e instanceof QueryError ? e.sql : sql, e)
  }
}

function toCount(v: unknown): number {
  const n = typeof v === 'bigint' ? Number(v) : Number(v ?? 0)
  if (!Number.isFinite(n)) throw new QueryError(`audit row count is not a number: ${String(v)}`, '')
  return n
}

/**
 * Run each call: count its bad rows (`SELECT count(*) AS n FROM (<audit>) AS audit_bad_rows`) and,
 * when there are any, fetch up to 5 of them. Audits run one after another. Skipped audits
 * (`skip true`) give no result. Whether a failure blocks is the caller's decision, from `blocking`.
 * @throws ProjectError AUDIT_INVALID for an unknown audit or bad arguments (validate at load time
 *   with `validateAuditCalls` to get these early); MacroError / SqlError when rendering fails;
 *   QueryError (the engine's message, prefixed with the audit and model names) when a query fails.
 * @example const results = await runAudits({ model: 'shop.orders', calls: def.audits, registry, ctx, query: (s) => db.query(s) })
 */
export async function runAudits(o: RunAuditsOptions): Promise<AuditResult[]> {
  const interval = o.interval ?? o.ctx.interval
  const ctx: AuditRenderContext = interval ? { ...o.ctx, interval } : o.ctx
  const results: AuditResult[] = []
  for (const call of o.calls) {
    const def = o.registry.get(call.name)
    if (!def) throw unknownAuditError(call.name, o.registry, ctx.location)
    if (def.skip) continue
    let blocking: boolean
    try {
      blocking = resolveAuditCall(call, def).blocking
    } catch (e) {
      throw locateAuditError(e, call.name, ctx.location)
    }
    const sql = renderAuditQuery(call, def, ctx)
    const rows = await run(o, call.name, `SELECT count(*) AS n FROM (${sql}) AS audit_bad_rows`)
    const count = toCount(rows[0]?.['n'])
    const sample = count > 0 ? await run(o, call.name, `SELECT * FROM (${sql}) AS audit_bad_rows LIMIT ${AUDIT_SAMPLE_SIZE}`) : []
    results.push({
      model: o.model,
      audit: call.name,
      args: { ...call.args },
      blocking,
      status: count > 0 ? 'failed' : 'passed',
      count,
      sample,
      sql,
      ...(interval ? { interval } : {}),
    })
  }
  return results
}
