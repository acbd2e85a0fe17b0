import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChunkSink } from '../../../src/ingest/duckdb/chunk-sink.js'
import { CopyFormatError } from '../../../src/ingest/postgres/binary-copy.js'
import { copyInto } from '../../../src/ingest/postgres/copy-table.js'
import { duckdbTypeFor, selectExpression, type PgColumn } from '../../../src/ingest/postgres/pg-types.js'

/**
 * The binary COPY -> DuckDB path against the real PostgreSQL of `scripts/pg.sh`: every supported
 * type with awkward values goes through copyInto into an in-memory DuckDB, and every value is
 * compared with what Postgres returns for the same rows (both normalised to text).
 */
const url = process.env['TRIBUTARY_PG_URL'] ?? ''
if (!url) throw new Error('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')

const COLUMNS = `
  id integer PRIMARY KEY,
  b boolean, i2 smallint, i4 integer, i8 bigint, o oid, f4 real, f8 double precision,
  n_12_2 numeric(12,2), n_4_1 numeric(4,1), n_38_6 numeric(38,6), n_free numeric, n_50_10 numeric(50,10), n_neg numeric(5,-2),
  t text, vc varchar(64), ch char(5), nm name, ci citext,
  j json, jb jsonb, by bytea, u uuid,
  d date, tm time, ts timestamp, tz timestamptz, iv interval,
  arr integer[], tarr text[], mood it_mood, ttz timetz, rng int4range, money_ money`

/** Rows with the awkward values; ids 1..9. */
const AWKWARD = `
INSERT INTO t_all VALUES
 (1, true, -32768, -2147483648, -9223372036854775808, 4294967295, 1.1, -0.1,
  -1234567890.12, -999.9, 12345678901234567890123456789012.123456, 12345678901234567890.123, 1234567890123456789012345678901234567890.0123456789, 12300,
  '', '', '', '', '',
  '{}', '{}', '', '00000000-0000-0000-0000-000000000000',
  '2024-02-29', '00:00:00', '2000-01-01 00:00:00', '1970-01-01 00:00:00+00', '0 seconds',
  '{}', '{}', 'sad', '00:00:00+00', 'empty', 0),
 (2, false, 32767, 2147483647, 9223372036854775807, 0, 'NaN', 'Infinity',
  0, 0, 0, 'NaN', -0.5, -500,
  'a', 'short', 'ab', 'x', 'MiXeD CaSe',
  '{"a": [1, 2.50, null], "ü": "\\u00fc"}', '{"b": {"c": [true, false]}, "a": 1}', '\\x00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  'infinity', '24:00:00', 'infinity', 'infinity', '178000000 years',
  '{1,NULL,3}', '{"with \\"quotes\\"","with,comma",NULL,""}', 'happy', '23:59:59.999999-12', '[1,10)', 12.34),
 (3, NULL, 0, 0, 0, 1, '-Infinity', '-Infinity',
  0.01, 0.1, -0.000001, 'Infinity', 0, 0,
  'héllo wörld — ünïcødé ✓ 日本語 🎉 exactly long', 'twelve bytes', 'abcde', 'a name that is longer than twelve', 'ÄÖÜ',
  'null', '"just a string"', '\\xdeadbeef00ff', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '-infinity', '12:34:56.789012', '-infinity', '-infinity', '-1 year -2 months +3 days -04:05:06.000007',
  '{{1,2},{3,4}}', '{"日本","🎉"}', 'ok', '12:00:00+05:30', '(,)', -0.01),
 (4, true, 1, 1, 1, 2, 1e-38, 1e308,
  9999999999.99, 999.9, 99999999999999999999999999999999.999999, '-Infinity', 0.0000000001, 100,
  repeat('x', 12), repeat('y', 13), 'a    ', 'n', repeat('é', 20),
  '[1, 2, 3]', '[]', decode(repeat('ab', 2000), 'hex'), '123e4567-e89b-12d3-a456-426614174000',
  '0001-01-01', '23:59:59.999999', '4713-11-24 00:00:00 BC', '294246-12-31 23:59:59.999999+00', '1 day 00:00:00.000001',
  '{}', NULL, 'sad', '00:00:00.000001+00', '[5,6]', 1000000),
 (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (6, false, -1, -1, -1, 3, -0.0, -0.0,
  -0.5, -0.5, -0.5, -0.5, -0.5, -100,
  E'line\\nbreak\\ttab', E'\\\\backslash', ' ', 'NULL', 'null',
  '"\\ud83c\\udf89"', '{"k": "v\\u00e9"}', '\\x', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
  '2000-01-01', '00:00:00.000001', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', '-0.000001 seconds',
  '{-1}', '{"NULL"}', 'happy', '24:00:00-15:59', '[-2147483648,0)', -92233720368547758.08),
 (7, true, 7, 7, 7, 7, 3.4028235e38, 2.2250738585072014e-308,
  1, 1, 1, 12345678901234567890123456789012345678901234567890.12345678901234567890, 1, 9999900,
  'NULL', 'null', 'null ', '""', '',
  '  {"spaced" :  true }  ', '{"n": 1.0e10}', '\\x0d0a', 'c0ffee00-0000-4000-8000-000000000000',
  '5874897-12-31', '01:02:03', '294246-12-31 23:59:59.999999', '2024-06-30 23:59:59.5+14', '1 mon 1 day 1 hour',
  NULL, '{}', NULL, NULL, NULL, NULL)`

/** Postgres-side and DuckDB-side text of one column, normalised where the two print differently. */
function exprs(c: PgColumn): { pg: string; duck: string } {
  const q = `"${c.name}"`
  switch (c.pgType) {
    case 'character(5)': // bpchar keeps its padding in its own text form (a ::text cast would trim it)
      return { pg: q, duck: `${q}::VARCHAR` }
    case 'boolean':
      return { pg: `CASE WHEN ${q} THEN 'true' WHEN NOT ${q} THEN 'false' END`, duck: `${q}::VARCHAR` }
    case 'bytea':
      return { pg: `encode(${q}, 'hex')`, duck: `lower(hex(${q}))` }
    case 'date':
      return {
        pg: `CASE WHEN isfinite(${q}) THEN (${q} - date '1970-01-01')::text ELSE ${q}::text END`,
        duck: `CASE WHEN isfinite(${q}) THEN (${q} - DATE '1970-01-01')::VARCHAR ELSE ${q}::VARCHAR END`,
      }
    case 'time without time zone':
      return {
        pg: `(extract(epoch FROM ${q}) * 1000000)::bigint::text`,
        duck: `(extract('hour' FROM ${q})::BIGINT * 3600000000 + extract('minute' FROM ${q}) * 60000000 + extract('microseconds' FROM ${q}))::VARCHAR`,
      }
    case 'timestamp without time zone':
    case 'timestamp with time zone':
      return {
        pg: `CASE WHEN isfinite(${q}) THEN (extract(epoch FROM ${q}) * 1000000)::bigint::text ELSE ${q}::text END`,
        duck: `CASE WHEN isfinite(${q}) THEN epoch_us(${q})::VARCHAR ELSE ${q}::VARCHAR END`,
      }
    case 'interval':
      return {
        pg: `concat_ws('|', extract(year FROM ${q}) * 12 + extract(month FROM ${q}), extract(day FROM ${q}),
               extract(hour FROM ${q})::bigint * 3600000000 + extract(minute FROM ${q}) * 60000000 + extract(microseconds FROM ${q}))`,
        duck: `concat_ws('|', datepart('year', ${q}) * 12 + datepart('month', ${q}), datepart('day', ${q}),
               datepart('hour', ${q})::BIGINT * 3600000000 + datepart('minute', ${q}) * 60000000 + datepart('microseconds', ${q}))`,
      }
    default:
      return { pg: `${q}::text`, duck: `${q}::VARCHAR` }
  }
}

/** Floats print differently ('NaN' / 'nan', exponents): compare them as numbers. */
function normalise(c: PgColumn, v: string | null): unknown {
  if (v === null) return null
  if (c.pgType === 'real' || c.pgType === 'double precision') {
    const s = v.toLowerCase()
    const n = s === 'nan' ? Number.NaN : s.endsWith('inf') || s.endsWith('infinity') ? (s.startsWith('-') ? -Infinity : Infinity) : Number(v)
    return c.pgType === 'real' ? Math.fround(n) : n
  }
  return v
}

describe('binary COPY from PostgreSQL into DuckDB (real server)', () => {
  const client = new pg.Client({ connectionString: url })
  const schema = `it_copy_${process.pid}_${Date.now().toString(36)}`
  let instance: DuckDBInstance
  let duck: DuckDBConnection

  beforeAll(async () => {
    await client.connect()
    await client.query(`CREATE SCHEMA ${schema}`)
    await client.query(`SET search_path TO ${schema}`)
    await client.query(`CREATE EXTENSION IF NOT EXISTS citext SCHEMA ${schema}`)
    await client.query(`CREATE TYPE it_mood AS ENUM ('sad', 'ok', 'happy')`)
    await client.query(`CREATE TABLE t_all (${COLUMNS})`)
    await client.query(AWKWARD)
    // Enough rows to cross DuckDB chunks (2048) and many socket reads, with varied values.
    await client.query(`
      INSERT INTO t_all (id, b, i8, f8, n_12_2, n_free, t, vc, j, jb, by, u, d, ts, tz, iv, arr)
      SELECT 100 + g, g % 2 = 0, g * 1000003, g / 7.0, (g * 31 % 100000) / 100.0, (g::numeric ^ 3) / 7,
             CASE WHEN g % 5 = 0 THEN NULL ELSE repeat(chr((945 + g % 20)::int), (g % 40)::int) END,
             CASE WHEN g % 7 = 0 THEN '' ELSE md5(g::text) END,
             json_build_object('g', g), jsonb_build_object('g', g, 's', repeat('z', (g % 30)::int)),
             CASE WHEN g % 3 = 0 THEN NULL ELSE sha256(g::text::bytea) END, md5(g::text)::uuid,
             date '2000-01-01' + g::int, timestamp '2000-01-01' + g * interval '1 minute 0.000001 second',
             timestamptz '1960-01-01 00:00:00+00' + g * interval '1 day 1 second', g * interval '1 second',
             ARRAY[g, g + 1]::int[]
        FROM generate_series(1::bigint, 6000) g`)
    instance = await DuckDBInstance.create(':memory:')
    duck = await instance.connect()
  })

  afterAll(async () => {
    duck?.closeSync()
    instance?.closeSync()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
    await client.end()
  })

  async function describeColumns(table: string): Promise<PgColumn[]> {
    const r = await client.query<{ name: string; oid: number; typmod: number; type: string; notnull: boolean }>(
      `SELECT attname AS name, atttypid::int AS oid, atttypmod AS typmod, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull
         FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [`${schema}.${table}`],
    )
    return r.rows.map((c) => ({ name: c.name, typeOid: c.oid, typmod: c.typmod, pgType: c.type, nullable: !c.notnull }))
  }

  async function load(table: string, columns: readonly PgColumn[], where = ''): Promise<number> {
    await duck.run(`CREATE OR REPLACE TABLE "${table}" (${columns.map((c) => `"${c.name}" ${duckdbTypeFor(c)}`).join(', ')})`)
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    try {
      const sink = await ChunkSink.open(duck, 'main', table, columns)
      try {
        return await copyInto(client, `SELECT ${columns.map(selectExpression).join(', ')} FROM ${schema}.${table} ${where}`, columns, sink)
      } finally {
        sink.close()
      }
    } finally {
      await client.query('ROLLBACK')
    }
  }

  it('copies every supported type and awkward value exactly', async () => {
    const columns = await describeColumns('t_all')
    const rows = await load('t_all', columns)
    const total = await client.query<{ n: string }>('SELECT count(*) AS n FROM t_all')
    expect(rows).toBe(Number(total.rows[0]!.n))

    const types = new Map(columns.map((c) => [c.name, duckdbTypeFor(c)]))
    expect(Object.fromEntries(types)).toMatchObject({
      n_12_2: 'DECIMAL(12,2)', n_38_6: 'DECIMAL(38,6)', n_free: 'VARCHAR', n_50_10: 'VARCHAR', n_neg: 'VARCHAR',
      ci: 'VARCHAR', jb: 'JSON', by: 'BLOB', u: 'UUID', iv: 'INTERVAL', arr: 'VARCHAR', mood: 'VARCHAR', ttz: 'VARCHAR',
    })

    const e = columns.map(exprs)
    const fromPg = await client.query<string[]>({ text: `SELECT ${e.map((x) => x.pg).join(', ')} FROM t_all ORDER BY t_all.id`, rowMode: 'array' })
    const reader = await duck.runAndReadAll(`SELECT ${e.map((x) => x.duck).join(', ')} FROM t_all ORDER BY t_all.id`)
    const fromDuck = reader.getRows().map((r) => r.map((v) => (v === null ? null : String(v))))
    expect(fromDuck.length).toBe(fromPg.rows.length)
    const mismatches: string[] = []
    fromPg.rows.forEach((pgRow, r) => {
      columns.forEach((c, i) => {
        const a = normalise(c, pgRow[i] ?? null)
        const b = normalise(c, fromDuck[r]![i] ?? null)
        if (!Object.is(a, b)) mismatches.push(`id ${pgRow[0]} ${c.name} (${c.pgType}): postgres ${JSON.stringify(a)} duckdb ${JSON.stringify(b)}`)
      })
    })
    expect(mismatches.slice(0, 20)).toEqual([])
    // '' stays distinct from NULL
    const empty = await duck.runAndReadAll(`SELECT t IS NULL, t = '', vc = '' FROM t_all WHERE id = 1`)
    expect(empty.getRows()).toEqual([[false, true, true]])
  })

  it('a value DuckDB cannot hold fails the copy with a clear error and leaves the client usable', async () => {
    await client.query(`CREATE TABLE t_nan (id int, amount numeric(10,2))`)
    await client.query(`INSERT INTO t_nan SELECT g, g / 100.0 FROM generate_series(1, 50000) g`)
    await client.query(`UPDATE t_nan SET amount = 'NaN' WHERE id = 4000`)
    const columns = await describeColumns('t_nan')
    const err = await load('t_nan', columns, 'ORDER BY id').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CopyFormatError)
    expect((err as CopyFormatError).reason).toBe('COPY_VALUE_UNSUPPORTED')
    expect((err as Error).message).toMatch(/row 4000, column "amount" \(DECIMAL\(10,2\)\): NaN cannot be stored in DECIMAL\(10,2\)/)
    const after = await client.query<{ one: number }>('SELECT 1 AS one')
    expect(after.rows).toEqual([{ one: 1 }])
  })

  it('a failing SELECT surfaces the Postgres error and leaves the client usable', async () => {
    const columns: PgColumn[] = [{ name: 'x', typeOid: 23, typmod: -1, pgType: 'integer', nullable: true }]
    await duck.run('CREATE OR REPLACE TABLE t_fail (x INTEGER)')
    await client.query('BEGIN')
    const sink = await ChunkSink.open(duck, 'main', 't_fail', columns)
    try {
      await expect(copyInto(client, 'SELECT 1 / (g - 3000) FROM generate_series(1, 5000) g', columns, sink)).rejects.toThrow(/division by zero/)
    } finally {
      sink.close()
      await client.query('ROLLBACK')
    }
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }])
  })

  it('reports progress and returns the row count', async () => {
    const columns: PgColumn[] = [{ name: 'g', typeOid: 20, typmod: -1, pgType: 'bigint', nullable: true }]
    await duck.run('CREATE OR REPLACE TABLE t_count (g BIGINT)')
    const sink = await ChunkSink.open(duck, 'main', 't_count', columns)
    const seen: number[] = []
    const originalNow = Date.now
    let fake = originalNow()
    Date.now = () => (fake += 300) // every batch looks 300 ms after the last one
    try {
      const n = await copyInto(client, 'SELECT g FROM generate_series(1::bigint, 100000) g', columns, sink, (r) => seen.push(r))
      expect(n).toBe(100000)
    } finally {
      Date.now = originalNow
      sink.close()
    }
    expect(seen.length).toBeGreaterThan(10)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    const sum = await duck.runAndReadAll('SELECT sum(g)::VARCHAR FROM t_count')
    expect(sum.getRows()).toEqual([['5000050000']])
  })
})
