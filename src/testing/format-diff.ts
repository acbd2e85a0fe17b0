/** Plain-text rendering of a failed output check (used by the CLI and the JUnit report). */
import type { OutputCheck, TestResult } from './types.js'

/** Rows listed per section before `... and N more`. */
const MAX_ROWS = 20

/** One value as it appears in a diff: JSON, so text is quoted and NULL is `null`. */
export function formatValue(v: unknown): string {
  return JSON.stringify(v) ?? 'null'
}

/** `{a: 1, b: "x"}`. */
export function formatRow(row: Record<string, unknown>): string {
  return `{${Object.entries(row).map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')}}`
}

function section(lines: string[], title: string, rows: ReadonlyArray<Record<string, unknown>>): void {
  if (rows.length === 0) return
  lines.push(title)
  for (const r of rows.slice(0, MAX_ROWS)) lines.push(`    ${formatRow(r)}`)
  if (rows.length > MAX_ROWS) lines.push(`    ... and ${rows.length - MAX_ROWS} more`)
}

/**
 * The diff of one failed check, one line per item, without indentation of its own:
 * ```
 * query: 3 expected rows, 3 produced; 1 missing, 1 unexpected
 *   - missing (expected, not produced):
 *       {day: "2024-01-01", n: 3}
 *   + unexpected (produced, not expected):
 *       {day: "2024-01-01", n: 2}
 *   ~ expected row 1 differs from a produced row in: n (expected 3, got 2)
 * ```
 */
export function formatCheck(check: OutputCheck): string[] {
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`
  const lines = [
    `${check.output}: ${plural(check.expectedCount, 'expected row')}, ${check.actualCount} produced; ` +
      `${check.missing.length} missing, ${check.unexpected.length} unexpected`,
  ]
  section(lines, '  - missing (expected, not produced):', check.missing)
  section(lines, '  + unexpected (produced, not expected):', check.unexpected)
  for (const m of check.nearMatches) {
    const cols = m.differences.map((d) => `${d.column} (expected ${formatValue(d.expected)}, got ${formatValue(d.actual)})`)
    lines.push(`  ~ expected row ${m.expectedIndex} differs from a produced row in: ${cols.join(', ')}`)
  }
  if (check.extraColumns.length > 0) {
    lines.push(`  output columns missing from the expected rows: ${check.extraColumns.join(', ')} (add them, or set partial: true)`)
  }
  return lines
}

/** The full failure text of a test: its error message, or the diff of every failed check. */
export function formatFailure(result: TestResult): string {
  if (result.status === 'error') return result.message ?? 'error'
  return result.checks
    .filter((c) => !c.ok)
    .flatMap(formatCheck)
    .join('\n')
}

/** One-line summary of a failed test, e.g. `query: 1 missing, 1 unexpected row`. */
export function failureSummary(checks: readonly OutputCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => {
      const parts: string[] = []
      if (c.missing.length > 0) parts.push(`${c.missing.length} missing`)
      if (c.unexpected.length > 0) parts.push(`${c.unexpected.length} unexpected`)
      if (c.extraColumns.length > 0) parts.push(`unlisted columns ${c.extraColumns.join(', ')}`)
      return `${c.output}: ${parts.join(', ')}`
    })
    .join('; ')
}
