import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error -- plain ESM script without types
import { generateProject } from '../../../bench/generate-project.mjs'
import { renderSql } from '../../../src/macros/index.js'
import { parseModelFile } from '../../../src/project/model-file.js'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import { scanQuery } from '../../../src/sql/query-scan.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

let sql: SqlService
beforeAll(async () => {
  sql = await createSqlService()
})

const TRICKY = [
  'SELECT a, b AS c, sum(x) total FROM raw.t GROUP BY 1, 2',
  'WITH orders AS (SELECT * FROM raw.orders) SELECT o.id FROM orders o JOIN raw.users u ON o.uid = u.id',
  'SELECT extract(day FROM ts) AS d, substring(s FROM 2 FOR 3) AS s2, trim(BOTH \' \' FROM n) AS n2 FROM a.b',
  'SELECT x FROM a.t1, a.t2 AS y, (SELECT 1 AS z FROM a.t3) q, UNNEST(arr) AS u(v) WHERE x IS DISTINCT FROM y',
  'SELECT * FROM a.t CROSS JOIN UNNEST(t.tags) WITH ORDINALITY AS x(tag, pos) LEFT JOIN a.u ON true',
  'SELECT (SELECT max(v) FROM s.m) AS mx, id FROM s.t WHERE id IN (SELECT id FROM s.k) AND EXISTS (SELECT 1 FROM s.e)',
  'SELECT id FROM s.a UNION ALL SELECT id FROM s.b EXCEPT SELECT id FROM s.c',
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM n CROSS JOIN c.s.t',
  'SELECT "Weird Col", t."x" AS "Y" FROM "Raw"."Weird Table" t',
  "SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END, INTERVAL '1' DAY FROM s.t",
  'SELECT DISTINCT a, b FROM s.t',
  "SELECT date_trunc('day', ts) AS day, count(*) AS n, FROM s.events GROUP BY 1",
  'SELECT a FROM s.t WHERE a BETWEEN 1 AND 2 ORDER BY a DESC LIMIT 3',
  'SELECT t.* FROM s.t AS t LEFT JOIN LATERAL (SELECT 1 AS one FROM s.u) AS l ON true',
]

function expectSame(q: string, dialect: 'trino' | 'duckdb' = 'trino'): void {
  const a = sql.analyze(q, dialect)
  const b = scanQuery(q, dialect)
  expect({ q, ...b }).toEqual({ q, ...a })
}

describe('scanQuery agrees with the parser', () => {
  it.each(TRICKY)('%s', (q) => expectSame(q))

  it('on every model of the example warehouse', () => {
    const root = join(import.meta.dirname, '..', '..', '..')
    let n = 0
    for (const f of listSql(join(root, 'models'))) {
      const def = parseModelFile(readFileSync(f, 'utf8'), f, { dialect: 'trino', cron: '@daily' })
      if (!def.query) continue
      expectSame(render(def.query, def.defs, f), def.dialect)
      n++
    }
    expect(n).toBeGreaterThan(10)
  })

  it('on 300 generated models (CTEs, joins, windows, trailing commas)', () => {
    const out = mkdtempSync(join(tmpdir(), 'trib-gen-'))
    generateProject({ models: 300, out, seed: 'scan-test' })
    const files = listSql(join(out, 'models'))
    expect(files.length).toBe(300)
    for (const f of files) {
      const def = parseModelFile(readFileSync(f, 'utf8'), f, { dialect: 'trino', cron: '@daily' })
      expectSame(render(def.query, def.defs, f), def.dialect)
    }
  })

  it('is conservative where it cannot scope CTEs: it may miss a table, never invent one', () => {
    // A CTE named like a bare table is excluded everywhere by the scan; the parser scopes it.
    const q = 'WITH t AS (SELECT * FROM t) SELECT * FROM t'
    expect(sql.analyze(q, 'trino').tables).toEqual(['t'])
    expect(scanQuery(q, 'trino').tables).toEqual([])
  })
})

function render(query: string, defs: ReadonlyArray<{ name: string; expr: string }>, file: string): string {
  return renderSql(query, {
    dialect: 'trino',
    variables: { activity_window: 30, fulltime_dev_days: 5 },
    defs,
    thisModel: 'x.y',
    interval: [0, 86_400_000],
    executionTime: 0,
    location: { file, line: 1 },
  })
}

function listSql(dir: string): string[] {
  const out: string[] = []
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) out.push(...listSql(p))
    else if (p.endsWith('.sql')) out.push(p)
  }
  return out
}
