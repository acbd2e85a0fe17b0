import { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import type { SqlService } from '../sql/sql-service.js'

/** A test's private database: a fresh in-memory catalog, released after the test. */
export interface TestDatabase {
  db: DuckDbAdapter
  release(): Promise<void>
}

/**
 * Fresh, isolated databases for unit tests without paying a DuckDB instance per test (creating
 * and closing one costs ~25 ms of main-thread time): a few long-lived in-memory instances, each
 * test getting a new `ATTACH ':memory:'` catalog made the default with `USE`, detached afterwards.
 * The SQL prelude (TEMP macros) is installed once per instance.
 */
export class TestDatabasePool {
  private readonly idle: DuckDbAdapter[] = []
  private readonly all: DuckDbAdapter[] = []
  private counter = 0

  constructor(private readonly sql: SqlService) {}

  async acquire(): Promise<TestDatabase> {
    let db = this.idle.pop()
    if (!db) {
      db = await DuckDbAdapter.open({ path: ':memory:', prelude: [this.sql.duckdbPrelude().join(';\n')], connections: 1, threads: 1 })
      this.all.push(db)
    }
    const name = `test_db_${++this.counter}`
    await db.execute(`ATTACH ':memory:' AS ${name}; USE ${name}`)
    const adapter = db
    return {
      db: adapter,
      release: async () => {
        // Detach the test's database and any catalog the test attached (three-part input names).
        await adapter.execute('USE memory')
        const attached = await adapter.query("SELECT database_name AS n FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'")
        for (const r of attached) await adapter.execute(`DETACH ${adapter.quoteIdent(String(r['n']))}`)
        this.idle.push(adapter)
      },
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((d) => d.close()))
    this.all.length = 0
    this.idle.length = 0
  }
}
