/**
 * `EngineAdapter` for Trino writing Iceberg tables. Models run in the Trino dialect as written.
 * Inside a write session every statement targets the session's work-branch catalog, so a
 * multi-statement write (delete + insert of a time window) is invisible to readers of `main`
 * until the session merges; a write that fails or fails its audits is rolled back on the branch
 * through its `WriteGuard` before anything merges.
 */
import { readFile } from 'node:fs/promises'
import { EngineError } from '../../errors.js'
import { parseCsv } from '../../project/seed-csv.js'
import type { ColumnDef } from '../../project/model.js'
import { inferColumnType } from '../../testing/values.js'
import type { EngineAdapter, ExecOptions, Row, TableLayout, TableRef, TimeWindow, WriteOptions } from '../engine-adapter.js'
import type { TrinoConnection, TrinoResult } from './trino-connection.js'
import { quoteIdent, quoteString } from '../../sql/quote.js'

/** Undo for one table: restores what a write changed on the work branch. */
export interface WriteGuard {
  /** Remember `t`'s current catalog entry; the returned function puts it back. */
  checkpoint(t: TableRef): Promise<() => Promise<void>>
}

/** Rows per INSERT statement when loading a seed (keeps statements well under Trino's text limit). */
const SEED_ROWS_PER_STATEMENT = 500

export class TrinoAdapter implements EngineAdapter {
  readonly dialect = 'trino' as const
  /** Schemas created (or being created) through this adapter. */
  private readonly schemas = new Map<string, Promise<void>>()

  /**
   * @param catalog catalog of unqualified table references (the work branch's inside a session)
   * @param guard rollback of a failed write; required for writes with `verify`
   */
  constructor(
    readonly conn: TrinoConnection,
    readonly catalog: string,
    private readonly guard?: WriteGuard,
  ) {}

  async execute(sql: string, opts?: ExecOptions): Promise<void> {
    await this.conn.run(sql, { catalog: this.catalog, signal: opts?.signal })
  }

  async query(sql: string, opts?: ExecOptions): Promise<Row[]> {
    return toRows(await this.conn.run(sql, { catalog: this.catalog, signal: opts?.signal }))
  }

  quoteIdent(name: string): string {
    return quoteIdent(name)
  }

  quoteTable(t: TableRef): string {
    return [t.catalog ?? this.catalog, t.schema, t.name].map((p) => this.quoteIdent(p)).join('.')
  }

  async describeTable(t: TableRef): Promise<ColumnDef[] | undefined> {
    const cat = this.quoteIdent(t.catalog ?? this.catalog)
    const rows = await this.query(
      `SELECT column_name, data_type FROM ${cat}.information_schema.columns WHERE table_schema = ${quoteString(t.schema.toLowerCase())} AND table_name = ${quoteString(t.name.toLowerCase())} ORDER BY ordinal_position`,
    )
    if (rows.length === 0) return undefined
    return rows.map((r) => ({ name: String(r['column_name']), type: String(r['data_type']).toUpperCase() }))
  }

  async tableExists(t: TableRef): Promise<boolean> {
    return (await this.describeTable(t)) !== undefined
  }

  async createSchema(schema: string): Promise<void> {
    let created = this.schemas.get(schema)
    if (!created) {
      created = this.createSchemaOnce(schema)
      this.schemas.set(schema, created)
      created.catch(() => this.schemas.delete(schema))
    }
    await created
  }

  private async createSchemaOnce(schema: string): Promise<void> {
    const name = `${this.quoteIdent(this.catalog)}.${this.quoteIdent(schema)}`
    try {
      await this.execute(`CREATE SCHEMA IF NOT EXISTS ${name}`)
    } catch (e) {
      // Another writer created it at the same moment (Nessie reports the losing PUT): fine if it exists now.
      const rows = await this.query(`SELECT 1 FROM ${this.quoteIdent(this.catalog)}.information_schema.schemata WHERE schema_name = ${quoteString(schema.toLowerCase())}`)
      if (rows.length === 0) throw e
    }
  }

  async replaceTable(t: TableRef, select: string, opts?: WriteOptions): Promise<void> {
    await this.write(t, [`CREATE OR REPLACE TABLE ${this.quoteTable(t)}${withClause(opts?.layout)} AS\n${select}`], opts)
  }

  async createEmptyTable(t: TableRef, select: string, opts?: WriteOptions): Promise<void> {
    if (await this.tableExists(t)) return
    await this.execute(`CREATE TABLE IF NOT EXISTS ${this.quoteTable(t)}${withClause(opts?.layout)} AS\n${select}\nWITH NO DATA`, opts)
  }

  async replaceWindow(t: TableRef, select: string, w: TimeWindow, opts?: WriteOptions): Promise<void> {
    const col = this.quoteIdent(w.timeColumn)
    await this.write(
      t,
      [
        `DELETE FROM ${this.quoteTable(t)} WHERE ${col} >= ${w.startLiteral} AND ${col} < ${w.endLiteral}`,
        `INSERT INTO ${this.quoteTable(t)}\nSELECT * FROM (\n${select}\n) AS __tributary_batch`,
      ],
      opts,
    )
  }

  async mergeByKey(t: TableRef, select: string, keys: readonly string[], opts?: WriteOptions): Promise<void> {
    const cols = (await this.describeTable(t))?.map((c) => c.name)
    if (!cols) throw new EngineError('QUERY_FAILED', `cannot merge into ${this.quoteTable(t)}: the table does not exist`)
    const q = (c: string): string => this.quoteIdent(c)
    const on = keys.map((k) => `__t.${q(k)} = __s.${q(k)}`).join(' AND ')
    const set = cols.filter((c) => !keys.includes(c)).map((c) => `${q(c)} = __s.${q(c)}`)
    const merge = [
      `MERGE INTO ${this.quoteTable(t)} AS __t`,
      `USING (\n${select}\n) AS __s`,
      `ON ${on}`,
      ...(set.length > 0 ? [`WHEN MATCHED THEN UPDATE SET ${set.join(', ')}`] : []),
      `WHEN NOT MATCHED THEN INSERT (${cols.map(q).join(', ')}) VALUES (${cols.map((c) => `__s.${q(c)}`).join(', ')})`,
    ].join('\n')
    await this.write(t, [merge], opts)
  }

  /** Trino's Nessie catalog stores no views: a VIEW model is materialized as a table (rebuilt whenever its parents change). */
  async replaceView(v: TableRef, select: string, opts?: WriteOptions): Promise<void> {
    await this.replaceTable(v, select, opts)
  }

  async dropView(v: TableRef): Promise<void> {
    await this.dropTable(v)
  }

  async dropTable(t: TableRef): Promise<void> {
    await this.execute(`DROP TABLE IF EXISTS ${this.quoteTable(t)}`)
  }

  /** Seeds: typed from the model's columns (or inferred like DuckDB's CSV reader), loaded in batches of VALUES. */
  async loadCsv(t: TableRef, csvPath: string, columns: readonly ColumnDef[] | undefined, opts?: WriteOptions): Promise<void> {
    const csv = parseCsv(await readFile(csvPath, 'utf8'), csvPath)
    const types = csv.header.map((h, i) => {
      const given = columns?.find((c) => c.name.toLowerCase() === h.toLowerCase())?.type
      return given ?? trinoType(inferColumnType(csv.rows.map((r) => (r[i] === '' ? null : r[i]!)), true) ?? 'VARCHAR')
    })
    const colList = csv.header.map((h) => this.quoteIdent(h)).join(', ')
    const valuesOf = (rows: string[][]): string =>
      rows.map((r) => `(${r.map((v, i) => (v === '' ? `CAST(NULL AS ${types[i]})` : `CAST(${quoteString(v)} AS ${types[i]})`)).join(', ')})`).join(',\n')
    const typed = csv.header.map((h, i) => `CAST(NULL AS ${types[i]}) AS ${this.quoteIdent(h)}`).join(', ')
    const statements = [`CREATE OR REPLACE TABLE ${this.quoteTable(t)}${withClause(opts?.layout)} AS SELECT ${typed} WITH NO DATA`]
    for (let i = 0; i < csv.rows.length; i += SEED_ROWS_PER_STATEMENT) {
      statements.push(`INSERT INTO ${this.quoteTable(t)} (${colList}) VALUES\n${valuesOf(csv.rows.slice(i, i + SEED_ROWS_PER_STATEMENT))}`)
    }
    await this.write(t, statements, opts)
  }

  timestampLiteral(epochMs: number): string {
    const iso = new Date(epochMs).toISOString() // 2024-01-01T00:00:00.000Z
    return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}000'`
  }

  async close(): Promise<void> {
    // HTTP only: nothing to release.
  }

  /**
   * Run a write's statements, then its verification. Any failure — a statement or an audit —
   * puts the table's catalog entry back as it was before the write (on the session's branch).
   */
  private async write(t: TableRef, statements: readonly string[], opts?: WriteOptions): Promise<void> {
    if (!this.guard && opts?.verify) {
      throw new EngineError('QUERY_FAILED', 'audited writes on Trino need a write session (work branch); this is a bug')
    }
    const restore = this.guard ? await this.guard.checkpoint(t) : undefined
    try {
      for (const s of statements) await this.execute(s, opts)
      if (opts?.verify) await opts.verify((q) => this.query(q, opts))
    } catch (e) {
      if (restore) await restore()
      throw e
    }
  }
}

/** Rows as objects; TIMESTAMP fractions padded to 6 digits like the DuckDB adapter. */
export function toRows(r: TrinoResult): Row[] {
  const ts = r.columns.map((c) => /^timestamp/.test(c.type))
  return r.rows.map((values) => {
    const row: Row = {}
    r.columns.forEach((c, i) => {
      const v = values[i]
      row[c.name] = ts[i] && typeof v === 'string' ? v.replace(/\.(\d{1,5})(?=$|\s)/, (_m, f: string) => `.${f.padEnd(6, '0')}`) : v
    })
    return row
  })
}

/** `WITH (partitioning = ARRAY['day(ts)'], sorted_by = ARRAY['id'])`, or nothing. */
function withClause(layout: TableLayout | undefined): string {
  const props: string[] = []
  if (layout?.partitionedBy?.length) props.push(`partitioning = ARRAY[${layout.partitionedBy.map((p) => quoteString(p)).join(', ')}]`)
  if (layout?.sortedBy?.length) props.push(`sorted_by = ARRAY[${layout.sortedBy.map((p) => quoteString(p)).join(', ')}]`)
  return props.length > 0 ? `\nWITH (${props.join(', ')})` : ''
}


/** Inferred (DuckDB-named) CSV types in Trino/Iceberg terms. */
function trinoType(duck: string): string {
  switch (duck) {
    case 'HUGEINT':
      return 'DECIMAL(38, 0)'
    case 'TIMESTAMP':
      return 'TIMESTAMP(6)'
    case 'TIMESTAMPTZ':
      return 'TIMESTAMP(6) WITH TIME ZONE'
    default:
      return duck
  }
}
