import type { Dialect } from './dialect.js'
import type { QueryAnalysis, SqlService } from './sql-service.js'
import { analyzeSql } from './analyze.js'
import { AstTemplates } from './ast-template.js'
import { duckdbPrelude } from './duckdb-prelude.js'
import { describeParseError, parseStatements, sqlError } from './parse.js'
import { loadPolyglot, pg, type PolyglotApi } from './polyglot-api.js'
import { replaceTablesSql } from './replace-tables.js'
import { fixTrailingCommas, tokenize } from './sql-tokens.js'
import { mayNeedTrinoFixes, TrinoDuckdbFixes } from './transpile-fixes.js'

/**
 * `SqlService` on `@polyglot-sql/sdk` (pinned 0.12.1). Stateless apart from a cache of rewrite
 * templates; safe to share across the whole process. Create it with `createSqlService()`.
 */
export class PolyglotSqlService implements SqlService {
  private readonly fixes: TrinoDuckdbFixes

  /** @param api an initialized polyglot module (see `loadPolyglot()`). */
  constructor(private readonly api: PolyglotApi) {
    this.fixes = new TrinoDuckdbFixes(new AstTemplates(api))
  }

  /** @inheritdoc */
  analyze(sql: string, dialect: Dialect): QueryAnalysis {
    return analyzeSql(this.api, sql, dialect)
  }

  /**
   * Transpiles with polyglot. For Trino -> DuckDB it first applies the engine's AST rewrites
   * (`transpile-fixes.ts`); the result may call macros from `duckdbPrelude()`.
   */
  transpile(sql: string, from: Dialect, to: Dialect): string {
    if (from === to) return sql
    const tokens = tokenize(sql)
    let text = fixTrailingCommas(sql, tokens)
    if (from === 'trino' && to === 'duckdb' && mayNeedTrinoFixes(tokens)) {
      const stmts = parseStatements(this.api, text, from, 'TRANSPILE_FAILED')
      if (this.fixes.apply(stmts)) text = this.generate(stmts, from)
    }
    const r = this.api.transpile(text, pg(from), pg(to))
    if (!r.success || !r.sql) {
      throw sqlError('TRANSPILE_FAILED', `${from} -> ${to}: ${describeParseError(r.error, r.errorColumn)}`, r.errorLine)
    }
    return r.sql.join(';\n')
  }

  /** @inheritdoc */
  replaceTables(sql: string, dialect: Dialect, mapping: ReadonlyMap<string, string>): string {
    return replaceTablesSql(this.api, sql, dialect, mapping)
  }

  /** @inheritdoc */
  duckdbPrelude(): string[] {
    return duckdbPrelude()
  }

  private generate(stmts: unknown[], dialect: Dialect): string {
    // Handing polyglot JSON text is ~2x faster than its object conversion for large trees.
    const g = this.api.generate({ toJSON: () => stmts }, pg(dialect))
    if (!g.success || !g.sql) {
      throw sqlError('TRANSPILE_FAILED', `cannot re-generate rewritten SQL: ${g.error ?? 'unknown error'}`, undefined)
    }
    return g.sql.join(';\n')
  }
}

/**
 * Creates the SQL service, loading and initializing polyglot's WASM on first use (once per
 * process; ~0.2-0.4 s).
 *
 * @example const sql = await createSqlService(); sql.analyze('SELECT 1 AS x', 'trino').columns // ['x']
 */
export async function createSqlService(): Promise<SqlService> {
  return new PolyglotSqlService(await loadPolyglot())
}
