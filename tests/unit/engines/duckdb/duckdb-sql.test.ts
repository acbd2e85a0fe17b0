import { describe, expect, it } from 'vitest'
import {
  createEmptyTableSql,
  loadCsvSql,
  mergeByKeySql,
  quoteTable,
  replaceTableSql,
  replaceWindowSql,
  stringLiteral,
  stripTrailingSemicolons,
  timestampLiteral,
} from '../../../../src/engines/duckdb/duckdb-sql.js'

const t = { schema: 'oso', name: 'x"y' }

describe('duckdb-sql', () => {
  it('quotes names and strings', () => {
    expect(quoteTable(t)).toBe('"oso"."x""y"')
    expect(quoteTable({ catalog: 'c', schema: 's', name: 'n' })).toBe('"c"."s"."n"')
    expect(stringLiteral("o'brien\\")).toBe("'o''brien\\'")
    expect(stripTrailingSemicolons('SELECT 1 ;\n ; \n')).toBe('SELECT 1')
  })

  it('renders timestamp literals in UTC with microseconds', () => {
    expect(timestampLiteral(0)).toBe("TIMESTAMP '1970-01-01 00:00:00.000000'")
    expect(timestampLiteral(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe("TIMESTAMP '2024-02-29 23:59:59.999000'")
    expect(timestampLiteral(1.5)).toBe("TIMESTAMP '1970-01-01 00:00:00.001500'")
    expect(timestampLiteral(-1)).toBe("TIMESTAMP '1969-12-31 23:59:59.999000'")
    expect(() => timestampLiteral(Number.NaN)).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }))
    expect(() => timestampLiteral(Date.UTC(10000, 0, 1))).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }))
  })

  it('renders the write statements', () => {
    expect(replaceTableSql(t, 'SELECT 1 AS a;')).toMatchInlineSnapshot(`
      "CREATE OR REPLACE TABLE "oso"."x""y" AS
      SELECT 1 AS a
      "
    `)
    expect(createEmptyTableSql(t, 'SELECT 1 AS a -- note')).toMatchInlineSnapshot(`
      "CREATE TABLE IF NOT EXISTS "oso"."x""y" AS SELECT * FROM (
      SELECT 1 AS a -- note
      ) AS __tributary_source LIMIT 0"
    `)
    expect(
      replaceWindowSql(t, 'SELECT * FROM src', {
        timeColumn: 'ts',
        startLiteral: "TIMESTAMP '2024-01-01 00:00:00'",
        endLiteral: "TIMESTAMP '2024-01-02 00:00:00'",
      }),
    ).toMatchInlineSnapshot(`
      [
        "DELETE FROM "oso"."x""y" WHERE "ts" >= TIMESTAMP '2024-01-01 00:00:00' AND "ts" < TIMESTAMP '2024-01-02 00:00:00'",
        "INSERT INTO "oso"."x""y" BY NAME SELECT * FROM (
      SELECT * FROM src
      ) AS __tributary_source",
      ]
    `)
    expect(mergeByKeySql(t, 'SELECT * FROM src', ['id', 'day'])).toMatchInlineSnapshot(`
      "MERGE INTO "oso"."x""y" AS __tributary_target
      USING (
      SELECT * FROM src
      ) AS __tributary_source
      ON __tributary_target."id" IS NOT DISTINCT FROM __tributary_source."id" AND __tributary_target."day" IS NOT DISTINCT FROM __tributary_source."day"
      WHEN MATCHED THEN UPDATE BY NAME
      WHEN NOT MATCHED THEN INSERT BY NAME"
    `)
  })

  it('renders CSV loads with quoted column names and types, path bound as $1', () => {
    expect(loadCsvSql(t, [{ name: "it's", type: 'DECIMAL(10,2)' }])).toMatchInlineSnapshot(
      `"CREATE OR REPLACE TABLE "oso"."x""y" AS SELECT "it's" FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', types = {'it''s': 'DECIMAL(10,2)'})"`,
    )
    expect(loadCsvSql(t, undefined)).toMatchInlineSnapshot(
      `"CREATE OR REPLACE TABLE "oso"."x""y" AS SELECT * FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = true)"`,
    )
  })
})
