import { randomUUID } from 'node:crypto'
import type { AuditResult } from '../audits/audit.js'
import { runAudits } from '../audits/run-audits.js'
import type { Context } from '../context.js'
import { checkEnvName, requireEnvironment } from '../plan/plan-environment.js'
import { physicalTable } from '../snapshot/physical.js'
import { buildSelection } from './selection.js'

/** Audit outcomes of one model. */
export interface ModelAuditReport {
  model: string
  results: AuditResult[]
}

/**
 * Re-run the audits of the selected models (default: all with audits) on the tables the
 * environment currently points to, whole tables; record the outcomes in state.
 */
export async function auditOperation(ctx: Context, o: { env: string; select?: readonly string[] }): Promise<ModelAuditReport[]> {
  checkEnvName(o.env)
  const state = await ctx.state()
  const env = await requireEnvironment(state, o.env)
  const selected = buildSelection(ctx, o.select)
  const snapshots = await state.getSnapshots(Object.values(env.snapshots))
  const { engine } = await ctx.engine()
  const runId = randomUUID()
  const reports: ModelAuditReport[] = []
  for (const name of ctx.project.dag.topoOrder()) {
    const m = ctx.project.models.get(name)!
    if (m.def.audits.length === 0 || (selected && !selected.has(name))) continue
    const fp = env.snapshots[name]
    const snap = fp ? snapshots.get(fp) : undefined
    if (!snap) continue // not in this environment yet
    const table = physicalTable(name, snap.version)
    const results = await runAudits({
      model: name,
      calls: m.def.audits,
      registry: ctx.project.audits,
      query: (s) => engine.query(s),
      ctx: {
        thisModel: engine.quoteTable(table),
        engineDialect: engine.dialect,
        modelDialect: m.def.dialect,
        sql: ctx.sql,
        variables: ctx.project.config.variables,
        macros: ctx.project.macros,
        executionTime: Date.now(),
        location: { file: m.def.file, line: m.def.line },
      },
    })
    await state.recordAudits(
      results.map((a) => ({
        runId,
        model: name,
        version: snap.version,
        fingerprint: snap.fingerprint,
        audit: a.audit,
        blocking: a.blocking,
        status: a.status,
        count: a.count,
        at: Date.now(),
      })),
    )
    reports.push({ model: name, results })
  }
  return reports
}
