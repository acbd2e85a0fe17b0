import { beforeAll, describe, expect, it } from 'vitest'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { QueryAnalysis, SqlService } from '../../../src/sql/sql-service.js'

let sql: SqlService
beforeAll(async () => {
  sql = await createSqlService()
})

const a = (q: string, dialect: 'trino' | 'duckdb' = 'trino'): QueryAnalysis => sql.analyze(q, dialect)

/** The engine's rule: non-breaking iff the body is unchanged and no old projection disappeared. */
function nonBreaking(before: string, after: string): boolean {
  const x = a(before)
  const y = a(after)
  return x.body === y.body && x.projections.every((p) => y.projections.includes(p))
}

describe('analyze().columns', () => {
  it('uses aliases and column names of the outermost SELECT', () => {
    expect(a('WITH c AS (SELECT 1 AS hidden) SELECT t.a, b AS Renamed, "Q" FROM c, t').columns).toEqual(['a', 'renamed', 'q'])
  })

  it('keeps quoted case in DuckDB, lower-cases unquoted', () => {
    expect(a('SELECT a AS "MixedCase", B FROM t', 'duckdb').columns).toEqual(['MixedCase', 'b'])
  })

  it('takes the left-most SELECT of a set operation', () => {
    expect(a('SELECT a, b AS c FROM t UNION ALL SELECT x, y FROM u').columns).toEqual(['a', 'c'])
  })

  it('names a struct/qualified field access by its last part', () => {
    expect(a('SELECT oso.a.col FROM oso.a').columns).toEqual(['col'])
  })

  it('is undefined for * and for unnamed expressions', () => {
    expect(a('SELECT * FROM t').columns).toBeUndefined()
    expect(a('SELECT a, t.* FROM t').columns).toBeUndefined()
    expect(a('SELECT a + 1 FROM t').columns).toBeUndefined()
    expect(a('SELECT count(*) FROM t').columns).toBeUndefined()
  })
})

describe('analyze().canonical', () => {
  const base = `WITH daily AS (
    SELECT ds, user_id, count(*) AS n -- per day
    FROM raw.events
    WHERE ds >= '2024-01-01'
    GROUP BY 1, 2
  )
  SELECT ds, sum(n) AS events FROM daily GROUP BY ds`

  it('is stable under whitespace, comments and keyword/identifier case', () => {
    const c = a(base).canonical
    expect(a(base.replace('-- per day', '/* per day */').replace(/\s+/g, ' ')).canonical).toBe(c)
    expect(a(`/* header */\n${base}\n-- trailing`).canonical).toBe(c)
    expect(a(base.replace(/SELECT/g, 'select').replace(/GROUP BY/g, 'group by').replace(/FROM/g, 'From')).canonical).toBe(c)
    expect(a(base.replace('user_id', 'USER_ID')).canonical).toBe(c)
  })

  it('changes when a literal changes', () => {
    const c = a(base).canonical
    expect(a(base.replace("'2024-01-01'", "'2024-01-02'")).canonical).not.toBe(c)
    expect(a(base.replace('GROUP BY 1, 2', 'GROUP BY 1, 3')).canonical).not.toBe(c)
  })

  it('keeps string literals and quoted identifiers verbatim', () => {
    const c = a(`SELECT 'Mixed Case -- not a comment' AS "Label" FROM t`, 'duckdb').canonical
    expect(c).toContain("'Mixed Case -- not a comment'")
    expect(c).toContain('"Label"')
  })

  it('ignores a trailing semicolon', () => {
    expect(a('SELECT a FROM t;\n').canonical).toBe(a('SELECT a FROM t').canonical)
  })

  it('ignores trailing commas', () => {
    expect(a('SELECT a, b, FROM t', 'duckdb').canonical).toBe(a('SELECT a, b FROM t', 'duckdb').canonical)
  })
})

describe('projections and body (breaking vs non-breaking)', () => {
  const before = `WITH o AS (SELECT * FROM raw.orders WHERE status = 'done')
    SELECT customer_id, sum(total) AS revenue FROM o GROUP BY customer_id`

  it('splits the top-level projections', () => {
    const r = a(before)
    expect(r.projections).toEqual(['customer_id', 'sum(total) as revenue'])
    expect(r.body).toContain('<projections>')
    expect(r.body).not.toContain('revenue')
  })

  it('treats a pure reformat with comments as no change', () => {
    const after = `-- revenue per customer\nWITH o AS (SELECT * FROM raw.orders WHERE status = 'done' /* final */)
      SELECT customer_id,
             SUM(total) AS revenue
      FROM o GROUP BY customer_id`
    expect(a(after).canonical).toBe(a(before).canonical)
  })

  it('calls a column added at the end or in the middle non-breaking', () => {
    expect(nonBreaking(before, before.replace('AS revenue', 'AS revenue, count(*) AS orders'))).toBe(true)
    expect(nonBreaking(before, before.replace('customer_id, sum', 'customer_id, max(total) AS top, sum'))).toBe(true)
  })

  it('calls removed, changed and renamed projections breaking', () => {
    expect(nonBreaking(before, before.replace(', sum(total) AS revenue', ''))).toBe(false)
    expect(nonBreaking(before, before.replace('sum(total)', 'avg(total)'))).toBe(false)
    expect(nonBreaking(before, before.replace('AS revenue', 'AS revenue_total'))).toBe(false)
  })

  it('calls filter, source and WHERE changes breaking', () => {
    expect(nonBreaking(before, before.replace("'done'", "'shipped'"))).toBe(false)
    expect(nonBreaking(before, before.replace('raw.orders', 'raw.orders_v2'))).toBe(false)
    expect(nonBreaking(before, before.replace('GROUP BY customer_id', "WHERE customer_id > 0 GROUP BY customer_id"))).toBe(false)
  })

  it('resolves GROUP BY ordinals, so a middle insertion that regroups is breaking', () => {
    const q = 'SELECT a, b, sum(x) AS s FROM t GROUP BY 1, 2'
    expect(nonBreaking(q, 'SELECT a, b, sum(x) AS s, max(x) AS m FROM t GROUP BY 1, 2')).toBe(true)
    expect(nonBreaking(q, 'SELECT a, c, b, sum(x) AS s FROM t GROUP BY 1, 2')).toBe(false)
  })

  it('treats any projection change under SELECT DISTINCT or GROUP BY ALL as breaking', () => {
    expect(nonBreaking('SELECT DISTINCT a FROM t', 'SELECT DISTINCT a, b FROM t')).toBe(false)
    expect(nonBreaking('SELECT a, sum(x) AS s FROM t GROUP BY ALL', 'SELECT a, b, sum(x) AS s FROM t GROUP BY ALL')).toBe(false)
  })

  it('treats an added projection that unnests rows as breaking', () => {
    expect(nonBreaking('SELECT a FROM t', 'SELECT a, unnest(l) AS x FROM t')).toBe(false)
  })

  it('is conservative for a column added only inside a CTE', () => {
    const after = before.replace('SELECT * FROM raw.orders', 'SELECT *, 1 AS flag FROM raw.orders')
    expect(nonBreaking(before, after)).toBe(false)
  })

  it('falls back to "everything is body" for a parenthesized left-most SELECT', () => {
    const r = a('(SELECT a FROM t) UNION ALL (SELECT b FROM u)')
    expect(r.projections).toEqual([])
    expect(r.body).toBe(r.canonical)
  })

  it('handles IS DISTINCT FROM and DuckDB * EXCLUDE inside the projection list', () => {
    expect(a('SELECT a IS DISTINCT FROM b AS d, c FROM t').projections).toEqual(['a is distinct from b as d', 'c'])
    expect(a('SELECT * EXCLUDE (x), y FROM t', 'duckdb').projections).toEqual(['* exclude(x)', 'y'])
  })
})
