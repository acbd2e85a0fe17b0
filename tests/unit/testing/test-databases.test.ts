import { afterAll, describe, expect, it } from 'vitest'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import { TestDatabasePool } from '../../../src/testing/test-databases.js'

describe('TestDatabasePool', () => {
  let pool: TestDatabasePool
  afterAll(async () => pool?.close())

  it('gives every lease an empty database, even on a reused instance with extra catalogs attached', async () => {
    pool = new TestDatabasePool(await createSqlService())
    const a = await pool.acquire()
    await a.db.execute('CREATE SCHEMA s; CREATE TABLE s.t AS SELECT 1 AS x')
    await a.db.execute("ATTACH ':memory:' AS lake; CREATE SCHEMA lake.crm; CREATE TABLE lake.crm.acc AS SELECT 2 AS y")
    expect(await a.db.query('SELECT x FROM s.t')).toEqual([{ x: 1 }])
    await a.release()

    const b = await pool.acquire()
    expect(b.db).toBe(a.db) // the instance is reused
    expect(await b.db.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 's'")).toEqual([{ n: 0 }])
    // The same three-part name can be attached again: the previous test's catalog is gone.
    await b.db.execute("ATTACH ':memory:' AS lake; CREATE SCHEMA lake.crm; CREATE TABLE lake.crm.acc AS SELECT 3 AS y")
    expect(await b.db.query('SELECT y FROM lake.crm.acc')).toEqual([{ y: 3 }])
    // The SQL prelude is still installed on the reused connection.
    expect(await b.db.query('SELECT trino_div(7, 2) AS q')).toEqual([{ q: 3 }])
    await b.release()
  })
})
