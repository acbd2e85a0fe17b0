/**
 * Create a test's input tables in its DuckDB, named like the real upstream tables
 * (`oso.stg_events` -> `"oso"."stg_events"`; a three-part name gets an attached in-memory catalog).
 */
import type { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import { EngineError } from '../errors.js'
import { closeNames } from '../macros/suggest.js'
import { resolveRelativeCell } from '../project/relative-dates.js'
import type { Dialect } from '../sql/dialect.js'
import type { SqlService } from '../sql/sql-service.js'
import type { KnownColumn, TypeTranslator } from './schema-catalog.js'
import type { Cell, DataRow, DataSource, TestInput } from './types.js'
import { cellSql, inferColumnType } from './values.js'

/** What creating inputs needs. */
export interface InputContext {
  db: DuckDbAdapter
  sql: SqlService
  types: TypeTranslator
  /** Dialect of `query:` SQL and `columns:` hints (the project's default dialect). */
  dialect: Dialect
  /** Base of time-relative cells (the test's execution time). */
  now: number
}

/** Creates schemas and attached catalogs once per test database. */
export class TableNamer {
  private readonly made = new Set<string>()
  constructor(private readonly db: DuckDbAdapter) {}

  /** Quoted DuckDB name for a normalized table name, creating its schema (and catalog) if needed. */
  async prepare(name: string): Promise<string> {
    const parts = name.split('.')
    const q = (s: string): string => this.db.quoteIdent(s)
    if (parts.length === 3) {
      const [c, s] = parts as [string, string, string]
      if (!this.made.has(c)) await this.db.execute(`ATTACH ':memory:' AS ${q(c)}`)
      this.made.add(c)
      if (!this.made.has(`${c}.${s}`)) await this.db.execute(`CREATE SCHEMA IF NOT EXISTS ${q(c)}.${q(s)}`)
      this.made.add(`${c}.${s}`)
    } else if (parts.length === 2 && !this.made.has(parts[0]!)) {
      await this.db.execute(`CREATE SCHEMA IF NOT EXISTS ${q(parts[0]!)}`)
      this.made.add(parts[0]!)
    }
    return parts.map(q).join('.')
  }
}

/** Resolve time-relative text cells (`now-1d`, `today`) of rows against `now`. */
export function resolveRows(rows: readonly DataRow[], now: number): DataRow[] {
  return rows.map((r) => {
    const out: DataRow = {}
    for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'string' ? (resolveRelativeCell(v, now) ?? v) : v
    return out
  })
}

/**
 * Create the input table `ref` for `input` (or an empty one with `known` columns when the test
 * gives no input). Columns: the upstream's known columns, each typed by the `columns:` hint, else
 * the known type, else inferred from the cells; omitted cells are NULL.
 * @throws EngineError MODEL_INVALID for a column the upstream does not have (with close names).
 */
export async function createInput(
  ctx: InputContext,
  ref: string,
  input: TestInput | undefined,
  known: readonly KnownColumn[] | undefined,
): Promise<void> {
  const hints = new Map(Object.entries(input?.columns ?? {}).map(([k, t]) => [k.toLowerCase(), ctx.types.toDuckDb(t, ctx.dialect)] as const))
  const source: DataSource = input?.source ?? { kind: 'rows', rows: [], fromCsv: false }
  if (source.kind === 'query') {
    const select = ctx.sql.transpile(source.sql, ctx.dialect, 'duckdb')
    const casts = [...hints].map(([c, t]) => `CAST(${ctx.db.quoteIdent(c)} AS ${t}) AS ${ctx.db.quoteIdent(c)}`)
    const body = casts.length > 0 ? `SELECT * REPLACE (${casts.join(', ')}) FROM (\n${select}\n) AS q` : select
    await ctx.db.execute(`CREATE TABLE ${ref} AS ${body}`)
    return
  }
  const rows = resolveRows(source.rows, ctx.now)
  const columns = inputColumns(input?.name ?? '', rows, source.header, known, [...hints.keys()])
  const typed = columns.map((c) => {
    const cells = rows.map((r) => cellOf(r, c.name))
    return { name: c.name, cells, type: hints.get(c.name.toLowerCase()) ?? c.type ?? inferColumnType(cells, source.fromCsv) }
  })
  if (typed.length === 0) throw new EngineError('MODEL_INVALID', `input '${input?.name}' has no columns`)
  const names = typed.map((c) => ctx.db.quoteIdent(c.name))
  if (rows.length === 0) {
    await ctx.db.execute(`CREATE TABLE ${ref} (${typed.map((c, k) => `${names[k]} ${c.type ?? 'VARCHAR'}`).join(', ')})`)
    return
  }
  const values = rows.map((_r, i) => `(${typed.map((c) => cellSql(c.cells[i] ?? null, c.type)).join(', ')})`)
  await ctx.db.execute(`CREATE TABLE ${ref} AS SELECT * FROM (VALUES\n${values.join(',\n')}\n) AS v(${names.join(', ')})`)
}

/** A cell by case-insensitive column name; missing = NULL. */
function cellOf(row: DataRow, column: string): Cell {
  if (column in row) return row[column] ?? null
  const lower = column.toLowerCase()
  for (const [k, v] of Object.entries(row)) if (k.toLowerCase() === lower) return v
  return null
}

/** Columns of an input table: the upstream's, or else those the data names (header, row keys, hints). */
function inputColumns(
  input: string,
  rows: readonly DataRow[],
  header: readonly string[] | undefined,
  known: readonly KnownColumn[] | undefined,
  hinted: readonly string[],
): KnownColumn[] {
  const given: string[] = []
  const seen = new Set<string>()
  const add = (c: string): void => {
    if (!seen.has(c.toLowerCase())) {
      seen.add(c.toLowerCase())
      given.push(c)
    }
  }
  for (const h of header ?? []) add(h)
  for (const r of rows) for (const k of Object.keys(r)) add(k)
  for (const h of hinted) add(h)
  if (!known) return given.map((name) => ({ name }))
  const knownLower = new Set(known.map((c) => c.name.toLowerCase()))
  const unknown = given.filter((c) => !knownLower.has(c.toLowerCase()))
  if (unknown.length > 0) {
    const near = closeNames(unknown[0]!, known.map((c) => c.name))
    throw new EngineError(
      'MODEL_INVALID',
      `input '${input}': column '${unknown[0]}' is not a column of ${input}` +
        (near.length ? ` (did you mean ${near.join(', ')}?)` : ` (columns: ${known.map((c) => c.name).join(', ')})`),
    )
  }
  return [...known]
}
