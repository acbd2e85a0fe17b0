/**
 * Compare expected rows with the rows a query produced, as an unordered multiset with
 * type-aware cell equality, and describe the difference: missing rows, unexpected rows, and for
 * near matches the columns that differ.
 */
import { EngineError } from '../errors.js'
import { cellsEqual, typeCategory, type TypeCategory } from './cell-equality.js'
import type { ColumnDifference, NearMatch, OutputCheck } from './types.js'

/** A column of the produced result, with its DuckDB type. */
export interface ResultColumn {
  name: string
  type: string
}

/** What to compare. */
export interface CompareInput {
  /** `'query'` or `'cte <name>'`, used in messages. */
  output: string
  expected: ReadonlyArray<Record<string, unknown>>
  actual: ReadonlyArray<Record<string, unknown>>
  columns: readonly ResultColumn[]
  /** Compare only the columns the expected rows give. */
  partial: boolean
}

/** An expected column the output does not have: a mistake in the test, not a failed check. */
export class UnknownOutputColumnError extends EngineError {
  constructor(output: string, missing: string[], available: readonly string[]) {
    super(
      'MODEL_INVALID',
      `${output}: expected column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} ` +
        `not in the model's output (columns: ${available.join(', ') || 'none'})`,
    )
  }
}

interface Compared {
  /** Name as the expected rows write it (first spelling seen). */
  key: string
  /** Name in the result. */
  actual: string
  cat: TypeCategory
}

/**
 * Compare `expected` with `actual`.
 * @throws UnknownOutputColumnError when an expected row names a column the output lacks.
 * @example compareRows({ output: 'query', expected: [{ n: 1 }], actual: [{ n: 1.0 }], columns: [{ name: 'n', type: 'DOUBLE' }], partial: false }).ok // true
 */
export function compareRows(input: CompareInput): OutputCheck {
  const byLower = new Map(input.columns.map((c) => [c.name.toLowerCase(), c] as const))
  const keys: string[] = []
  const seenKeys = new Set<string>()
  for (const row of input.expected) {
    for (const k of Object.keys(row)) {
      if (!seenKeys.has(k.toLowerCase())) {
        seenKeys.add(k.toLowerCase())
        keys.push(k)
      }
    }
  }
  const unknown = keys.filter((k) => !byLower.has(k.toLowerCase()))
  if (unknown.length > 0) throw new UnknownOutputColumnError(input.output, unknown, input.columns.map((c) => c.name))
  const compared: Compared[] = keys.map((k) => {
    const col = byLower.get(k.toLowerCase())!
    return { key: k, actual: col.name, cat: typeCategory(col.type) }
  })
  const extraColumns = input.partial || input.expected.length === 0 ? [] : input.columns.map((c) => c.name).filter((c) => !seenKeys.has(c.toLowerCase()))

  const expected = input.expected.map((r) => lowerKeys(r))
  const used = new Array<boolean>(input.actual.length).fill(false)
  const missingIdx: number[] = []
  expected.forEach((row, i) => {
    const j = input.actual.findIndex((a, k) => !used[k] && rowEquals(row, a, compared))
    if (j < 0) missingIdx.push(i)
    else used[j] = true
  })
  const unexpectedIdx = input.actual.map((_a, k) => k).filter((k) => !used[k])
  const nearMatches = findNearMatches(missingIdx, unexpectedIdx, expected, input, compared)

  const showExpected = (r: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(compared.map((c) => [c.key, display(r[c.key.toLowerCase()] ?? null)]))
  const showActual = (r: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = Object.fromEntries(compared.map((c) => [c.key, display(r[c.actual] ?? null)]))
    for (const x of extraColumns) out[x] = display(r[x] ?? null)
    return out
  }
  return {
    output: input.output,
    ok: missingIdx.length === 0 && unexpectedIdx.length === 0 && extraColumns.length === 0,
    columns: compared.map((c) => c.key),
    expectedCount: input.expected.length,
    actualCount: input.actual.length,
    missing: missingIdx.map((i) => showExpected(expected[i]!)),
    unexpected: unexpectedIdx.map((k) => showActual(input.actual[k]!)),
    nearMatches,
    extraColumns,
  }
}

function lowerKeys(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(r)) out[k.toLowerCase()] = v
  return out
}

function rowEquals(e: Record<string, unknown>, a: Record<string, unknown>, cols: readonly Compared[]): boolean {
  for (const c of cols) if (!cellsEqual(e[c.key.toLowerCase()] ?? null, a[c.actual] ?? null, c.cat)) return false
  return true
}

/**
 * Pair each missing row with the unexpected row that agrees with it on the most columns (at
 * least half of them, and at least one), each unexpected row used once.
 */
function findNearMatches(
  missingIdx: readonly number[],
  unexpectedIdx: readonly number[],
  expected: ReadonlyArray<Record<string, unknown>>,
  input: CompareInput,
  cols: readonly Compared[],
): NearMatch[] {
  if (cols.length < 2) return []
  const free = new Set(unexpectedIdx)
  const out: NearMatch[] = []
  for (const i of missingIdx) {
    const e = expected[i]!
    let best: { k: number; diffs: ColumnDifference[] } | undefined
    for (const k of free) {
      const a = input.actual[k]!
      const diffs: ColumnDifference[] = []
      for (const c of cols) {
        const ev = e[c.key.toLowerCase()] ?? null
        const av = a[c.actual] ?? null
        if (!cellsEqual(ev, av, c.cat)) diffs.push({ column: c.key, expected: display(ev), actual: display(av) })
      }
      if (diffs.length * 2 > cols.length || diffs.length === cols.length) continue
      if (!best || diffs.length < best.diffs.length) best = { k, diffs }
    }
    if (!best) continue
    free.delete(best.k)
    const row = (r: Record<string, unknown>, pick: (c: Compared) => unknown): Record<string, unknown> =>
      Object.fromEntries(cols.map((c) => [c.key, display(pick(c))]))
    out.push({
      expectedIndex: i + 1,
      expected: row(e, (c) => e[c.key.toLowerCase()] ?? null),
      actual: row(input.actual[best.k]!, (c) => input.actual[best.k]![c.actual] ?? null),
      differences: best.diffs,
    })
  }
  return out
}

/** A value safe for JSON and for printing: bigints become their decimal text, undefined NULL. */
export function display(v: unknown): unknown {
  if (v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (Array.isArray(v)) return v.map(display)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, display(x)]))
  return v
}
