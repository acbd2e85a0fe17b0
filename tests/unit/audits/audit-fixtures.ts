/** Shared setup for the audit tests: a real in-memory DuckDB, the SQL service and call parsing. */
import { expect } from 'vitest'
import type { AuditRegistry, AuditRenderContext, AuditResult } from '../../../src/audits/audit.js'
import { createAuditRegistry } from '../../../src/audits/registry.js'
import { BUILTIN_AUDITS } from '../../../src/audits/builtin-audits.js'
import { runAudits } from '../../../src/audits/run-audits.js'
import { DuckDbAdapter } from '../../../src/engines/duckdb/duckdb-adapter.js'
import { EngineError } from '../../../src/errors.js'
import { emptyMacroRegistry } from '../../../src/macros/index.js'
import { parseModelFile } from '../../../src/project/model-file.js'
import type { AuditCall } from '../../../src/project/model.js'
import type { Dialect } from '../../../src/sql/dialect.js'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

export const MODEL_FILE = 'models/shop/items.sql'

/** The `audits (...)` calls of a model header, parsed by the real header parser. */
export function callsOf(audits: string, dialect: Dialect = 'trino'): AuditCall[] {
  const text = `MODEL (\n  name shop.items,\n  audits (${audits})\n);\nSELECT 1 AS a`
  return parseModelFile(text, MODEL_FILE, { dialect, cron: '@daily' }).audits
}

/** One open DuckDB plus the SQL service, for a whole test file. */
export class AuditBench {
  private n = 0
  private constructor(
    readonly db: DuckDbAdapter,
    readonly sql: SqlService,
  ) {}

  static async open(): Promise<AuditBench> {
    const sql = await createSqlService()
    const db = await DuckDbAdapter.open({ path: ':memory:', prelude: sql.duckdbPrelude() })
    await db.execute('CREATE SCHEMA IF NOT EXISTS shop')
    return new AuditBench(db, sql)
  }

  /** Create a fresh table `shop.t<n>` with `columns` (e.g. `a INT, s VARCHAR`) and VALUES rows; returns its quoted name. */
  async table(columns: string, rows: readonly string[]): Promise<string> {
    const name = `t${++this.n}`
    await this.db.execute(`CREATE TABLE shop.${name} (${columns})`)
    if (rows.length > 0) await this.db.execute(`INSERT INTO shop.${name} VALUES ${rows.map((r) => `(${r})`).join(', ')}`)
    return `"shop"."${name}"`
  }

  /** A render context on `thisModel`, Trino model dialect, DuckDB engine. */
  ctx(thisModel: string, extra: Partial<AuditRenderContext> = {}): AuditRenderContext {
    return {
      thisModel,
      engineDialect: 'duckdb',
      sql: this.sql,
      variables: {},
      macros: emptyMacroRegistry,
      modelDialect: 'trino',
      location: { file: MODEL_FILE, line: 1 },
      ...extra,
    }
  }

  /** Run the audits of `audits` (header text) on `thisModel`. */
  async run(
    thisModel: string,
    audits: string,
    opts: { registry?: AuditRegistry; ctx?: Partial<AuditRenderContext>; dialect?: Dialect } = {},
  ): Promise<AuditResult[]> {
    return runAudits({
      model: 'shop.items',
      calls: callsOf(audits, opts.dialect),
      registry: opts.registry ?? builtinRegistry,
      ctx: this.ctx(thisModel, opts.ctx),
      query: (s) => this.db.query(s),
    })
  }

  /** Run exactly one audit and return its result. */
  async one(thisModel: string, audit: string, opts: Parameters<AuditBench['run']>[2] = {}): Promise<AuditResult> {
    const results = await this.run(thisModel, audit, opts)
    expect(results).toHaveLength(1)
    return results[0]!
  }

  close(): Promise<void> {
    return this.db.close()
  }
}

/** Built-ins only. */
export const builtinRegistry: AuditRegistry = createAuditRegistry(BUILTIN_AUDITS.values())

/** Run `fn`, expect an EngineError and return it. */
export async function engineErrorOf(fn: () => unknown): Promise<EngineError> {
  try {
    await fn()
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError)
    return e as EngineError
  }
  throw new Error('expected an EngineError')
}
