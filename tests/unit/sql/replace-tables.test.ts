import { beforeAll, describe, expect, it } from 'vitest'
import { DuckDBInstance } from '@duckdb/node-api'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

let sql: SqlService
beforeAll(async () => {
  sql = await createSqlService()
})

const m = (entries: Record<string, string>) => new Map(Object.entries(entries))

describe('replaceTables', () => {
  it('keeps an existing alias', () => {
    expect(sql.replaceTables('SELECT x.id FROM oso.a AS x', 'trino', m({ 'oso.a': '"s"."a__v1"' }))).toBe(
      'SELECT x.id FROM "s"."a__v1" AS x',
    )
    expect(sql.replaceTables('SELECT x.id FROM oso.a x', 'duckdb', m({ 'oso.a': '"s"."a__v1"' }))).toBe(
      'SELECT x.id FROM "s"."a__v1" x',
    )
  })

  it('adds the last name part as alias to an unaliased reference', () => {
    expect(sql.replaceTables('SELECT a.id FROM oso.a', 'trino', m({ 'oso.a': '"s"."a__v1"' }))).toBe(
      'SELECT a.id FROM "s"."a__v1" AS a',
    )
    expect(sql.replaceTables('SELECT * FROM a', 'duckdb', m({ a: 's.a2' }))).toBe('SELECT * FROM s.a2 AS a')
  })

  it('rewrites schema-qualified column prefixes of an unaliased reference', () => {
    expect(sql.replaceTables('SELECT oso.a.col, a.other FROM oso.a', 'trino', m({ 'oso.a': 'p.a1' }))).toBe(
      'SELECT a.col, a.other FROM p.a1 AS a',
    )
  })

  it('never touches CTE names or column qualifiers that match a table name', () => {
    const q = 'WITH a AS (SELECT * FROM oso.a) SELECT a.id FROM a JOIN oso.b b ON a.id = b.id'
    expect(sql.replaceTables(q, 'trino', m({ 'oso.a': 'p.a1', a: 'WRONG', 'oso.b': 'p.b1' }))).toBe(
      'WITH a AS (SELECT * FROM p.a1 AS a) SELECT a.id FROM a JOIN p.b1 b ON a.id = b.id',
    )
  })

  it('replaces inside subqueries, set operations and three-part names, leaving the rest verbatim', () => {
    const q = `SELECT id -- keep me
FROM cat.s.t1 WHERE id IN (SELECT id FROM s.t2)
UNION ALL SELECT id FROM s.t2`
    expect(sql.replaceTables(q, 'trino', m({ 'cat.s.t1': 'x.t1', 's.t2': 'x.t2' }))).toBe(`SELECT id -- keep me
FROM x.t1 AS t1 WHERE id IN (SELECT id FROM x.t2 AS t2)
UNION ALL SELECT id FROM x.t2 AS t2`)
  })

  it('matches mapping keys in normalized form and keeps the written alias spelling', () => {
    expect(sql.replaceTables('SELECT "T".x FROM OSO."T"', 'trino', m({ 'oso.t': 'p.t9' }))).toBe('SELECT "T".x FROM p.t9 AS "T"')
  })

  it('matches DuckDB quoted mixed-case names against the folded (Trino) key', () => {
    expect(sql.replaceTables('SELECT * FROM "Raw"."Events"', 'duckdb', m({ 'raw.events': 'p.e1' }))).toBe(
      'SELECT * FROM p.e1 AS "Events"',
    )
  })

  it('handles non-ASCII text before the reference', () => {
    expect(sql.replaceTables("SELECT '😀é' AS s FROM oso.a", 'trino', m({ 'oso.a': 'p.a1' }))).toBe(
      "SELECT '😀é' AS s FROM p.a1 AS a",
    )
  })

  it('works on polyglot DuckDB output, and the result runs', async () => {
    const trino = `SELECT names.k, listagg(v, ',') WITHIN GROUP (ORDER BY v) AS vs, count(*) / 2 AS half
      FROM oso.src AS names GROUP BY names.k`
    const duck = sql.replaceTables(sql.transpile(trino, 'trino', 'duckdb'), 'duckdb', m({ 'oso.src': '"phys"."src__1"' }))
    expect(duck).toContain('"phys"."src__1" AS names')
    const db = await DuckDBInstance.create(':memory:')
    const c = await db.connect()
    for (const s of sql.duckdbPrelude()) await c.run(s)
    await c.run(`CREATE SCHEMA phys; CREATE TABLE phys.src__1 AS SELECT * FROM (VALUES ('a', 'y'), ('a', 'x'), ('a', 'z')) t(k, v)`)
    const rows = (await c.runAndReadAll(duck)).getRowObjectsJS()
    expect(rows).toEqual([{ k: 'a', vs: 'x,y,z', half: 1n }])
    c.closeSync()
  })

  it('returns the text unchanged (trailing commas aside) for an empty mapping', () => {
    expect(sql.replaceTables('SELECT 1 FROM t', 'trino', new Map())).toBe('SELECT 1 FROM t')
  })
})
