/**
 * Apply collapsed CDC batches to DuckDB tables, inside the caller's transaction: values arrive as
 * Postgres text and are cast to the destination's column types in bulk (appender into a scratch
 * table of VARCHARs, then one DELETE / INSERT / UPDATE per table).
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import type { TableBatch } from './change-batch.js'
import { quoteIdent } from '../../sql/quote.js'

export interface DestTable {
  /** `"schema"."table"` already quoted. */
  quoted: string
  /** Column name -> DuckDB type, in table order. */
  columns: ReadonlyArray<{ name: string; type: string }>
  /** Key columns, in order. */
  key: readonly string[]
}

let scratchSeq = 0

/** Apply one table's batch. The caller holds the transaction (and commits it with the LSN). */
export async function applyTableBatch(conn: DuckDBConnection, dest: DestTable, b: TableBatch): Promise<void> {
  const typeOf = new Map(dest.columns.map((c) => [c.name, c.type]))
  const cast = (expr: string, col: string): string => castText(expr, typeOf.get(col) ?? 'VARCHAR')
  if (b.truncate) await conn.run(`DELETE FROM ${dest.quoted}`)
  if (b.deletes.length > 0) {
    const tmp = await scratch(conn, dest.key, b.deletes)
    const keyMatch = dest.key.map((k) => quoteIdent(k)).join(', ')
    await conn.run(`DELETE FROM ${dest.quoted} WHERE (${keyMatch}) IN (SELECT ${dest.key.map((k) => cast(quoteIdent(k), k)).join(', ')} FROM ${tmp})`)
    await conn.run(`DROP TABLE ${tmp}`)
  }
  if (b.upserts.length > 0) {
    const cols = dest.columns.map((c) => c.name)
    for (const row of b.upserts) for (const k of Object.keys(row)) if (!typeOf.has(k)) throw new Error(`column ${k} is not in ${dest.quoted} (a new source column must be added first)`)
    const tmp = await scratch(conn, cols, b.upserts.map((r) => cols.map((c) => r[c] ?? null)))
    await conn.run(`INSERT INTO ${dest.quoted} (${cols.map(quoteIdent).join(', ')}) SELECT ${cols.map((c) => cast(quoteIdent(c), c)).join(', ')} FROM ${tmp}`)
    await conn.run(`DROP TABLE ${tmp}`)
  }
  // Partial updates, grouped by the set of columns they carry.
  const groups = new Map<string, Array<{ key: Array<string | null>; values: Record<string, string | null> }>>()
  for (const p of b.partial) {
    const sig = Object.keys(p.values).filter((c) => !dest.key.includes(c)).sort().join(',')
    groups.set(sig, [...(groups.get(sig) ?? []), p])
  }
  for (const [sig, rows] of groups) {
    const set = sig === '' ? [] : sig.split(',')
    if (set.length === 0) continue
    const cols = [...dest.key, ...set]
    const tmp = await scratch(conn, cols, rows.map((r) => [...r.key, ...set.map((c) => r.values[c] ?? null)]))
    await conn.run(
      `UPDATE ${dest.quoted} SET ${set.map((c) => `${quoteIdent(c)} = ${cast(`__u.${quoteIdent(c)}`, c)}`).join(', ')} FROM ${tmp} AS __u WHERE ${dest.key.map((k) => `${dest.quoted}.${quoteIdent(k)} = ${cast(`__u.${quoteIdent(k)}`, k)}`).join(' AND ')}`,
    )
    await conn.run(`DROP TABLE ${tmp}`)
  }
}

/** A temporary table of VARCHAR columns filled through the appender. */
async function scratch(conn: DuckDBConnection, cols: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>): Promise<string> {
  const name = `__tributary_cdc_${process.pid}_${++scratchSeq}`
  await conn.run(`CREATE TEMP TABLE ${name} (${cols.map((c) => `${quoteIdent(c)} VARCHAR`).join(', ')})`)
  const app = await conn.createAppender(name, 'main', 'temp')
  for (const r of rows) {
    for (const v of r) {
      if (v === null) app.appendNull()
      else app.appendVarchar(v)
    }
    app.endRow()
  }
  app.closeSync()
  return `temp.main.${name}`
}

/** Postgres text output -> the DuckDB type (bytea's `\x…` hex and booleans' t/f need help). */
function castText(expr: string, type: string): string {
  const t = type.toUpperCase()
  if (t === 'VARCHAR' || t === 'JSON') return t === 'JSON' ? `CAST(${expr} AS JSON)` : expr
  if (t === 'BLOB') return `unhex(substr(${expr}, 3))`
  if (t === 'BOOLEAN') return `(${expr} IN ('t', 'true'))`
  return `CAST(${expr} AS ${type})`
}

