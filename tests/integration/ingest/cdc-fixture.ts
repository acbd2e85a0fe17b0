/**
 * A CDC source on the real Postgres of `scripts/pg.sh` (wal_level=logical) for the CLI suites:
 * its own schema, publication and slot, a project replicating `<schema>.orders` into DuckDB as
 * `shop.orders`, and a row-by-row comparison of source and destination.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { expect } from 'vitest'
import { json, runCli } from '../../helpers/cli.js'
import { writeProject } from '../../helpers/project.js'

export type Row = Record<string, unknown>

export function pgUrl(): string {
  const url = process.env['TRIBUTARY_PG_URL']
  if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')
  return url
}

export class CdcFixture {
  readonly admin: pg.Client
  readonly schema: string
  readonly slot: string
  readonly pub: string
  /** The secret group the project's source reads its URL from (`TRIBUTARY__<GROUP>__DB`). */
  readonly group: string
  dir = ''

  constructor(
    readonly tag: string,
    readonly url: string = pgUrl(),
  ) {
    const id = `${tag}_${process.pid}_${Date.now().toString(36)}`
    this.admin = new pg.Client({ connectionString: url })
    this.schema = `cdc_${id}`
    this.slot = `slot_${id}`
    this.pub = `pub_${id}`
    this.group = `cdc_${tag}`
  }

  /** Create `orders` with `rows` rows, the publication, and the project (its source reads `sourceUrl`). */
  async setUp(rows: number, sourceUrl: string = this.url): Promise<void> {
    await this.admin.connect()
    process.env[`TRIBUTARY__${this.group.toUpperCase()}__DB`] = sourceUrl
    await this.admin.query(`CREATE SCHEMA ${this.schema};
      CREATE TABLE ${this.schema}.orders (id bigint PRIMARY KEY, status text, amount numeric(12,2), doc text);
      INSERT INTO ${this.schema}.orders SELECT g, 'new', g, NULL FROM generate_series(1, ${rows}) g;
      CREATE PUBLICATION ${this.pub} FOR TABLE ${this.schema}.orders`)
    this.dir = writeProject({
      'config.yaml': 'gateways:\n  local:\n    connection:\n      type: duckdb\n',
      'sources/shop.yaml': `name: shop\nconnection:\n  secret: { group: ${this.group}, key: db }\ncdc: { slot: ${this.slot}, publication: ${this.pub} }\ntables:\n  - table: orders\n    schema: ${this.schema}\n`,
    })
  }

  /** Drop the slot, publication and schema, then run `finalSql` (e.g. DROP ROLE). */
  async tearDown(finalSql?: string): Promise<void> {
    await this.slotInactive().catch(() => undefined)
    await this.admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${this.slot}' AND NOT active`).catch(() => undefined)
    await this.admin.query(`DROP PUBLICATION IF EXISTS ${this.pub}; DROP SCHEMA IF EXISTS ${this.schema} CASCADE`)
    if (finalSql) await this.admin.query(finalSql)
    await this.admin.end()
  }

  /** `models -p <dir> ...args` in-process. */
  cli(...args: string[]) {
    return runCli(['-p', this.dir, ...args])
  }

  /** Rows of a query on the DuckDB warehouse. */
  async query(sql: string): Promise<Row[]> {
    const r = await this.cli('query', sql, '--json')
    expect(r.code, r.stderr).toBe(0)
    return json<Row[]>(r)
  }

  /** The stored CDC position of the source (undefined before the first sync). */
  async position(): Promise<string | undefined> {
    const rows = await this.query(`SELECT lsn FROM tributary__ingest.cdc_state WHERE source = 'shop'`)
    return rows[0]?.['lsn'] as string | undefined
  }

  /** Where WAL insertion is now. */
  async walInsertLsn(): Promise<string> {
    return String((await this.admin.query('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0].l)
  }

  /** -1, 0 or 1 as LSN `a` (text form) is before, at or after `b`. */
  async compareLsn(a: string, b: string): Promise<number> {
    return Number((await this.admin.query('SELECT sign(pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn))::int AS x', [a, b])).rows[0].x)
  }

  /** Wait until no walsender streams from the slot (a killed consumer's walsender takes a moment to go). */
  async slotInactive(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const r = await this.admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [this.slot])
      if (r.rows.length === 0 || !r.rows[0].active) return
      if (Date.now() > deadline) throw new Error(`slot ${this.slot} still active after ${timeoutMs} ms`)
      await sleep(100)
    }
  }

  /**
   * Destination equals source, every row: the same count and the same digest of all rows in key
   * order (each value in its text form), and no key twice.
   */
  async expectSame(): Promise<void> {
    const row = (cols: string) => `concat_ws('|', id, coalesce(status, '~'), coalesce(${cols}, '~'), coalesce(doc, '~'))`
    const src = (await this.admin.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(${row('amount::text')}, ',' ORDER BY id)), '') AS digest FROM ${this.schema}.orders`)).rows[0]
    const [dst] = await this.query(`SELECT count(*)::INTEGER AS n, coalesce(md5(string_agg(${row('amount::VARCHAR')}, ',' ORDER BY id)), '') AS digest FROM shop.orders`)
    expect(dst).toEqual(src)
    expect(await this.query('SELECT count(*) - count(DISTINCT id) AS d FROM shop.orders')).toEqual([{ d: 0 }])
  }
}
