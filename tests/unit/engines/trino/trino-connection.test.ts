/**
 * Protocol tests of our wrapper around `trino-client`, against a tiny local HTTP server that
 * speaks Trino's statement protocol (POST /v1/statement, then GET nextUri pages). It imitates the
 * protocol only, never the engine: every answer is scripted per statement text.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TrinoConnection, TrinoQueryError } from '../../../../src/engines/trino/trino-connection.js'
import { QueryError } from '../../../../src/errors.js'

/** One response page, as raw JSON text (so numbers beyond 2^53 can be sent exactly). */
type Page = { body: Record<string, unknown> | string; delayMs?: number }
interface Script {
  /** Pages after the POST response; the last one has no nextUri. */
  pages: Page[]
  /** Fields of the POST response (besides id/nextUri), e.g. a final answer with data. */
  first?: Record<string, unknown>
  status?: number
}

const PASSWORD = 's3cr3t-Pa55word'
let server: Server
let base = ''
const scripts = new Map<string, Script>()
const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = []
let queryCounter = 0

function send(res: import('node:http').ServerResponse, status: number, body: Record<string, unknown> | string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

beforeAll(async () => {
  const live = new Map<string, Script>()
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      if (req.method === 'POST' && req.url === '/v1/statement') {
        const script = scripts.get(body)
        if (!script) return send(res, 400, { message: `no script for ${body}` })
        if (script.status) return send(res, script.status, 'Unauthorized')
        const id = `q${++queryCounter}`
        live.set(id, script)
        if (script.pages.length === 0) return send(res, 200, { id, ...script.first })
        return send(res, 200, { id, ...script.first, nextUri: `${base}/v1/statement/executing/${id}/0` })
      }
      const m = /^\/v1\/statement\/executing\/(q\d+)\/(\d+)$/.exec(req.url ?? '')
      if (req.method === 'GET' && m) {
        const script = live.get(m[1]!)!
        const n = Number(m[2])
        const page = script.pages[n]!
        const more = n + 1 < script.pages.length ? `"nextUri":${JSON.stringify(`${base}/v1/statement/executing/${m[1]}/${n + 1}`)},` : ''
        const text = typeof page.body === 'string' ? page.body : JSON.stringify(page.body)
        const withId = `{"id":"${m[1]}",${more}${text.slice(1)}`
        setTimeout(() => send(res, 200, withId), page.delayMs ?? 0)
        return
      }
      if (req.method === 'DELETE') return send(res, 204, '')
      send(res, 404, { message: 'not found' })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})
beforeEach(() => {
  scripts.clear()
  requests.length = 0
})

const connect = (o: { password?: string; user?: string } = {}): TrinoConnection =>
  new TrinoConnection({ server: base, user: o.user ?? 'etl', password: o.password, session: { query_max_run_time: '10m' } })
const cols = [
  { name: 'id', type: 'integer' },
  { name: 's', type: 'varchar' },
]

describe('TrinoConnection', () => {
  it('collects the rows of every page exactly once', async () => {
    scripts.set('SELECT id, s FROM t', {
      pages: [
        { body: { columns: cols, data: [] } }, // running, nothing yet
        { body: { columns: cols, data: [[1, 'a'], [2, 'b']] } },
        { body: { columns: cols, data: [[3, 'c']] } },
        { body: { columns: cols, data: [[4, 'd']] } },
      ],
    })
    const r = await connect().run('SELECT id, s FROM t', { catalog: 'iceberg' })
    expect(r.columns).toEqual(cols)
    expect(r.rows).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']])
    expect(r.queryId).toMatch(/^q\d+$/)
    expect(requests.filter((q) => q.method === 'GET')).toHaveLength(4)
  })

  it('collects a single final page and a statement without rows', async () => {
    scripts.set('SELECT 1', { pages: [{ body: { columns: [{ name: '_col0', type: 'integer' }], data: [[1]] } }] })
    scripts.set('CREATE SCHEMA s', { pages: [{ body: { updateType: 'CREATE SCHEMA' } }] })
    scripts.set('SELECT 2', { pages: [], first: { columns: [{ name: '_col0', type: 'integer' }], data: [[2]] } })
    const c = connect()
    await expect(c.run('SELECT 1')).resolves.toMatchObject({ rows: [[1]] })
    await expect(c.run('CREATE SCHEMA s')).resolves.toMatchObject({ columns: [], rows: [] })
    // the POST answer is already final: its rows are kept
    await expect(c.run('SELECT 2')).resolves.toMatchObject({ columns: [{ name: '_col0', type: 'integer' }], rows: [[2]] })
  })

  it('sends the configured user, catalog and schema headers', async () => {
    scripts.set('SELECT 1', { pages: [{ body: { columns: cols, data: [] } }] })
    await connect({ user: 'analyst' }).run('SELECT 1', { catalog: 'iceberg_work', schema: 'oso' })
    const post = requests.find((q) => q.method === 'POST')!
    expect(post.headers['x-trino-user']).toBe('analyst')
    expect(post.headers['x-trino-catalog']).toBe('iceberg_work')
    expect(post.headers['x-trino-schema']).toBe('oso')
    expect(post.headers['x-trino-source']).toBe('tributary')
    expect(requests.filter((q) => q.method === 'GET').every((q) => q.headers['x-trino-user'] === 'analyst')).toBe(true)
  })

  it('turns an error page into a TrinoQueryError with the SQL', async () => {
    const sql = 'SELECT * FROM missing_table'
    scripts.set(sql, {
      pages: [
        { body: { columns: [], data: [] } },
        { body: { error: { message: "Table 'iceberg.oso.missing_table' does not exist", errorCode: 46, errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR' } } },
      ],
    })
    const err = await connect().run(sql).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TrinoQueryError)
    const q = err as TrinoQueryError
    expect(q.code).toBe('QUERY_FAILED')
    expect(q.errorName).toBe('TABLE_NOT_FOUND')
    expect(q.errorType).toBe('USER_ERROR')
    expect(q.sql).toBe(sql)
    expect(q.queryId).toMatch(/^q\d+$/)
    expect(q.message).toContain('does not exist')
  })

  it('redact hides the statement text', async () => {
    const sql = "CREATE CATALOG c USING iceberg WITH (\"s3.aws-secret-key\" = 'TOPSECRET')"
    scripts.set(sql, { pages: [{ body: { error: { message: 'bad property', errorCode: 1, errorName: 'INVALID_CATALOG_PROPERTY', errorType: 'USER_ERROR' } } }] })
    const err = (await connect().run(sql, { redact: true }).catch((e: unknown) => e)) as TrinoQueryError
    expect(err).toBeInstanceOf(TrinoQueryError)
    expect(err.errorName).toBe('INVALID_CATALOG_PROPERTY')
    expect(err.sql).not.toContain('TOPSECRET')
    expect(err.message).not.toContain('TOPSECRET')
  })

  it('re-reads BIGINT values beyond 2^53 as exact strings', async () => {
    const sql = 'SELECT c, s FROM big'
    const bigCols = [
      { name: 'c', type: 'bigint' },
      { name: 's', type: 'varchar' },
    ]
    // raw JSON: 9007199254740993 is not representable as a double
    scripts.set(sql, { pages: [{ body: `{"columns":${JSON.stringify(bigCols)},"data":[[9007199254740993,"x"],[7,"y"]]}` }] })
    const exactSql = `SELECT CAST(c0 AS VARCHAR), c1 FROM (\n${sql}\n) AS __tributary_exact (c0, c1)`
    scripts.set(exactSql, {
      pages: [{ body: { columns: [{ name: 'c', type: 'varchar' }, { name: 's', type: 'varchar' }], data: [['9007199254740993', 'x'], ['7', 'y']] } }],
    })
    const c = connect()
    const r = await c.run(sql)
    expect(requests.filter((q) => q.method === 'POST').map((q) => q.body)).toEqual([sql, exactSql])
    expect(r.rows).toEqual([['9007199254740993', 'x'], ['7', 'y']])
    expect(r.columns).toEqual(bigCols) // the original types
    expect(c.timings.statements).toBe(1)
  })

  it('does not re-read safe BIGINTs nor the result of a non-query', async () => {
    scripts.set('SELECT n FROM t', { pages: [{ body: { columns: [{ name: 'n', type: 'bigint' }], data: [[9007199254740991]] } }] })
    scripts.set('INSERT INTO t SELECT 1', { pages: [{ body: `{"columns":[{"name":"rows","type":"bigint"}],"data":[[9007199254740993]]}` }] })
    const c = connect()
    await expect(c.run('SELECT n FROM t')).resolves.toMatchObject({ rows: [[9007199254740991]] })
    await c.run('INSERT INTO t SELECT 1')
    expect(requests.filter((q) => q.method === 'POST')).toHaveLength(2)
  })

  it('HTTP 401 names the server and user, never the password', async () => {
    scripts.set('SELECT 1', { pages: [], status: 401 })
    const err = (await connect({ user: 'etl', password: PASSWORD }).run('SELECT 1').catch((e: unknown) => e)) as QueryError
    expect(err).toBeInstanceOf(QueryError)
    expect(err.code).toBe('QUERY_FAILED')
    expect(err.message).toContain(base)
    expect(err.message).toContain("'etl'")
    expect(err.message).toContain('401')
    expect(err.message).not.toContain(PASSWORD)
    expect(err.cause).toBeUndefined()
    expect(JSON.stringify(err)).not.toContain(PASSWORD)
    // the password did go to the server (basic auth), so the test is meaningful
    const auth = requests.find((q) => q.method === 'POST')!.headers.authorization!
    expect(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()).toBe(`etl:${PASSWORD}`)
  })

  it('a closed port is "Trino is unreachable at"', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const closed = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
    await new Promise<void>((r) => probe.close(() => r()))
    const c = new TrinoConnection({ server: closed, user: 'etl', password: PASSWORD })
    const err = (await c.run('SELECT 1').catch((e: unknown) => e)) as QueryError
    expect(err).toBeInstanceOf(QueryError)
    expect(err.message).toMatch(/^Trino is unreachable at http:\/\/127\.0\.0\.1:\d+/)
    expect(err.message).toContain('ECONNREFUSED')
    expect(err.message).not.toContain(PASSWORD)
    expect(err.sql).toBe('SELECT 1')
  })

  it('an already aborted signal sends nothing', async () => {
    const ac = new AbortController()
    ac.abort()
    const err = (await connect().run('SELECT 1', { signal: ac.signal }).catch((e: unknown) => e)) as QueryError
    expect(err).toBeInstanceOf(QueryError)
    expect(err.message).toBe('statement cancelled')
    expect(requests).toEqual([])
  })

  it('an abort after the first rows cancels the query on the server', async () => {
    scripts.set('SELECT slow', {
      pages: [{ body: { columns: cols, data: [[1, 'a']] } }, { body: { columns: cols, data: [[2, 'b']] }, delayMs: 300 }],
    })
    const ac = new AbortController()
    const run = connect().run('SELECT slow', { signal: ac.signal })
    setTimeout(() => ac.abort(), 100)
    const err = (await run.catch((e: unknown) => e)) as QueryError
    expect(err.message).toBe('statement cancelled')
    expect(requests.some((q) => q.method === 'DELETE' && /^\/v1\/query\/q\d+$/.test(q.url))).toBe(true)
  })

  // A statement with no rows until it finishes (CTAS, INSERT, MERGE): the id comes from the first response.
  it('an abort while a write is still running cancels the query on the server', async () => {
    const running = Array.from({ length: 10 }, (): Page => ({ body: { data: [] }, delayMs: 50 }))
    scripts.set('CREATE TABLE x AS SELECT 1', { pages: [...running, { body: { columns: [{ name: 'rows', type: 'bigint' }], data: [[1]] } }] })
    const ac = new AbortController()
    const run = connect().run('CREATE TABLE x AS SELECT 1', { signal: ac.signal })
    setTimeout(() => ac.abort(), 120)
    const err = (await run.catch((e: unknown) => e)) as QueryError
    expect(err.message).toBe('statement cancelled')
    expect(requests.some((q) => q.method === 'DELETE')).toBe(true)
  })

  it('counts statements and busy time', async () => {
    scripts.set('SELECT 1', { pages: [{ body: { columns: cols, data: [[1, 'a']] }, delayMs: 20 }] })
    const c = connect()
    expect(c.timings).toEqual({ statements: 0, busyMs: 0, wallBusyMs: 0 })
    await Promise.all([c.run('SELECT 1'), c.run('SELECT 1')])
    await c.run('SELECT 1')
    expect(c.timings.statements).toBe(3)
    expect(c.timings.wallBusyMs).toBeGreaterThan(0)
    // two statements ran in parallel: summed time exceeds wall time
    expect(c.timings.busyMs).toBeGreaterThan(c.timings.wallBusyMs)
  })
})
