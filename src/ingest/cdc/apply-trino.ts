/**
 * Apply collapsed CDC batches to an Iceberg table through Trino: values arrive as Postgres text,
 * travel as one JSON literal per statement (see `trino-rows.ts`) and are cast to the table's
 * column types by Trino; upserts and deletes of a batch are ONE `MERGE` (a few more only for
 * unchanged-TOAST partial updates, and for batches beyond one statement's size, which go
 * through a staging table first). Every statement runs on the caller's work branch.
 */
import { quoteIdent } from '../../sql/quote.js'
import { jsonBatches, jsonRows } from '../trino-rows.js'
import type { TableBatch } from './change-batch.js'

export interface TrinoDestTable {
  /** `"catalog"."schema"."table"` already quoted. */
  quoted: string
  /** Column name -> Trino type (as `information_schema` spells it), in table order. */
  columns: ReadonlyArray<{ name: string; type: string }>
  /** Key columns, in order. */
  key: readonly string[]
  /** A quoted table name free for staging a batch too big for one statement (replaced, then dropped). */
  staging: string
}

/** Runs one Trino statement. */
export type RunSql = (sql: string) => Promise<void>

const OP = '__tributary_op'

/** Apply one table's batch: truncate, then upserts and deletes in one MERGE, then partial updates. */
export async function applyTableBatchTrino(run: RunSql, dest: TrinoDestTable, b: TableBatch): Promise<void> {
  const typeOf = new Map(dest.columns.map((c) => [c.name, c.type]))
  for (const row of b.upserts) for (const k of Object.keys(row)) if (!typeOf.has(k)) throw new Error(`column ${k} is not in ${dest.quoted} (a new source column must be added first)`)
  if (b.truncate) await run(`DELETE FROM ${dest.quoted}`)
  const cols = dest.columns.map((c) => c.name)
  // A key in `deletes` that is also upserted is replaced by the MERGE's update: only the others are deleted.
  const upserted = new Set(b.upserts.map((r) => JSON.stringify(dest.key.map((k) => r[k] ?? null))))
  const rows: Array<Array<string | null>> = []
  for (const k of b.deletes) {
    if (!upserted.has(JSON.stringify(k))) rows.push(['D', ...cols.map((c) => (dest.key.includes(c) ? k[dest.key.indexOf(c)]! : null))])
  }
  for (const r of b.upserts) rows.push(['U', ...cols.map((c) => r[c] ?? null)])
  if (rows.length > 0) {
    const set = cols.filter((c) => !dest.key.includes(c))
    await merge(run, dest, [OP, ...cols], rows, [
      `WHEN MATCHED AND __s.${quoteIdent(OP)} = 'D' THEN DELETE`,
      ...(set.length > 0 ? [`WHEN MATCHED THEN UPDATE SET ${assignments(set)}`] : []),
      `WHEN NOT MATCHED AND __s.${quoteIdent(OP)} = 'U' THEN INSERT (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map((c) => `__s.${quoteIdent(c)}`).join(', ')})`,
    ])
  }
  // Partial updates (unchanged TOAST values not sent), grouped by the set of columns they carry.
  const groups = new Map<string, Array<{ key: Array<string | null>; values: Record<string, string | null> }>>()
  for (const p of b.partial) {
    const sig = Object.keys(p.values).filter((c) => !dest.key.includes(c)).sort().join(',')
    groups.set(sig, [...(groups.get(sig) ?? []), p])
  }
  for (const [sig, group] of groups) {
    if (sig === '') continue
    const set = sig.split(',')
    await merge(run, dest, [...dest.key, ...set], group.map((r) => [...r.key, ...set.map((c) => r.values[c] ?? null)]), [`WHEN MATCHED THEN UPDATE SET ${assignments(set)}`])
  }
}

/** `MERGE INTO dest USING (rows, typed) ON key … clauses`, through a staging table when the rows need more than one statement. */
async function merge(run: RunSql, dest: TrinoDestTable, names: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>, clauses: readonly string[]): Promise<void> {
  const typeOf = new Map(dest.columns.map((c) => [c.name, c.type]))
  const typed = (col: (i: number) => string): string => names.map((n, i) => `${fromPgText(col(i), typeOf.get(n) ?? 'VARCHAR')} AS ${quoteIdent(n)}`).join(', ')
  const statement = (source: string): string =>
    [`MERGE INTO ${dest.quoted} AS __t`, `USING (${source}) AS __s`, `ON ${dest.key.map((k) => `__t.${quoteIdent(k)} = __s.${quoteIdent(k)}`).join(' AND ')}`, ...clauses].join('\n')
  const batches = jsonBatches(rows)
  if (batches.length === 1) {
    await run(statement(`SELECT ${typed((i) => `__r[${i + 1}]`)} FROM ${jsonRows(batches[0]!)}`))
    return
  }
  await run(`CREATE OR REPLACE TABLE ${dest.staging} (${names.map((n) => `${quoteIdent(n)} VARCHAR`).join(', ')})`)
  try {
    for (const json of batches) await run(`INSERT INTO ${dest.staging} SELECT ${names.map((_n, i) => `__r[${i + 1}]`).join(', ')} FROM ${jsonRows(json)}`)
    await run(statement(`SELECT ${typed((i) => quoteIdent(names[i]!))} FROM ${dest.staging}`))
  } finally {
    await run(`DROP TABLE IF EXISTS ${dest.staging}`).catch(() => undefined)
  }
}

function assignments(cols: readonly string[]): string {
  return cols.map((c) => `${quoteIdent(c)} = __s.${quoteIdent(c)}`).join(', ')
}

/** Postgres text output -> the Trino type (bytea's `\x…` hex needs help; Trino's CASTs read the rest, `t`/`f` and `+00` offsets included). */
export function fromPgText(expr: string, type: string): string {
  const t = type.toUpperCase()
  if (t === 'VARCHAR' || t.startsWith('VARCHAR(')) return expr
  if (t === 'VARBINARY') return `from_hex(substr(${expr}, 3))`
  return `CAST(${expr} AS ${type})`
}
