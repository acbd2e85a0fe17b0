/**
 * The contract every `EngineAdapter` (and its `EnvironmentLayer`) must satisfy. Each engine's test
 * file calls `describeEngineContract` with a factory; SQL here stays in the portable subset of
 * DuckDB and Trino (VALUES, CAST, DATE/TIMESTAMP literals).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EngineAdapter, EnvironmentLayer, TableRef } from '../../../src/engines/engine-adapter.js'
import { QueryError } from '../../../src/errors.js'

/** Factories for one engine under test; each call returns a fresh, isolated adapter. */
export interface EngineContractTarget<A extends EngineAdapter> {
  makeAdapter: () => Promise<A>
  makeEnvironments: (adapter: A) => EnvironmentLayer
}

let schemaCounter = 0

export function describeEngineContract<A extends EngineAdapter>(name: string, target: EngineContractTarget<A>): void {
  describe(`engine contract: ${name}`, () => {
    let db: A
    let schema: string
    const tbl = (n: string): TableRef => ({ schema, name: n })
    const rows = (t: TableRef, order = 'id') => db.query(`SELECT * FROM ${db.quoteTable(t)} ORDER BY ${order}`)

    beforeEach(async () => {
      db = await target.makeAdapter()
      schema = `contract_${process.pid}_${++schemaCounter}`
      await db.createSchema(schema)
    })
    afterEach(async () => {
      await db.close()
    })

    describe('statements and values', () => {
      it('runs statements and returns rows as plain objects in column order', async () => {
        await db.execute(`CREATE TABLE ${db.quoteTable(tbl('t'))} (id INTEGER, label VARCHAR)`)
        await db.execute(`INSERT INTO ${db.quoteTable(tbl('t'))} VALUES (2, 'b'), (1, 'a')`)
        const got = await rows(tbl('t'))
        expect(got).toEqual([
          { id: 1, label: 'a' },
          { id: 2, label: 'b' },
        ])
        expect(Object.keys(got[0] ?? {})).toEqual(['id', 'label'])
      })

      it('converts BIGINT to number when safe and to string otherwise', async () => {
        const [r] = await db.query(
          'SELECT CAST(42 AS BIGINT) AS small, CAST(9007199254740993 AS BIGINT) AS big, CAST(-9007199254740991 AS BIGINT) AS edge',
        )
        expect(r).toEqual({ small: 42, big: '9007199254740993', edge: -9007199254740991 })
      })

      it('converts DECIMAL to number, DATE and TIMESTAMP to strings, keeps NULL and booleans', async () => {
        const [r] = await db.query(
          "SELECT CAST(12.345 AS DECIMAL(10, 3)) AS d, DATE '2024-02-29' AS dt, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, " +
            "TIMESTAMP '2024-01-02 03:04:05' AS ts0, TIMESTAMP '2024-01-02 03:04:05.5' AS ts5, CAST(NULL AS INTEGER) AS n, true AS b, 'x' AS s",
        )
        expect(r).toEqual({
          d: 12.345,
          dt: '2024-02-29',
          ts: '2024-01-02 03:04:05.123456',
          ts0: '2024-01-02 03:04:05',
          ts5: '2024-01-02 03:04:05.500000',
          n: null,
          b: true,
          s: 'x',
        })
        expect(JSON.parse(JSON.stringify(r))).toEqual(r)
      })

      it('wraps a failing statement as QueryError with the SQL', async () => {
        const bad = `SELECT * FROM ${db.quoteTable(tbl('missing'))}`
        const err = await db.query(bad).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(QueryError)
        expect((err as QueryError).code).toBe('QUERY_FAILED')
        expect((err as QueryError).sql).toBe(bad)
        expect((err as QueryError).cause).toBeDefined()
      })

      it('renders timestamp literals that round-trip', async () => {
        const ms = Date.UTC(2024, 0, 1, 12, 30, 15, 250)
        expect(db.timestampLiteral(Date.UTC(2024, 0, 1))).toBe("TIMESTAMP '2024-01-01 00:00:00.000000'")
        const lit = db.timestampLiteral(ms)
        expect(lit).toBe("TIMESTAMP '2024-01-01 12:30:15.250000'")
        const [r] = await db.query(`SELECT ${lit} AS ts`)
        expect(r?.['ts']).toBe('2024-01-01 12:30:15.250000')
      })

      it('quotes identifiers with quotes and dots in them', async () => {
        const odd = tbl('we"ird.name')
        expect(db.quoteIdent('a"b')).toBe('"a""b"')
        await db.replaceTable(odd, `SELECT 1 AS ${db.quoteIdent('col "x"')}`)
        expect(await db.query(`SELECT * FROM ${db.quoteTable(odd)}`)).toEqual([{ 'col "x"': 1 }])
      })
    })

    describe('catalog', () => {
      it('creates schemas idempotently, reports existence and describes columns in order', async () => {
        await db.createSchema(schema)
        const t = tbl('described')
        expect(await db.tableExists(t)).toBe(false)
        expect(await db.describeTable(t)).toBeUndefined()
        await db.execute(`CREATE TABLE ${db.quoteTable(t)} (zeta BIGINT, alpha VARCHAR, ts TIMESTAMP, d DATE)`)
        expect(await db.tableExists(t)).toBe(true)
        const cols = await db.describeTable(t)
        expect(cols?.map((c) => c.name)).toEqual(['zeta', 'alpha', 'ts', 'd'])
        expect(cols?.map((c) => c.type.toUpperCase())).toEqual(['BIGINT', 'VARCHAR', 'TIMESTAMP', 'DATE'])
      })

      it('replaces, creates empty, drops tables and views; drops of missing objects do nothing', async () => {
        const t = tbl('full')
        await db.replaceTable(t, 'SELECT * FROM (VALUES (1, 10), (2, 20)) AS v(id, x)')
        await db.replaceTable(t, "SELECT * FROM (VALUES (3, 'c')) AS v(id, y);")
        expect(await rows(t)).toEqual([{ id: 3, y: 'c' }])

        const e = tbl('empty')
        await db.createEmptyTable(e, 'SELECT * FROM (VALUES (1, 10)) AS v(id, x)')
        expect(await rows(e)).toEqual([])
        expect((await db.describeTable(e))?.map((c) => c.name)).toEqual(['id', 'x'])
        await db.execute(`INSERT INTO ${db.quoteTable(e)} VALUES (5, 50)`)
        await db.createEmptyTable(e, 'SELECT * FROM (VALUES (1, 10)) AS v(id, x)')
        expect(await rows(e)).toEqual([{ id: 5, x: 50 }])

        const v = tbl('v')
        await db.replaceView(v, `SELECT id FROM ${db.quoteTable(t)}`)
        expect(await rows(v)).toEqual([{ id: 3 }])
        await db.dropView(v)
        expect(await db.tableExists(v)).toBe(false)
        await db.dropTable(t)
        expect(await db.tableExists(t)).toBe(false)
        await db.dropView(v)
        await db.dropTable(t)
      })
    })

    describe('replaceWindow', () => {
      const seed = async (t: TableRef) => {
        await db.replaceTable(
          t,
          'SELECT CAST(id AS INTEGER) AS id, CAST(ts AS TIMESTAMP) AS ts, v FROM (VALUES ' +
            "(1, '2024-01-01 00:00:00', 'old'), (2, '2024-01-02 00:00:00', 'old'), (3, '2024-01-02 23:59:59', 'old'), " +
            "(4, '2024-01-03 00:00:00', 'old')) AS s(id, ts, v)",
        )
      }
      const window = { timeColumn: 'ts', startLiteral: "TIMESTAMP '2024-01-02 00:00:00'", endLiteral: "TIMESTAMP '2024-01-03 00:00:00'" }

      it('replaces only the rows in [start, end) and inserts by column name', async () => {
        const t = tbl('events')
        await seed(t)
        await db.replaceWindow(t, "SELECT 'new' AS v, CAST(5 AS INTEGER) AS id, TIMESTAMP '2024-01-02 12:00:00' AS ts", window)
        expect(await rows(t)).toEqual([
          { id: 1, ts: '2024-01-01 00:00:00', v: 'old' },
          { id: 4, ts: '2024-01-03 00:00:00', v: 'old' },
          { id: 5, ts: '2024-01-02 12:00:00', v: 'new' },
        ])
      })

      it('is atomic: a select failing mid-way leaves the previous rows intact', async () => {
        const t = tbl('events')
        await seed(t)
        // Rows 5 and 6 cast fine; row 7 fails the cast after the DELETE has already run.
        const failing =
          "SELECT CAST(CASE WHEN id = 7 THEN 'boom' ELSE CAST(id AS VARCHAR) END AS INTEGER) AS id, " +
          "CAST(ts AS TIMESTAMP) AS ts, 'new' AS v FROM (VALUES (5, '2024-01-02 01:00:00'), (6, '2024-01-02 02:00:00'), " +
          "(7, '2024-01-02 03:00:00')) AS src(id, ts)"
        const err = await db.replaceWindow(t, failing, window).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(QueryError)
        expect((err as QueryError).code).toBe('QUERY_FAILED')
        expect((await rows(t)).map((r) => [r['id'], r['v']])).toEqual([
          [1, 'old'],
          [2, 'old'],
          [3, 'old'],
          [4, 'old'],
        ])
        // The adapter is still usable (the connection was rolled back and returned).
        await db.replaceWindow(t, "SELECT 9 AS id, TIMESTAMP '2024-01-02 01:00:00' AS ts, 'ok' AS v", window)
        expect((await rows(t)).map((r) => r['id'])).toEqual([1, 4, 9])
      })
    })

    describe('mergeByKey', () => {
      it('updates matching keys, inserts new ones and keeps the rest', async () => {
        const t = tbl('dim')
        await db.replaceTable(t, "SELECT * FROM (VALUES (1, 'a', 'x', 10), (1, 'b', 'y', 20), (2, 'a', 'z', 30)) AS v(id, k2, name, n)")
        await db.mergeByKey(t, "SELECT * FROM (VALUES ('b', 1, 99, 'Y'), ('c', 3, 40, 'W')) AS v(k2, id, n, name)", ['id', 'k2'])
        expect(await rows(t, 'id, k2')).toEqual([
          { id: 1, k2: 'a', name: 'x', n: 10 },
          { id: 1, k2: 'b', name: 'Y', n: 99 },
          { id: 2, k2: 'a', name: 'z', n: 30 },
          { id: 3, k2: 'c', name: 'W', n: 40 },
        ])
      })

      it('rejects an empty key list and leaves the table alone on failure', async () => {
        const t = tbl('dim')
        await db.replaceTable(t, "SELECT * FROM (VALUES (1, 'a')) AS v(id, name)")
        await expect(db.mergeByKey(t, 'SELECT 1 AS id, 2 AS name', [])).rejects.toMatchObject({ code: 'OPTION_INVALID' })
        const bad = "SELECT * FROM (VALUES (1, 'b'), (CAST('x' || '' AS INTEGER), 'c')) AS v(id, name)"
        await expect(db.mergeByKey(t, bad, ['id'])).rejects.toMatchObject({ code: 'QUERY_FAILED' })
        expect(await rows(t)).toEqual([{ id: 1, name: 'a' }])
      })
    })

    describe('loadCsv', () => {
      let dir: string
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "tributary csv o'brien "))
      })
      afterEach(() => rmSync(dir, { recursive: true, force: true }))

      const csv = 'name,id,note\n"Smith, John",1,"said ""hi"""\nplain,2,"two\nlines"\n,3,\n'

      it('loads quoted commas, quotes and newlines with declared column types, by header name', async () => {
        const file = join(dir, "seed's.csv")
        writeFileSync(file, csv)
        const t = tbl('seed')
        await db.loadCsv(t, file, [
          { name: 'id', type: 'BIGINT' },
          { name: 'name', type: 'VARCHAR' },
          { name: 'note', type: 'VARCHAR' },
        ])
        expect(await rows(t)).toEqual([
          { id: 1, name: 'Smith, John', note: 'said "hi"' },
          { id: 2, name: 'plain', note: 'two\nlines' },
          { id: 3, name: null, note: null },
        ])
        expect((await db.describeTable(t))?.map((c) => c.type.toUpperCase())).toEqual(['BIGINT', 'VARCHAR', 'VARCHAR'])
      })

      it('infers types without declared columns and replaces atomically', async () => {
        const file = join(dir, 'seed.csv')
        writeFileSync(file, 'id,day,amount\n1,2024-01-01,1.5\n2,2024-01-02,2.25\n')
        const t = tbl('seed')
        await db.loadCsv(t, file, undefined)
        expect(await rows(t)).toEqual([
          { id: 1, day: '2024-01-01', amount: 1.5 },
          { id: 2, day: '2024-01-02', amount: 2.25 },
        ])
        const broken = join(dir, 'broken.csv')
        writeFileSync(broken, 'id,day,amount\nnot-a-number,2024-01-01,1\n')
        const err = await db
          .loadCsv(t, broken, [
            { name: 'id', type: 'INTEGER' },
            { name: 'day', type: 'DATE' },
          ])
          .catch((e: unknown) => e)
        expect(err).toBeInstanceOf(QueryError)
        expect((await rows(t)).map((r) => r['id'])).toEqual([1, 2])
      })
    })

    describe('verify before publish (write-audit-publish)', () => {
      const fail = async (): Promise<void> => {
        throw new Error('audit failed')
      }
      it('verify sees the new rows; a throw discards a full replace, a window and a merge', async () => {
        const t = tbl('wap')
        await db.replaceTable(t, 'SELECT 1 AS id, 10 AS v')
        let seen: unknown
        await db.replaceTable(t, 'SELECT 2 AS id, 20 AS v', { verify: async (q) => void (seen = await q(`SELECT id FROM ${db.quoteTable(t)}`)) })
        expect(seen).toEqual([{ id: 2 }])
        await expect(db.replaceTable(t, 'SELECT 3 AS id, 30 AS v', { verify: fail })).rejects.toThrow('audit failed')
        expect(await rows(t)).toEqual([{ id: 2, v: 20 }])
        const w = { timeColumn: 'd', startLiteral: "DATE '2024-01-02'", endLiteral: "DATE '2024-01-03'" }
        const d = tbl('wapw')
        await db.replaceTable(d, "SELECT 1 AS id, DATE '2024-01-02' AS d")
        await expect(db.replaceWindow(d, "SELECT 9 AS id, DATE '2024-01-02' AS d", w, { verify: fail })).rejects.toThrow('audit failed')
        expect(await rows(d)).toEqual([{ id: 1, d: '2024-01-02' }])
        await expect(db.mergeByKey(d, "SELECT 1 AS id, DATE '2024-02-02' AS d", ['id'], { verify: fail })).rejects.toThrow('audit failed')
        expect(await rows(d)).toEqual([{ id: 1, d: '2024-01-02' }])
      })
      it('a failed verify keeps the previous view and seed table', async () => {
        const v = tbl('wapv')
        await db.replaceView(v, 'SELECT 1 AS id')
        await expect(db.replaceView(v, 'SELECT 2 AS id', { verify: fail })).rejects.toThrow('audit failed')
        expect(await rows(v)).toEqual([{ id: 1 }])
        const dir = mkdtempSync(join(tmpdir(), 'wap-'))
        const csv = join(dir, 's.csv')
        writeFileSync(csv, 'id\n1\n')
        const s = tbl('waps')
        await db.loadCsv(s, csv, undefined)
        writeFileSync(csv, 'id\n2\n')
        await expect(db.loadCsv(s, csv, undefined, { verify: fail })).rejects.toThrow('audit failed')
        expect(await rows(s)).toEqual([{ id: 1 }])
        rmSync(dir, { recursive: true })
      })
    })

    describe('concurrency', () => {
      it('runs many writes on different tables at once', async () => {
        const names = Array.from({ length: 10 }, (_, i) => `m${i}`)
        const w = { timeColumn: 'd', startLiteral: "DATE '2024-01-01'", endLiteral: "DATE '2024-01-02'" }
        await Promise.all(
          names.map(async (n, i) => {
            await db.createEmptyTable(tbl(n), `SELECT DATE '2024-01-01' AS d, ${i} AS v`)
            await db.replaceWindow(tbl(n), `SELECT DATE '2024-01-01' AS d, ${i} AS v`, w)
            await db.replaceWindow(tbl(n), `SELECT DATE '2024-01-01' AS d, ${i * 10} AS v`, w)
            await db.mergeByKey(tbl(n), `SELECT DATE '2024-01-01' AS d, ${i * 100} AS v`, ['d'])
          }),
        )
        const got = await Promise.all(names.map((n) => db.query(`SELECT v FROM ${db.quoteTable(tbl(n))}`)))
        expect(got).toEqual(names.map((_, i) => [{ v: i * 100 }]))
      })
    })

    describe('environments', () => {
      it('names prod and dev views', () => {
        const envs = target.makeEnvironments(db)
        expect(envs.publicName('prod', 'oso.x')).toEqual({ schema: 'oso', name: 'x' })
        expect(envs.publicName('dev', 'oso.x')).toEqual({ schema: 'oso__dev', name: 'x' })
      })

      it('publishes prod and dev independently; unpublish removes only that env', async () => {
        const envs = target.makeEnvironments(db)
        const v1 = tbl('x__v1')
        const v2 = tbl('x__v2')
        await db.replaceTable(v1, "SELECT 'v1' AS version")
        await db.replaceTable(v2, "SELECT 'v2' AS version")
        const model = `${schema}_env.x`
        const read = async (env: string) => db.query(`SELECT version FROM ${db.quoteTable(envs.publicName(env, model))}`)

        await envs.publish('prod', [{ model, physical: v1 }])
        expect(await read('prod')).toEqual([{ version: 'v1' }])
        await envs.publish('dev', [{ model, physical: v2 }])
        expect(await read('dev')).toEqual([{ version: 'v2' }])
        expect(await read('prod')).toEqual([{ version: 'v1' }])

        await envs.unpublish('dev', [model])
        expect(await db.tableExists(envs.publicName('dev', model))).toBe(false)
        expect(await read('prod')).toEqual([{ version: 'v1' }])
        await envs.publish('prod', [{ model, physical: v2 }])
        expect(await read('prod')).toEqual([{ version: 'v2' }])
        await envs.unpublish('prod', [model, `${schema}_env.never_published`])
        expect(await db.tableExists(envs.publicName('prod', model))).toBe(false)
      })

      it('publishes many models of one env concurrently', async () => {
        const envs = target.makeEnvironments(db)
        const models = Array.from({ length: 8 }, (_, i) => `${schema}_c.m${i}`)
        await Promise.all(models.map((_, i) => db.replaceTable(tbl(`p${i}`), `SELECT ${i} AS n`)))
        await Promise.all(models.map((model, i) => envs.publish('dev', [{ model, physical: tbl(`p${i}`) }])))
        const got = await Promise.all(models.map((m) => db.query(`SELECT n FROM ${db.quoteTable(envs.publicName('dev', m))}`)))
        expect(got).toEqual(models.map((_, i) => [{ n: i }]))
      })
    })
  })
}
