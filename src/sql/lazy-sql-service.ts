import { EngineError } from '../errors.js'
import type { Dialect } from './dialect.js'
import type { QueryAnalysis, SqlService } from './sql-service.js'

/**
 * A SqlService whose parser (a 23 MB WASM module, ~0.2–0.4 s to instantiate) is loaded only when
 * needed: planning an unchanged project answers from the parse cache and never loads it.
 * Call `ready()` before the first analyze/transpile/replaceTables.
 */
export class LazySqlService implements SqlService {
  private inner: SqlService | undefined
  private loading: Promise<SqlService> | undefined

  constructor(private readonly create: () => Promise<SqlService>) {}

  /** Load the parser once; later calls return at once. */
  async ready(): Promise<void> {
    if (this.inner) return
    this.loading ??= this.create()
    this.inner = await this.loading
  }

  get loaded(): boolean {
    return this.inner !== undefined
  }

  private get svc(): SqlService {
    if (!this.inner) throw new EngineError('SQL_PARSE', 'internal: the SQL parser was used before ready()')
    return this.inner
  }

  analyze(sql: string, dialect: Dialect): QueryAnalysis {
    return this.svc.analyze(sql, dialect)
  }
  transpile(sql: string, from: Dialect, to: Dialect): string {
    return from === to ? sql : this.svc.transpile(sql, from, to)
  }
  replaceTables(sql: string, dialect: Dialect, mapping: ReadonlyMap<string, string>): string {
    return this.svc.replaceTables(sql, dialect, mapping)
  }
  duckdbPrelude(): string[] {
    return this.svc.duckdbPrelude()
  }
}
