/**
 * Rows to Trino as SQL text: the Trino/Iceberg type of a replicated column, and staging rows sent
 * as one JSON string literal per statement (`[["1","a"],…]`), unnested and cast in Trino — one
 * literal to parse instead of thousands of VALUES expressions. Shared by the cursor ingest
 * (`trino-destination.ts`) and change data capture (`cdc/cdc-trino.ts`).
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { duckdbTypeFor, type PgColumn } from './postgres/pg-types.js'
import { quoteIdent, quoteString } from '../sql/quote.js'

/** Characters of rows per statement (Trino's default query.max-length is 1,000,000). */
export const STATEMENT_CHARS = 900_000

/** Trino/Iceberg type of a replicated column (Iceberg has no TINYINT/SMALLINT/INTERVAL/JSON). */
export function trinoType(c: PgColumn): string {
  const d = duckdbTypeFor(c).toUpperCase()
  if (d === 'SMALLINT' || d === 'TINYINT' || d === 'INTEGER') return 'INTEGER'
  if (d === 'UINTEGER' || d === 'BIGINT') return 'BIGINT'
  if (d === 'FLOAT') return 'REAL'
  if (d === 'DOUBLE' || d === 'BOOLEAN' || d === 'DATE' || d === 'UUID' || d.startsWith('DECIMAL')) return d
  if (d === 'TIME') return 'TIME(6)'
  if (d === 'TIMESTAMP') return 'TIMESTAMP(6)'
  if (d === 'TIMESTAMPTZ') return 'TIMESTAMP(6) WITH TIME ZONE'
  if (d === 'BLOB') return 'VARBINARY'
  return 'VARCHAR'
}

/** A DuckDB expression giving column `c` as the text Trino's CAST to its type reads back exactly (or NULL). */
function textExpr(c: PgColumn): string {
  const col = quoteIdent(c.name)
  const t = trinoType(c)
  if (t === 'REAL' || t === 'DOUBLE') return `CASE WHEN isnan(${col}) THEN 'NaN' WHEN isinf(${col}) AND ${col} > 0 THEN 'Infinity' WHEN isinf(${col}) THEN '-Infinity' ELSE CAST(${col} AS VARCHAR) END`
  if (t === 'BOOLEAN') return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END`
  if (t === 'DATE') return `strftime(${col}, '%Y-%m-%d')`
  if (t === 'TIME(6)') return `strftime(DATE '2000-01-01' + ${col}, '%H:%M:%S.%f')`
  if (t === 'TIMESTAMP(6)') return `strftime(${col}, '%Y-%m-%d %H:%M:%S.%f')`
  if (t === 'TIMESTAMP(6) WITH TIME ZONE') return `strftime(timezone('UTC', ${col}), '%Y-%m-%d %H:%M:%S.%f') || ' UTC'`
  if (t === 'VARBINARY') return `hex(${col})`
  return `CAST(${col} AS VARCHAR)`
}

/** The Trino expression reading column `i` (1-based) of a row of texts back into its type. */
function fromText(c: PgColumn, i: number): string {
  const t = trinoType(c)
  const v = `__r[${i}]`
  if (t === 'VARCHAR') return v
  if (t === 'VARBINARY') return `from_hex(${v})`
  return `CAST(${v} AS ${t})`
}

/**
 * Send the staging rows to Trino: each statement carries about STATEMENT_CHARS of rows as one JSON
 * string literal (`[["1","a"],…]`), unnested and cast in Trino — one literal to parse instead of
 * thousands of VALUES expressions.
 */
export async function exportRows(conn: DuckDBConnection, stg: string, cols: readonly PgColumn[], send: (select: string) => Promise<void>): Promise<void> {
  const reader = await conn.stream(`SELECT to_json([${cols.map(textExpr).join(', ')}])::VARCHAR AS v FROM ${stg}`)
  const flush = async (rows: string[]): Promise<void> => {
    await send(`SELECT ${cols.map((c, i) => fromText(c, i + 1)).join(', ')} FROM ${jsonRows(`[${rows.join(',')}]`)}`)
  }
  let batch: string[] = []
  let size = 0
  for (;;) {
    const chunk = await reader.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    for (const v of chunk.getColumnValues(0)) {
      const text = String(v)
      if (size + text.length > STATEMENT_CHARS && batch.length > 0) {
        await flush(batch)
        batch = []
        size = 0
      }
      batch.push(text)
      size += text.length + 1
    }
  }
  if (batch.length > 0) await flush(batch)
}

/** A FROM item over a JSON array of rows of texts: column `j` (1-based) of each row is `__r[j]`. */
export function jsonRows(json: string): string {
  return `UNNEST(CAST(json_parse(${quoteString(json)}) AS ARRAY(ARRAY(VARCHAR)))) AS __t(__r)`
}

/** Rows of texts (or NULLs) as JSON arrays (`[["1","a"],…]`) of about `maxChars` each, in order. */
export function jsonBatches(rows: ReadonlyArray<ReadonlyArray<string | null>>, maxChars: number = STATEMENT_CHARS): string[] {
  const out: string[] = []
  let batch: string[] = []
  let size = 0
  for (const r of rows) {
    const text = JSON.stringify(r)
    // Single quotes are doubled in the SQL literal.
    const chars = text.length + text.split("'").length - 1
    if (size + chars > maxChars && batch.length > 0) {
      out.push(`[${batch.join(',')}]`)
      batch = []
      size = 0
    }
    batch.push(text)
    size += chars + 1
  }
  if (batch.length > 0) out.push(`[${batch.join(',')}]`)
  return out
}
