/**
 * A thin, safe layer over `trino-client` (pinned 0.2.9): every statement is drained to the end,
 * errors that Trino reports inside a result page become exceptions, BIGINT values beyond 2^53 are
 * re-read as exact strings, and no credential ever reaches an error message.
 */
import { BasicAuth, Trino, type QueryResult } from 'trino-client'
import { EngineError, QueryError } from '../../errors.js'
import { quoteIdent } from '../../sql/quote.js'

export interface TrinoConnectionOptions {
  /** `http://127.0.0.1:8080` */
  server: string
  user: string
  password?: string
  source?: string
  headers?: Record<string, string>
  /** Session properties sent with every statement. */
  session?: Record<string, string>
}

export interface TrinoColumn {
  name: string
  type: string
}

export interface TrinoResult {
  columns: TrinoColumn[]
  rows: unknown[][]
  /** Trino's query id, e.g. `20261121_101500_00012_abcde`. */
  queryId?: string
}

export interface StatementOptions {
  catalog?: string
  schema?: string
  signal?: AbortSignal
  /** Do not put the statement text in error messages (it may hold secrets, e.g. CREATE CATALOG). */
  redact?: boolean
}

/** A statement Trino rejected or failed; `errorName` is Trino's (e.g. `TABLE_NOT_FOUND`). */
export class TrinoQueryError extends QueryError {
  constructor(
    readonly errorName: string,
    readonly errorType: string,
    message: string,
    sql: string,
    readonly queryId?: string,
  ) {
    super(message, sql)
  }
}

/** Time spent waiting for Trino, for the "tool overhead" measurement. */
export interface TrinoTimings {
  statements: number
  /** Time inside Trino calls (ms), summed over all statements (parallel ones add up). */
  busyMs: number
  /** Wall-clock time (ms) during which at least one statement was running. */
  wallBusyMs: number
}

export class TrinoConnection {
  private readonly client: Trino
  readonly timings: TrinoTimings = { statements: 0, busyMs: 0, wallBusyMs: 0 }
  private inFlight = 0
  private busySince = 0

  constructor(private readonly opts: TrinoConnectionOptions) {
    this.client = Trino.create({
      server: opts.server,
      source: opts.source ?? 'tributary',
      auth: new BasicAuth(opts.user, opts.password),
      extraHeaders: { ...opts.headers, 'X-Trino-User': opts.user },
      session: opts.session,
    })
  }

  get server(): string {
    return this.opts.server
  }

  /** Run one statement to completion and return its columns and rows (Trino's raw JSON values). */
  async run(sql: string, o: StatementOptions = {}): Promise<TrinoResult> {
    const started = performance.now()
    this.timings.statements++
    if (this.inFlight++ === 0) this.busySince = started
    try {
      const first = await this.runOnce(sql, o)
      const unsafe = first.columns.filter((c, i) => isIntegerType(c.type) && first.rows.some((r) => isUnsafe(r[i])))
      if (unsafe.length === 0 || !isQuery(sql)) return first
      // trino-client parses JSON numbers as doubles: re-read the integer columns as text.
      // Positional aliases: output columns may be unnamed (`_col0`) or share a name.
      const alias = first.columns.map((_c, i) => `c${i}`)
      const cols = first.columns.map((c, i) => (isIntegerType(c.type) ? `CAST(${alias[i]} AS VARCHAR)` : alias[i]))
      const exact = await this.runOnce(`SELECT ${cols.join(', ')} FROM (\n${sql}\n) AS __tributary_exact (${alias.join(', ')})`, o)
      return { ...exact, columns: first.columns }
    } finally {
      const now = performance.now()
      this.timings.busyMs += now - started
      if (--this.inFlight === 0) this.timings.wallBusyMs += now - this.busySince
    }
  }

  private async runOnce(sql: string, o: StatementOptions): Promise<TrinoResult> {
    const shown = o.redact ? '(statement not shown: it may hold secrets)' : sql
    if (o.signal?.aborted) throw new QueryError('statement cancelled', shown)
    let it: Awaited<ReturnType<Trino['query']>>
    try {
      it = await this.client.query({ query: sql, catalog: o.catalog, schema: o.schema })
    } catch (e) {
      throw this.transportError(e, shown)
    }
    // trino-client only hands out pages with rows; the query id is in its first response.
    let queryId: string | undefined = (it as unknown as { iter?: { queryResult?: { id?: string } } }).iter?.queryResult?.id
    const columns: TrinoColumn[] = []
    const rows: unknown[][] = []
    let cancelled = false
    let advanced = false
    const onAbort = (): void => {
      cancelled = true
      if (queryId) void this.client.cancel(queryId).catch(() => undefined)
    }
    o.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      for (;;) {
        let r: IteratorResult<QueryResult>
        try {
          r = await it.next()
        } catch (e) {
          throw this.transportError(e, shown)
        }
        const page = r.value as QueryResult | undefined
        if (page?.id) queryId = page.id
        if (page?.error) {
          const err = page.error
          throw new TrinoQueryError(err.errorName, err.errorType, `${err.errorName}: ${err.message}`, shown, queryId)
        }
        // A done value repeats the last page, unless the first response was already final.
        if (r.done && advanced) break
        if (cancelled) throw new QueryError('statement cancelled', shown)
        advanced = true
        if (page?.columns && columns.length === 0) columns.push(...page.columns.map((c) => ({ name: c.name, type: c.type })))
        if (page?.data) rows.push(...(page.data as unknown[][]))
        if (r.done) break
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort)
    }
    return { columns, rows, queryId }
  }

  /** Network failures: name the server, never the credentials (axios errors carry the headers). */
  private transportError(e: unknown, sql: string): EngineError {
    const err = e as { code?: string; message?: string; response?: { status?: number; statusText?: string } }
    const status = err.response?.status
    if (status === 401 || status === 403) {
      return new QueryError(`Trino at ${this.opts.server} refused the credentials of user '${this.opts.user}' (HTTP ${status})`, sql)
    }
    const what = status ? `HTTP ${status} ${err.response?.statusText ?? ''}`.trim() : (err.code ?? err.message ?? String(e))
    return new QueryError(`Trino is unreachable at ${this.opts.server}: ${what}`, sql)
  }
}

function isIntegerType(type: string): boolean {
  return type === 'bigint'
}

function isUnsafe(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)
}

function isQuery(sql: string): boolean {
  return /^\s*(\(\s*)*(select|with|values|table)\b/i.test(sql)
}

