import { formatCheck } from '../../src/testing/format-diff.js'
import type { TestResult, TestRunResult } from '../../src/testing/types.js'
import { fmtDuration } from './format.js'

const WORD: Record<TestResult['status'], string> = { passed: 'PASS ', failed: 'FAIL ', error: 'ERROR' }

/**
 * The report of `models test`: one line per test, then the diff of every failed test and the
 * message of every test that could not run, then a summary line.
 */
export function testRunToText(run: TestRunResult): string {
  const out: string[] = []
  const width = Math.min(60, Math.max(0, ...run.tests.map((t) => t.name.length)))
  for (const t of run.tests) out.push(`${WORD[t.status]} ${t.name.padEnd(width)}  ${t.file}:${t.line}`)
  for (const t of run.tests.filter((x) => x.status !== 'passed')) {
    out.push('')
    if (t.status === 'error') {
      out.push(`ERROR ${t.message ?? t.name}`)
      continue
    }
    out.push(`FAIL ${t.name} (${t.file}:${t.line}) model ${t.model}`)
    for (const c of t.checks.filter((x) => !x.ok)) out.push(...formatCheck(c).map((l) => `  ${l}`))
  }
  if (run.tests.length > 0) out.push('')
  const parts = [`${run.passed} passed`, `${run.failed} failed`]
  if (run.errors > 0) parts.push(`${run.errors} error${run.errors === 1 ? '' : 's'}`)
  const n = run.total
  out.push(n === 0 ? 'No tests found (tests/**/test_*.yaml)' : `${n} test${n === 1 ? '' : 's'}: ${parts.join(', ')} (${fmtDuration(Math.round(run.durationMs))})`)
  return out.join('\n') + '\n'
}
