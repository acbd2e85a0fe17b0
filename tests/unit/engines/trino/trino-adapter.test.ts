import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { TableRef } from '../../../../src/engines/engine-adapter.js'
import { TrinoAdapter, toRows, type WriteGuard } from '../../../../src/engines/trino/trino-adapter.js'
import type { StatementOptions, TrinoConnection, TrinoResult } from '../../../../src/engines/trino/trino-connection.js'
import { EngineError } from '../../../../src/errors.js'

const tmpRoot = mkdtempSync(join(tmpdir(), 'tributary-trino-adapter-'))
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }))
let fileCounter = 0
const csvFile = (text: string): string => {
  const f = join(tmpRoot, `seed-${++fileCounter}.csv`)
  writeFileSync(f, text)
  return f
}

const EMPTY: TrinoResult = { columns: [], rows: [] }
type Answer = (sql: string) => TrinoResult | undefined | Promise<TrinoResult | undefined>

/** A TrinoConnection stand-in: records every statement and answers from `answer` (or empty). */
function fakeConnection(answer: Answer = () => undefined) {
  const statements: string[] = []
  const options: StatementOptions[] = []
  const conn = {
    server: 'http://fake:8080',
    async run(sql: string, opts: StatementOptions = {}): Promise<TrinoResult> {
      statements.push(sql)
      options.push(opts)
      return (await answer(sql)) ?? EMPTY
    },
  }
  return { conn: conn as unknown as TrinoConnection, statements, options }
}

/** information_schema.columns answer for describeTable. */
const columnsOf = (...cols: Array<[string, string]>): TrinoResult => ({
  columns: [
    { name: 'column_name', type: 'varchar' },
    { name: 'data_type', type: 'varchar' },
  ],
  rows: cols,
})

function fakeGuard() {
  const checkpoints: TableRef[] = []
  let restores = 0
  const guard: WriteGuard = {
    async checkpoint(t) {
      checkpoints.push(t)
      return async () => {
        restores++
      }
    },
  }
  return { guard, checkpoints, restores: () => restores }
}

const T: TableRef = { schema: 'tributary__oso', name: 'orders__v1' }
const Q = '"iceberg"."tributary__oso"."orders__v1"'

describe('TrinoAdapter quoting', () => {
  const a = new TrinoAdapter(fakeConnection().conn, 'iceberg')

  it('quotes identifiers, doubling embedded quotes', () => {
    expect(a.quoteIdent('x')).toBe('"x"')
    expect(a.quoteIdent('we"ird')).toBe('"we""ird"')
  })

  it('qualifies tables with the adapter catalog unless one is given', () => {
    expect(a.quoteTable({ schema: 'oso', name: 'x' })).toBe('"iceberg"."oso"."x"')
    expect(a.quoteTable({ catalog: 'iceberg__dev', schema: 'oso', name: 'x' })).toBe('"iceberg__dev"."oso"."x"')
    expect(a.quoteTable({ catalog: 'c"1', schema: 's"2', name: 'n"3' })).toBe('"c""1"."s""2"."n""3"')
  })

  it('formats timestamp literals with six fraction digits, UTC', () => {
    expect(a.timestampLiteral(Date.UTC(2024, 0, 1))).toBe("TIMESTAMP '2024-01-01 00:00:00.000000'")
    expect(a.timestampLiteral(Date.UTC(2024, 1, 29, 13, 4, 5, 678))).toBe("TIMESTAMP '2024-02-29 13:04:05.678000'")
  })
})

describe('TrinoAdapter statements', () => {
  it('runs every statement in the adapter catalog', async () => {
    const f = fakeConnection()
    const a = new TrinoAdapter(f.conn, 'iceberg_work_1')
    await a.execute('SELECT 1')
    await a.query('SELECT 2')
    expect(f.options.map((o) => o.catalog)).toEqual(['iceberg_work_1', 'iceberg_work_1'])
  })

  it('replaceTable with a layout adds partitioning and sorted_by', async () => {
    const f = fakeConnection()
    await new TrinoAdapter(f.conn, 'iceberg').replaceTable(T, 'SELECT 1 AS id', { layout: { partitionedBy: ['day(ts)'], sortedBy: ['id'] } })
    expect(f.statements).toEqual([`CREATE OR REPLACE TABLE ${Q}\nWITH (partitioning = ARRAY['day(ts)'], sorted_by = ARRAY['id']) AS\nSELECT 1 AS id`])
  })

  it('replaceTable without layout (or an empty one) has no WITH clause', async () => {
    const f = fakeConnection()
    const a = new TrinoAdapter(f.conn, 'iceberg')
    await a.replaceTable(T, 'SELECT 1 AS id')
    await a.replaceTable(T, 'SELECT 1 AS id', { layout: { partitionedBy: [], sortedBy: [] } })
    expect(f.statements).toEqual([`CREATE OR REPLACE TABLE ${Q} AS\nSELECT 1 AS id`, `CREATE OR REPLACE TABLE ${Q} AS\nSELECT 1 AS id`])
  })

  it("layout expressions are string literals (quotes doubled)", async () => {
    const f = fakeConnection()
    await new TrinoAdapter(f.conn, 'iceberg').replaceTable(T, 'SELECT 1', { layout: { partitionedBy: ["bucket(it's, 4)"] } })
    expect(f.statements[0]).toContain("WITH (partitioning = ARRAY['bucket(it''s, 4)'])")
  })

  it('replaceWindow deletes the window, then inserts the batch', async () => {
    const f = fakeConnection()
    const a = new TrinoAdapter(f.conn, 'iceberg')
    await a.replaceWindow(T, 'SELECT * FROM src', {
      timeColumn: 'event_day',
      startLiteral: a.timestampLiteral(Date.UTC(2024, 0, 1)),
      endLiteral: a.timestampLiteral(Date.UTC(2024, 0, 8)),
    })
    expect(f.statements).toEqual([
      `DELETE FROM ${Q} WHERE "event_day" >= TIMESTAMP '2024-01-01 00:00:00.000000' AND "event_day" < TIMESTAMP '2024-01-08 00:00:00.000000'`,
      `INSERT INTO ${Q}\nSELECT * FROM (\nSELECT * FROM src\n) AS __tributary_batch`,
    ])
  })

  it('mergeByKey matches on the keys, updates the other columns and inserts all', async () => {
    const f = fakeConnection((sql) => (sql.includes('information_schema.columns') ? columnsOf(['id', 'varchar'], ['day', 'date'], ['amount', 'double']) : undefined))
    await new TrinoAdapter(f.conn, 'iceberg').mergeByKey(T, 'SELECT * FROM src', ['id', 'day'])
    expect(f.statements[0]).toBe(
      `SELECT column_name, data_type FROM "iceberg".information_schema.columns WHERE table_schema = 'tributary__oso' AND table_name = 'orders__v1' ORDER BY ordinal_position`,
    )
    expect(f.statements[1]).toBe(
      [
        `MERGE INTO ${Q} AS __t`,
        'USING (\nSELECT * FROM src\n) AS __s',
        'ON __t."id" = __s."id" AND __t."day" = __s."day"',
        'WHEN MATCHED THEN UPDATE SET "amount" = __s."amount"',
        'WHEN NOT MATCHED THEN INSERT ("id", "day", "amount") VALUES (__s."id", __s."day", __s."amount")',
      ].join('\n'),
    )
    expect(f.statements).toHaveLength(2)
  })

  it('mergeByKey on a table whose columns are all keys has no UPDATE clause', async () => {
    const f = fakeConnection((sql) => (sql.includes('information_schema.columns') ? columnsOf(['id', 'bigint']) : undefined))
    await new TrinoAdapter(f.conn, 'iceberg').mergeByKey(T, 'SELECT 1 AS id', ['id'])
    const merge = f.statements[1]!
    expect(merge).not.toContain('WHEN MATCHED')
    expect(merge).not.toContain('UPDATE')
    expect(merge).toBe(`MERGE INTO ${Q} AS __t\nUSING (\nSELECT 1 AS id\n) AS __s\nON __t."id" = __s."id"\nWHEN NOT MATCHED THEN INSERT ("id") VALUES (__s."id")`)
  })

  it('mergeByKey into a missing table fails before writing', async () => {
    const f = fakeConnection()
    const err = await new TrinoAdapter(f.conn, 'iceberg').mergeByKey(T, 'SELECT 1 AS id', ['id']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).code).toBe('QUERY_FAILED')
    expect(f.statements).toHaveLength(1) // only the describe
  })

  it('describeTable upper-cases types and returns undefined for a missing table', async () => {
    const f = fakeConnection((sql) => (sql.includes("table_name = 'here'") ? columnsOf(['a', 'timestamp(6)']) : undefined))
    const a = new TrinoAdapter(f.conn, 'iceberg')
    await expect(a.describeTable({ schema: 'S', name: 'Here' })).resolves.toEqual([{ name: 'a', type: 'TIMESTAMP(6)' }])
    await expect(a.tableExists({ schema: 's', name: 'gone' })).resolves.toBe(false)
    expect(f.statements[0]).toContain("table_schema = 's'")
  })

  it('views are materialized as tables', async () => {
    const f = fakeConnection()
    const a = new TrinoAdapter(f.conn, 'iceberg')
    await a.replaceView(T, 'SELECT 1')
    await a.dropView(T)
    expect(f.statements).toEqual([`CREATE OR REPLACE TABLE ${Q} AS\nSELECT 1`, `DROP TABLE IF EXISTS ${Q}`])
  })
})

describe('TrinoAdapter.loadCsv', () => {
  const insertRows = (sql: string): string[] => sql.split('VALUES\n')[1]!.split(',\n')

  it('types columns from the given columns, the rest inferred', async () => {
    const f = fakeConnection()
    const file = csvFile(
      'id,amount,day,label,ts,code\n1,1.5,2024-01-01,a,2024-01-01 10:00:00,7\n2,2,2024-01-02,b,2024-01-02 11:30:00.5,8\n',
    )
    await new TrinoAdapter(f.conn, 'iceberg').loadCsv(T, file, [{ name: 'CODE', type: 'INTEGER' }])
    expect(f.statements).toHaveLength(2)
    expect(f.statements[0]).toBe(
      `CREATE OR REPLACE TABLE ${Q} AS SELECT CAST(NULL AS BIGINT) AS "id", CAST(NULL AS DOUBLE) AS "amount", CAST(NULL AS DATE) AS "day", CAST(NULL AS VARCHAR) AS "label", CAST(NULL AS TIMESTAMP(6)) AS "ts", CAST(NULL AS INTEGER) AS "code" WITH NO DATA`,
    )
    expect(f.statements[1]).toBe(
      `INSERT INTO ${Q} ("id", "amount", "day", "label", "ts", "code") VALUES\n` +
        "(CAST('1' AS BIGINT), CAST('1.5' AS DOUBLE), CAST('2024-01-01' AS DATE), CAST('a' AS VARCHAR), CAST('2024-01-01 10:00:00' AS TIMESTAMP(6)), CAST('7' AS INTEGER)),\n" +
        "(CAST('2' AS BIGINT), CAST('2' AS DOUBLE), CAST('2024-01-02' AS DATE), CAST('b' AS VARCHAR), CAST('2024-01-02 11:30:00.5' AS TIMESTAMP(6)), CAST('8' AS INTEGER))",
    )
  })

  it('empty cells become typed NULLs and quotes are escaped', async () => {
    const f = fakeConnection()
    const file = csvFile(`n,s,empty\n,"it's ""x""",\n3,,\n`)
    await new TrinoAdapter(f.conn, 'iceberg').loadCsv(T, file, undefined)
    expect(f.statements[0]).toContain('CAST(NULL AS BIGINT) AS "n", CAST(NULL AS VARCHAR) AS "s", CAST(NULL AS VARCHAR) AS "empty"')
    expect(insertRows(f.statements[1]!)).toEqual([
      `(CAST(NULL AS BIGINT), CAST('it''s "x"' AS VARCHAR), CAST(NULL AS VARCHAR))`,
      `(CAST('3' AS BIGINT), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR))`,
    ])
  })

  it('batches 500 rows per INSERT', async () => {
    const f = fakeConnection()
    const lines = ['id,name']
    for (let i = 0; i < 1200; i++) lines.push(`${i},n${i}`)
    await new TrinoAdapter(f.conn, 'iceberg').loadCsv(T, csvFile(lines.join('\n') + '\n'), undefined)
    expect(f.statements[0]).toMatch(/^CREATE OR REPLACE TABLE /)
    const inserts = f.statements.slice(1)
    expect(inserts).toHaveLength(3)
    expect(inserts.every((s) => s.startsWith(`INSERT INTO ${Q} ("id", "name") VALUES\n`))).toBe(true)
    expect(inserts.map((s) => insertRows(s).length)).toEqual([500, 500, 200])
    expect(insertRows(inserts[2]!).at(-1)).toBe("(CAST('1199' AS BIGINT), CAST('n1199' AS VARCHAR))")
  })

  it('a header-only file creates the empty table', async () => {
    const f = fakeConnection()
    await new TrinoAdapter(f.conn, 'iceberg').loadCsv(T, csvFile('a,b\n'), [{ name: 'a', type: 'DATE' }])
    expect(f.statements).toEqual([`CREATE OR REPLACE TABLE ${Q} AS SELECT CAST(NULL AS DATE) AS "a", CAST(NULL AS VARCHAR) AS "b" WITH NO DATA`])
  })

  it('applies the table layout to the created table', async () => {
    const f = fakeConnection()
    await new TrinoAdapter(f.conn, 'iceberg').loadCsv(T, csvFile('id\n1\n'), undefined, { layout: { sortedBy: ['id'] } })
    expect(f.statements[0]).toBe(`CREATE OR REPLACE TABLE ${Q}\nWITH (sorted_by = ARRAY['id']) AS SELECT CAST(NULL AS BIGINT) AS "id" WITH NO DATA`)
  })
})

describe('TrinoAdapter write guard', () => {
  it('a successful write takes a checkpoint and does not restore', async () => {
    const f = fakeConnection()
    const g = fakeGuard()
    const verified: string[] = []
    await new TrinoAdapter(f.conn, 'work', g.guard).replaceTable(T, 'SELECT 1', {
      verify: async (q) => {
        verified.push(JSON.stringify(await q('SELECT count(*) FROM t')))
      },
    })
    expect(g.checkpoints).toEqual([T])
    expect(g.restores()).toBe(0)
    expect(verified).toEqual(['[]'])
    expect(f.statements.at(-1)).toBe('SELECT count(*) FROM t')
    expect(f.options.at(-1)?.catalog).toBe('work')
  })

  it('a failing statement restores the table and rethrows', async () => {
    const boom = new Error('INSERT failed')
    const f = fakeConnection((sql) => {
      if (sql.startsWith('INSERT')) throw boom
      return undefined
    })
    const g = fakeGuard()
    const err = await new TrinoAdapter(f.conn, 'work', g.guard)
      .replaceWindow(T, 'SELECT 1', { timeColumn: 'd', startLiteral: "DATE '2024-01-01'", endLiteral: "DATE '2024-01-02'" })
      .catch((e: unknown) => e)
    expect(err).toBe(boom)
    expect(g.restores()).toBe(1)
    expect(f.statements.map((s) => s.split(' ')[0])).toEqual(['DELETE', 'INSERT'])
  })

  it('a throwing verify restores the table and rethrows', async () => {
    const f = fakeConnection()
    const g = fakeGuard()
    const auditFailed = new Error('audit not_null failed')
    const err = await new TrinoAdapter(f.conn, 'work', g.guard)
      .replaceTable(T, 'SELECT 1', {
        verify: async () => {
          throw auditFailed
        },
      })
      .catch((e: unknown) => e)
    expect(err).toBe(auditFailed)
    expect(g.restores()).toBe(1)
  })

  it('without a guard, a failing statement just rethrows', async () => {
    const boom = new Error('nope')
    const f = fakeConnection(() => {
      throw boom
    })
    await expect(new TrinoAdapter(f.conn, 'iceberg').replaceTable(T, 'SELECT 1')).rejects.toBe(boom)
  })

  it('a write with verify but no guard throws before sending anything', async () => {
    const f = fakeConnection()
    const err = await new TrinoAdapter(f.conn, 'iceberg')
      .replaceTable(T, 'SELECT 1', { verify: async () => undefined })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).code).toBe('QUERY_FAILED')
    expect(f.statements).toEqual([])
  })
})

describe('TrinoAdapter.createSchema', () => {
  it('sends one CREATE SCHEMA for concurrent calls on the same schema', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    const f = fakeConnection(async () => {
      await gate
      return undefined
    })
    const a = new TrinoAdapter(f.conn, 'iceberg')
    const all = Promise.all([a.createSchema('oso'), a.createSchema('oso'), a.createSchema('other')])
    release()
    await all
    await a.createSchema('oso')
    expect(f.statements.sort()).toEqual(['CREATE SCHEMA IF NOT EXISTS "iceberg"."oso"', 'CREATE SCHEMA IF NOT EXISTS "iceberg"."other"'])
  })

  it('a losing concurrent create is fine when the schema exists afterwards', async () => {
    const f = fakeConnection((sql) => {
      if (sql.startsWith('CREATE SCHEMA')) throw new Error('Nessie: namespace already exists')
      return { columns: [{ name: '_col0', type: 'integer' }], rows: [[1]] }
    })
    await new TrinoAdapter(f.conn, 'iceberg').createSchema('Oso')
    expect(f.statements[1]).toBe(`SELECT 1 FROM "iceberg".information_schema.schemata WHERE schema_name = 'oso'`)
  })

  it('a failed create is rethrown and tried again on the next call', async () => {
    const boom = new Error('access denied')
    let fail = true
    const f = fakeConnection((sql) => {
      if (sql.startsWith('CREATE SCHEMA') && fail) throw boom
      return undefined
    })
    const a = new TrinoAdapter(f.conn, 'iceberg')
    await expect(a.createSchema('oso')).rejects.toBe(boom)
    fail = false
    await a.createSchema('oso')
    expect(f.statements.filter((s) => s.startsWith('CREATE SCHEMA'))).toHaveLength(2)
  })
})

describe('toRows', () => {
  it('pads TIMESTAMP fractions to 6 digits and leaves other types alone', () => {
    const rows = toRows({
      columns: [
        { name: 'ts', type: 'timestamp(3)' },
        { name: 'tz', type: 'timestamp(3) with time zone' },
        { name: 'whole', type: 'timestamp(6)' },
        { name: 's', type: 'varchar' },
        { name: 'n', type: 'bigint' },
      ],
      rows: [
        ['2024-01-01 10:00:00.123', '2024-01-01 10:00:00.5 UTC', '2024-01-01 10:00:00', '2024-01-01 10:00:00.123', 5],
        [null, null, '2024-01-01 10:00:00.123456', 'x', null],
      ],
    })
    expect(rows).toEqual([
      { ts: '2024-01-01 10:00:00.123000', tz: '2024-01-01 10:00:00.500000 UTC', whole: '2024-01-01 10:00:00', s: '2024-01-01 10:00:00.123', n: 5 },
      { ts: null, tz: null, whole: '2024-01-01 10:00:00.123456', s: 'x', n: null },
    ])
  })

  it('query() returns rows as objects', async () => {
    const f = fakeConnection(() => ({ columns: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'timestamp(3)' }], rows: [[1, '2024-01-01 00:00:00.1']] }))
    await expect(new TrinoAdapter(f.conn, 'iceberg').query('SELECT a, b FROM t')).resolves.toEqual([{ a: 1, b: '2024-01-01 00:00:00.100000' }])
  })
})
