import type { Dialect } from '../sql/dialect.js'
import type { QueryAnalysis, SqlService } from '../sql/sql-service.js'

/** Entries kept per cache before it is cleared (tests of one run rarely exceed it). */
const MAX_ENTRIES = 2000

/**
 * A `SqlService` that remembers transpile and table-replacement results by their exact input.
 * Tests of one model usually render the same SQL (same vars), so each is transpiled once per run
 * instead of once per test. Pure functions of their input, so caching cannot change a result.
 */
export class MemoSqlService implements SqlService {
  private readonly transpiled = new Map<string, string>()
  private readonly replaced = new Map<string, string>()

  constructor(private readonly inner: SqlService) {}

  analyze(sql: string, dialect: Dialect): QueryAnalysis {
    return this.inner.analyze(sql, dialect)
  }

  transpile(sql: string, from: Dialect, to: Dialect): string {
    if (from === to) return sql
    const key = `${from}\u0000${to}\u0000${sql}`
    let out = this.transpiled.get(key)
    if (out === undefined) {
      out = this.inner.transpile(sql, from, to)
      remember(this.transpiled, key, out)
    }
    return out
  }

  replaceTables(sql: string, dialect: Dialect, mapping: ReadonlyMap<string, string>): string {
    const key = `${dialect}\u0000${JSON.stringify([...mapping])}\u0000${sql}`
    let out = this.replaced.get(key)
    if (out === undefined) {
      out = this.inner.replaceTables(sql, dialect, mapping)
      remember(this.replaced, key, out)
    }
    return out
  }

  duckdbPrelude(): string[] {
    return this.inner.duckdbPrelude()
  }
}

function remember(map: Map<string, string>, key: string, value: string): void {
  if (map.size >= MAX_ENTRIES) map.clear()
  map.set(key, value)
}
