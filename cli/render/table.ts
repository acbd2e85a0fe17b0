import type { Row } from '../../src/engines/engine-adapter.js'

/** Rows as an aligned text table. */
export function rowsToTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '(0 rows)'
  const cols = Object.keys(rows[0]!)
  const cell = (v: unknown): string => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd()
  const out = [line(cols), widths.map((w) => '-'.repeat(w)).join('-+-')]
  for (const r of rows) out.push(line(cols.map((c) => cell(r[c]))))
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`)
  return out.join('\n')
}
