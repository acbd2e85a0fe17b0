import { describe, expect, it } from 'vitest'
import { cteQuery, freezeTime, listCtes } from '../../../src/testing/sql-rewrite.js'

const SQL = `WITH daily AS (SELECT d, SUM(n) AS n FROM "s"."t" AS t GROUP BY d), "Ranked" (d, n) AS (SELECT d, n FROM daily WHERE n > (SELECT 1)) SELECT * FROM "Ranked"`

describe('listCtes / cteQuery', () => {
  it('lists the top-level CTEs with their names', () => {
    expect(listCtes(SQL).map((c) => c.name)).toEqual(['daily', 'Ranked'])
    expect(listCtes('SELECT 1')).toEqual([])
    expect(listCtes('WITH RECURSIVE r AS MATERIALIZED (SELECT 1) SELECT * FROM r').map((c) => c.name)).toEqual(['r'])
  })

  it('builds a query of one CTE, keeping the CTEs before it', () => {
    expect(cteQuery(SQL, 'DAILY')).toBe('WITH daily AS (SELECT d, SUM(n) AS n FROM "s"."t" AS t GROUP BY d)\nSELECT * FROM daily')
    expect(cteQuery(SQL, 'ranked')).toBe(`${SQL.slice(0, SQL.indexOf(' SELECT * FROM "Ranked"'))}\nSELECT * FROM "Ranked"`)
  })

  it('names the CTEs the query has when the one asked for is missing', () => {
    expect(() => cteQuery(SQL, 'totals')).toThrow("the model has no top-level CTE 'totals' (CTEs: daily, Ranked)")
    expect(() => cteQuery('SELECT 1', 'x')).toThrow('it has no CTEs')
  })
})

describe('freezeTime', () => {
  it('replaces the current time and date, but not columns or strings that share the names', () => {
    const at = Date.UTC(2023, 0, 1, 12, 5, 3)
    expect(freezeTime("SELECT CURRENT_TIMESTAMP, now(), current_date, today(), t.now, 'now()' FROM t", at)).toBe(
      "SELECT CAST('2023-01-01 12:05:03.000000+00' AS TIMESTAMPTZ), CAST('2023-01-01 12:05:03.000000+00' AS TIMESTAMPTZ), DATE '2023-01-01', DATE '2023-01-01', t.now, 'now()' FROM t",
    )
  })
})
