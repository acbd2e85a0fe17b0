import type { NodeResult, RunReporter, RunResult } from '../../src/run/run-result.js'
import type { CliIo } from '../io.js'
import { fmtDuration, fmtRange } from './format.js'

/** Progress on a terminal: one line per finished model, with the current batch. */
export function progressReporter(io: CliIo): RunReporter {
  let total = 0
  let finished = 0
  return {
    onRunStart: (i) => {
      total = i.models
      if (total > 0) io.stderr.write(`Running ${i.models} models (${i.batches} batches) in '${i.env}'\n`)
    },
    onBatchDone: (name, done, all, interval) => {
      if (all > 1) io.stderr.write(`  ${name}: batch ${done}/${all}${interval ? ` ${fmtRange(interval)}` : ''}\n`)
    },
    onModelEnd: (r) => {
      finished++
      io.stderr.write(`[${finished}/${total}] ${statusWord(r)} ${r.name} (${fmtDuration(r.durationMs)})\n`)
    },
  }
}

function statusWord(r: NodeResult): string {
  return r.status === 'succeeded' ? 'ok  ' : r.status === 'failed' ? 'FAIL' : r.status.toUpperCase()
}

/** The summary after a run; failures with their engine message and the SQL that failed. */
export function runToText(r: RunResult): string {
  const built = r.models.filter((m) => m.status === 'succeeded')
  const failed = r.models.filter((m) => m.status === 'failed')
  const skipped = r.models.filter((m) => m.status === 'skipped' || m.status === 'cancelled')
  const out: string[] = []
  out.push(
    `${r.ok ? 'Run succeeded' : 'Run finished with failures'} in '${r.env}': ${built.length} built, ${failed.length} failed, ${skipped.length} skipped (${fmtDuration(r.durationMs)})`,
  )
  for (const f of failed) {
    out.push(`  FAILED ${f.name}: ${f.message ?? 'unknown error'}`)
    if (f.sql) out.push(indent(f.sql.trim(), '      | '))
  }
  for (const s of skipped) out.push(`  SKIPPED ${s.name}: ${s.message ?? ''}`)
  for (const m of r.models) {
    for (const a of m.audits ?? []) {
      if (a.status === 'failed' && !a.blocking) out.push(`  WARN ${m.name}: non-blocking audit ${a.audit} found ${a.count} bad row${a.count === 1 ? '' : 's'}`)
    }
  }
  return out.join('\n')
}

function indent(text: string, prefix: string): string {
  const lines = text.split('\n')
  const shown = lines.length > 30 ? [...lines.slice(0, 30), `... (${lines.length - 30} more lines)`] : lines
  return shown.map((l) => prefix + l).join('\n')
}

export function runToJson(r: RunResult): unknown {
  return r
}
