/**
 * Column names and DuckDB types of the tables a project knows, for typing test inputs: declared
 * `columns (...)` when a model has them, otherwise derived through the DAG by building every
 * upstream model as an empty table in a scratch in-memory DuckDB (as SQLMesh derives a model's
 * `columns_to_types`). Shared by all tests of a run; each table is derived once.
 */
import { dirname, resolve } from 'node:path'
import { readFileSync } from 'node:fs'
import { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import type { Project } from '../project/load-project.js'
import { parseCsv } from '../project/seed-csv.js'
import { resolveRelativeCell } from '../project/relative-dates.js'
import type { Dialect } from '../sql/dialect.js'
import type { SqlService } from '../sql/sql-service.js'
import { renderModelQuery } from '../run/render-model.js'
import { inferColumnType } from './values.js'

/** A column of a known table; `type` (DuckDB) is undefined when only the name is known. */
export interface KnownColumn {
  name: string
  type?: string
}

/** The interval upstream models are rendered for: types do not depend on it. */
const SCHEMA_INTERVAL = [Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 2)] as const

/** Translates SQL types from a model dialect to DuckDB, with a cache. */
export class TypeTranslator {
  private readonly cache = new Map<string, string>()
  constructor(private readonly sql: SqlService) {}

  /**
   * The DuckDB spelling of `type` written in `dialect` (`varchar` -> `TEXT`,
   * `ARRAY(ROW(a BIGINT))` -> `STRUCT(a BIGINT)[]`); the text itself when it does not transpile.
   */
  toDuckDb(type: string, dialect: Dialect): string {
    if (dialect === 'duckdb') return type
    const key = `${dialect}\u0000${type}`
    let out = this.cache.get(key)
    if (out === undefined) {
      try {
        const sql = this.sql.transpile(`SELECT CAST(NULL AS ${type}) AS c`, dialect, 'duckdb')
        out = /CAST\(NULL AS ([\s\S]+)\) AS c\s*$/i.exec(sql)?.[1] ?? type
      } catch {
        out = type
      }
      this.cache.set(key, out)
    }
    return out
  }
}

/** Derives and caches the columns of project tables. Call `close()` when done. */
export class SchemaCatalog {
  private readonly memo = new Map<string, Promise<KnownColumn[] | undefined>>()
  private scratch: Promise<DuckDbAdapter> | undefined

  constructor(
    private readonly project: Project,
    private readonly sql: SqlService,
    readonly types: TypeTranslator,
    /** Base of time-relative cells in seed files without declared columns. */
    private readonly now: number,
  ) {}

  /**
   * Columns of the model or external table `name` (normalized), in order, or undefined when the
   * project cannot tell (an unknown table, an external table without columns, a model whose
   * upstream is unknown). Types are undefined when only the names are known.
   */
  columnsOf(name: string): Promise<KnownColumn[] | undefined> {
    let p = this.memo.get(name)
    if (!p) {
      p = this.derive(name).catch(() => this.namesOnly(name))
      this.memo.set(name, p)
    }
    return p
  }

  /** Close the scratch database, if one was opened. */
  async close(): Promise<void> {
    const db = this.scratch
    this.scratch = undefined
    if (db) await (await db).close()
  }

  private async derive(name: string): Promise<KnownColumn[] | undefined> {
    const m = this.project.models.get(name)
    if (!m) return undefined
    const def = m.def
    if (def.columns.length > 0) return def.columns.map((c) => ({ name: c.name, type: this.types.toDuckDb(c.type, def.dialect) }))
    if (def.kind.name === 'EXTERNAL') return undefined
    if (def.kind.name === 'SEED') return this.seedColumns(resolve(this.project.dir, dirname(def.file), def.kind.path), def.file)
    const parents = new Map<string, string>()
    for (const p of m.parents) {
      const cols = await this.columnsOf(p)
      if (!cols || cols.some((c) => c.type === undefined)) return this.namesOnly(name)
      parents.set(p, await this.ensureTable(p, cols))
    }
    const db = await this.db()
    const target = tableName(name)
    const query = renderModelQuery(def, m.parents, SCHEMA_INTERVAL, SCHEMA_INTERVAL[1], {
      engine: db,
      sql: this.sql,
      variables: this.project.config.variables,
      macros: this.project.macros,
      thisModel: target,
      resolve: (p) => parents.get(p),
    })
    await db.execute(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM (\n${query}\n) AS q LIMIT 0`)
    const described = await db.query(`DESCRIBE ${target}`)
    return described.map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }))
  }

  /** Names from the model's parsed query (types unknown). */
  private namesOnly(name: string): KnownColumn[] | undefined {
    const cols = this.project.models.get(name)?.analysis?.columns
    return cols?.map((c) => ({ name: c }))
  }

  /** Types of a seed without declared columns, inferred from its cells like test data. */
  private seedColumns(path: string, file: string): KnownColumn[] {
    const csv = parseCsv(readFileSync(path, 'utf8'), file)
    return csv.header.map((h, k) => {
      const cells = csv.rows.map((r) => {
        const v = r[k] ?? ''
        return v === '' ? null : (resolveRelativeCell(v, this.now) ?? v)
      })
      return { name: h, type: inferColumnType(cells, true) ?? 'VARCHAR' }
    })
  }

  /** Create the empty scratch table of an upstream (idempotent) and return its SQL name. */
  private async ensureTable(name: string, cols: readonly KnownColumn[]): Promise<string> {
    const db = await this.db()
    const target = tableName(name)
    const body = cols.map((c) => `${db.quoteIdent(c.name)} ${c.type ?? 'VARCHAR'}`).join(', ')
    await db.execute(`CREATE TABLE IF NOT EXISTS ${target} (${body})`)
    return target
  }

  private db(): Promise<DuckDbAdapter> {
    this.scratch ??= DuckDbAdapter.open({
      path: ':memory:',
      prelude: [this.sql.duckdbPrelude().join(';\n')],
      connections: 1,
      threads: 1,
    })
    return this.scratch
  }
}

/** Scratch tables live in the default schema, named by the full model name (`"oso.x"`). */
function tableName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
