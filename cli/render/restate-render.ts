import type { RestatePreview } from '../../src/operations/restate.js'
import type { RestatementRecord } from '../../src/state/state-store.js'
import { fmtRange } from './format.js'

/** The preview printed before anything is restated. */
export function restatePreviewText(p: RestatePreview): string {
  const out = [`Restatement of environment '${p.env}'${p.resumes ? ` (resuming interrupted restatement ${p.resumes})` : ''}:`]
  for (const m of p.models) {
    const what = m.skipped
      ? `skipped: ${m.skipped}`
      : m.full
        ? 'full rebuild'
        : m.intervals.map((iv) => fmtRange(iv)).join(', ')
    const rows = m.rows === undefined ? '' : `, ${m.rows} rows affected`
    out.push(`  ${m.name} [${m.snapshot.kind.name}] ${m.why}: ${what}${rows}`)
  }
  const n = p.models.filter((m) => !m.skipped).length
  out.push(`${n} model${n === 1 ? '' : 's'} to restate.`)
  return out.join('\n')
}

export function restatePreviewJson(p: RestatePreview): unknown {
  const iso = (ms: number): string => new Date(ms).toISOString()
  return {
    env: p.env,
    resumes: p.resumes ?? null,
    models: p.models.map((m) => ({
      name: m.name,
      kind: m.snapshot.kind.name,
      version: m.snapshot.version,
      why: m.why,
      rebuild: m.full ? 'full' : 'intervals',
      intervals: m.intervals.map(([a, b]) => ({ start: iso(a), end: iso(b) })),
      rows: m.rows ?? null,
      skipped: m.skipped ?? null,
    })),
  }
}

/** `models restate --list`. */
export function restatementsText(list: readonly RestatementRecord[]): string {
  if (list.length === 0) return 'No restatements recorded.'
  return list
    .map((r) => {
      const sel = [...r.categories.map((c) => `--category ${c}`), ...r.selectors.map((s) => `--model ${s}`)].join(' ')
      const range = r.start !== undefined || r.end !== undefined ? ` range ${fmtRange([r.start ?? 0, r.end ?? Date.now()])}` : ''
      return `${r.id}  ${new Date(r.startedAt).toISOString()}  ${r.user}  ${r.env}  ${r.status}  ${sel}${range}  models: ${r.models.length}${r.reason ? `  reason: ${r.reason}` : ''}`
    })
    .join('\n')
}
