import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChunkSink } from '../../../src/ingest/duckdb/chunk-sink.js'
import { BinaryCopyDecoder, CopyFormatError, decodeBinaryCopy, type ColumnBatch } from '../../../src/ingest/postgres/binary-copy.js'
import { duckdbTypeFor, numericTypmod, PG_OID, selectExpression, type PgColumn } from '../../../src/ingest/postgres/pg-types.js'

// ---------------------------------------------------------------- a tiny binary COPY writer (big-endian, per the PG docs)
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
const i16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b }
const i32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b }
const i64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b }
const f32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeFloatBE(n); return b }
const f64 = (n: number): Buffer => { const b = Buffer.alloc(8); b.writeDoubleBE(n); return b }
const text = (s: string): Buffer => Buffer.from(s, 'utf8')
const header = (flags = 0, ext = Buffer.alloc(0)): Buffer => Buffer.concat([SIGNATURE, i32(flags), i32(ext.length), ext])
const TRAILER = i16(-1)
const tuple = (...fields: (Buffer | null)[]): Buffer =>
  Buffer.concat([i16(fields.length), ...fields.flatMap((f) => (f === null ? [i32(-1)] : [i32(f.length), f]))])
const stream = (...tuples: Buffer[]): Buffer => Buffer.concat([header(), ...tuples, TRAILER])

/** numeric_send for a decimal literal: base-10000 digits around the decimal point, dscale = fraction digits. */
function numeric(lit: string): Buffer {
  const special = { NaN: 0xc000, Infinity: 0xd000, '-Infinity': 0xf000 }[lit]
  if (special !== undefined) return Buffer.concat([i16(0), i16(0), u16(special), i16(0)])
  const neg = lit.startsWith('-')
  const [int = '', frac = ''] = lit.replace(/^-/, '').split('.')
  const ip = int.replace(/^0+/, '')
  const intPadded = ip.padStart(Math.ceil(ip.length / 4) * 4, '0')
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0')
  let groups = (intPadded + fracPadded).match(/.{4}/g)?.map(Number) ?? []
  let weight = intPadded.length / 4 - 1
  while (groups.length && groups[0] === 0) { groups = groups.slice(1); weight-- }
  while (groups.length && groups[groups.length - 1] === 0) groups = groups.slice(0, -1)
  if (groups.length === 0) weight = 0
  return Buffer.concat([i16(groups.length), i16(weight), u16(neg && groups.length ? 0x4000 : 0), i16(frac.length), ...groups.map(i16)])
}
function u16(n: number): Buffer { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b }
function uuid(s: string): Buffer { return Buffer.from(s.replace(/-/g, ''), 'hex') }
/** Postgres epoch (2000-01-01) offsets. */
const PG_EPOCH_US = 946_684_800_000_000n
const tsUs = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n - PG_EPOCH_US
const days = (iso: string): number => Date.parse(iso) / 86_400_000 - 10_957
const interval = (months: number, d: number, us: bigint): Buffer => Buffer.concat([i64(us), i32(d), i32(months)])

const col = (name: string, typeOid: number, pgType: string, typmod = -1): PgColumn => ({ name, typeOid, typmod, pgType, nullable: true })
const numericCol = (name: string, p: number, s: number): PgColumn => col(name, PG_OID.numeric, `numeric(${p},${s})`, ((p << 16) | s) + 4)

async function decodeAll(chunks: Buffer[], columns: readonly PgColumn[], batchRows = 2048): Promise<{ rows: unknown[][]; batches: number[] }> {
  const rows: unknown[][] = []
  const batches: number[] = []
  async function* source(): AsyncGenerator<Buffer> { for (const c of chunks) yield c }
  await decodeBinaryCopy(source(), columns, (b: ColumnBatch) => {
    batches.push(b.rowCount)
    for (let r = 0; r < b.rowCount; r++) rows.push(b.columns.map((c) => c.get(r)))
  }, batchRows)
  return { rows, batches }
}
const plain = (v: unknown): unknown => (v === null || typeof v !== 'object' || v instanceof Uint8Array ? v : String(v))

// ---------------------------------------------------------------- type mapping
describe('pg-types', () => {
  it('maps every supported type exactly and everything else to VARCHAR via ::text', () => {
    const cases: [PgColumn, string, string][] = [
      [col('b', PG_OID.bool, 'boolean'), 'BOOLEAN', '"b"'],
      [col('s', PG_OID.int2, 'smallint'), 'SMALLINT', '"s"'],
      [col('i', PG_OID.int4, 'integer'), 'INTEGER', '"i"'],
      [col('l', PG_OID.int8, 'bigint'), 'BIGINT', '"l"'],
      [col('o', PG_OID.oid, 'oid'), 'UINTEGER', '"o"'],
      [col('r', PG_OID.float4, 'real'), 'FLOAT', '"r"'],
      [col('d', PG_OID.float8, 'double precision'), 'DOUBLE', '"d"'],
      [numericCol('n', 12, 2), 'DECIMAL(12,2)', '"n"'],
      [numericCol('n', 38, 0), 'DECIMAL(38,0)', '"n"'],
      [numericCol('n', 39, 2), 'VARCHAR', '"n"'],
      [col('n', PG_OID.numeric, 'numeric'), 'VARCHAR', '"n"'],
      [col('n', PG_OID.numeric, 'numeric(2,-3)', ((2 << 16) | (-3 & 0x7ff)) + 4), 'VARCHAR', '"n"'],
      [col('t', PG_OID.text, 'text'), 'VARCHAR', '"t"'],
      [col('v', PG_OID.varchar, 'character varying(64)', 68), 'VARCHAR', '"v"'],
      [col('c', PG_OID.bpchar, 'character(3)', 7), 'VARCHAR', '"c"'],
      [col('nm', PG_OID.name, 'name'), 'VARCHAR', '"nm"'],
      [col('ci', 16_385, 'citext'), 'VARCHAR', '"ci"'],
      [col('u', PG_OID.uuid, 'uuid'), 'UUID', '"u"'],
      [col('dt', PG_OID.date, 'date'), 'DATE', '"dt"'],
      [col('tm', PG_OID.time, 'time without time zone'), 'TIME', '"tm"'],
      [col('ts', PG_OID.timestamp, 'timestamp without time zone'), 'TIMESTAMP', '"ts"'],
      [col('tz', PG_OID.timestamptz, 'timestamp with time zone'), 'TIMESTAMPTZ', '"tz"'],
      [col('iv', PG_OID.interval, 'interval'), 'INTERVAL', '"iv"'],
      [col('j', PG_OID.json, 'json'), 'JSON', '"j"'],
      [col('jb', PG_OID.jsonb, 'jsonb'), 'JSON', '"jb"'],
      [col('by', PG_OID.bytea, 'bytea'), 'BLOB', '"by"'],
      [col('arr', 1007, 'integer[]'), 'VARCHAR', '"arr"::text'],
      [col('we"ird', 1266, 'time with time zone'), 'VARCHAR', '"we""ird"::text'],
    ]
    for (const [c, duck, sel] of cases) {
      expect([c.pgType, duckdbTypeFor(c), selectExpression(c)]).toEqual([c.pgType, duck, sel])
    }
    expect(numericTypmod(((12 << 16) | 2) + 4)).toEqual({ precision: 12, scale: 2 })
    expect(numericTypmod(-1)).toBeUndefined()
  })
})

// ---------------------------------------------------------------- decoding
const ALL: PgColumn[] = [
  col('b', PG_OID.bool, 'boolean'),
  col('s', PG_OID.int2, 'smallint'),
  col('i', PG_OID.int4, 'integer'),
  col('l', PG_OID.int8, 'bigint'),
  col('o', PG_OID.oid, 'oid'),
  col('r', PG_OID.float4, 'real'),
  col('d', PG_OID.float8, 'double precision'),
  numericCol('dec', 12, 2),
  col('num', PG_OID.numeric, 'numeric'),
  col('t', PG_OID.text, 'text'),
  col('j', PG_OID.json, 'json'),
  col('jb', PG_OID.jsonb, 'jsonb'),
  col('by', PG_OID.bytea, 'bytea'),
  col('u', PG_OID.uuid, 'uuid'),
  col('dt', PG_OID.date, 'date'),
  col('tm', PG_OID.time, 'time without time zone'),
  col('ts', PG_OID.timestamp, 'timestamp without time zone'),
  col('tz', PG_OID.timestamptz, 'timestamp with time zone'),
  col('iv', PG_OID.interval, 'interval'),
]
const LONG = 'a string that is longer than twelve bytes — with ünïcødé ✓'
const ROW1 = tuple(
  Buffer.from([1]), i16(-32768), i32(2147483647), i64(-9223372036854775808n), Buffer.from([0xff, 0xff, 0xff, 0xfe]), f32(1.5), f64(-0.1),
  numeric('-1234567890.12'), numeric('12345678901234567890.123'), text(LONG), text('{"a": [1, 2]}'), Buffer.concat([Buffer.from([1]), text('{"k": "v"}')]),
  Buffer.from([0, 1, 2, 0xff]), uuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), i32(days('2024-02-29')), i64(45_296_789_012n),
  i64(tsUs('2024-02-29T12:34:56.789Z') + 12n), i64(tsUs('1969-12-31T23:59:59.999Z')), interval(14, 3, 3_723_000_004n),
)
const ROW_NULLS = tuple(...ALL.map(() => null))
const ROW3 = tuple(
  Buffer.from([0]), i16(0), i32(-1), i64(0n), i32(0), f32(Number.NaN), f64(Number.POSITIVE_INFINITY),
  numeric('0'), numeric('NaN'), text(''), text('null'), Buffer.concat([Buffer.from([1]), text('[]')]),
  Buffer.alloc(0), uuid('00000000-0000-0000-0000-000000000000'), i32(2147483647), i64(86_400_000_000n),
  i64(9223372036854775807n), i64(-9223372036854775808n), interval(-1, -2, -3n),
)

describe('decodeBinaryCopy', () => {
  it('decodes every supported type, NULLs, and the special values', async () => {
    const { rows, batches } = await decodeAll([stream(ROW1, ROW_NULLS, ROW3)], ALL)
    expect(batches).toEqual([3])
    expect(rows[0]!.map(plain)).toEqual([
      true, -32768, 2147483647, -9223372036854775808n, 4294967294, 1.5, -0.1,
      '-1234567890.12', '12345678901234567890.123', LONG, '{"a": [1, 2]}', '{"k": "v"}',
      Uint8Array.from([0, 1, 2, 0xff]), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29', '12:34:56.789012',
      '2024-02-29 12:34:56.789012', expect.stringMatching(/^1969-12-31 23:59:59\.999/), '1 year 2 months 3 days 01:02:03.000004',
    ])
    expect(rows[1]).toEqual(ALL.map(() => null))
    const r3 = rows[2]!.map(plain)
    expect(r3.slice(0, 5)).toEqual([false, 0, -1, 0n, 0])
    expect(Number.isNaN(r3[5])).toBe(true)
    expect(r3.slice(6)).toEqual([
      Number.POSITIVE_INFINITY, '0.00', 'NaN', '', 'null', '[]', new Uint8Array(0), '00000000-0000-0000-0000-000000000000',
      expect.anything(), '24:00:00', 'infinity', '-infinity', '-1 month -2 days -00:00:00.000003',
    ])
    // DuckDB's date infinity (the JS value class prints it as a far-future date; DuckDB prints 'infinity')
    expect((rows[2]![14] as { days: number }).days).toBe(2147483647)
  })

  it('timestamps and dates keep microseconds and map ±infinity to DuckDB infinities', async () => {
    const cols = [col('tz', PG_OID.timestamptz, 'timestamptz'), col('dt', PG_OID.date, 'date')]
    const { rows } = await decodeAll([stream(
      tuple(i64(0n), i32(0)),
      tuple(i64(9223372036854775807n), i32(2147483647)),
      tuple(i64(-9223372036854775808n), i32(-2147483648)),
      tuple(i64(-PG_EPOCH_US - 1n), i32(-10_958)),
    )], cols)
    const micros = rows.map((r) => (r[0] as { micros: bigint }).micros)
    expect(micros).toEqual([PG_EPOCH_US, 9223372036854775807n, -9223372036854775807n, -1n])
    expect(rows.map((r) => (r[1] as { days: number }).days)).toEqual([10_957, 2147483647, -2147483647, -1])
  })

  it('rejects timestamps past DuckDB\'s last one', async () => {
    const cols = [col('ts', PG_OID.timestamp, 'timestamp')]
    const err = await decodeAll([stream(tuple(i64(9223371331199999999n)))], cols).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CopyFormatError)
    expect((err as CopyFormatError).reason).toBe('COPY_VALUE_UNSUPPORTED')
    expect((err as Error).message).toMatch(/row 1, column "ts".*beyond DuckDB's range/)
  })

  const NUMERIC_CASES = [
    '0', '0.5', '-0.5', '1', '-1', '9999', '10000', '-10000.0001', '12345678901234567890.123', '0.00000001', '0.000100',
    '100000000000000000000000000000000000000000', '-0.000000000000000000000000000000000000001', '1.10', '123.4500',
  ]
  it('numeric -> exact text for unconstrained numeric (0, -0.5, big weights, NaN, ±Infinity)', async () => {
    const cols = [col('n', PG_OID.numeric, 'numeric')]
    const lits = [...NUMERIC_CASES, 'NaN', 'Infinity', '-Infinity']
    const { rows } = await decodeAll([stream(...lits.map((l) => tuple(numeric(l))))], cols)
    expect(rows.map((r) => r[0])).toEqual(lits)
    // a weight far from the point, and a dscale shorter than the last digit group
    const far = Buffer.concat([i16(1), i16(30), u16(0), i16(0), i16(7)])
    const cut = Buffer.concat([i16(2), i16(0), u16(0x4000), i16(1), i16(3), i16(5000)])
    const { rows: more } = await decodeAll([stream(tuple(far), tuple(cut))], cols)
    expect(more.map((r) => r[0])).toEqual([`7${'0'.repeat(120)}`, '-3.5'])
  })

  it('numeric(p,s) -> DECIMAL(p,s) in 2, 4, 8 and 16-byte slots, exactly', async () => {
    const cols = [numericCol('a', 4, 1), numericCol('b', 9, 3), numericCol('c', 18, 4), numericCol('d', 38, 3), numericCol('e', 12, 2)]
    const vals = [
      ['-999.9', '-999999.999', '-99999999999999.9999', '-12345678901234567890123456789012345.678', '-0.5'],
      ['0', '0', '0', '0', '0'],
      ['1.5', '123456.7', '12345678901234.5678', '99999999999999999999999999999999999.999', '1234567890.99'],
    ]
    const { rows } = await decodeAll([stream(...vals.map((v) => tuple(...v.map(numeric))))], cols)
    expect(rows.map((r) => r.map(String))).toEqual([
      ['-999.9', '-999999.999', '-99999999999999.9999', '-12345678901234567890123456789012345.678', '-0.50'],
      ['0.0', '0.000', '0.0000', '0.000', '0.00'],
      ['1.5', '123456.700', '12345678901234.5678', '99999999999999999999999999999999999.999', '1234567890.99'],
    ])
  })

  it('numeric NaN, ±Infinity, or more digits than DECIMAL(p,s) holds is an error naming the column', async () => {
    const cols = [numericCol('amount', 12, 2)]
    for (const [lit, msg] of [['NaN', /NaN cannot be stored in DECIMAL\(12,2\)/], ['Infinity', /Infinity cannot/], ['0.001', /more fraction digits/], ['10000000000', /more digits/]] as const) {
      const err = await decodeAll([stream(tuple(numeric('1')), tuple(numeric(lit)))], cols).catch((e: unknown) => e)
      expect((err as CopyFormatError).reason, lit).toBe('COPY_VALUE_UNSUPPORTED')
      expect((err as Error).message).toMatch(/row 2, column "amount"/)
      expect((err as Error).message).toMatch(msg)
    }
  })

  it('is robust to a chunk boundary at every byte offset, and to one-byte chunks', async () => {
    const whole = stream(ROW1, ROW_NULLS, ROW3, ROW1)
    const expected = (await decodeAll([whole], ALL, 3)).rows.map((r) => r.map(plain))
    for (let k = 1; k < whole.length; k++) {
      const { rows } = await decodeAll([whole.subarray(0, k), whole.subarray(k)], ALL, 3)
      expect(rows.map((r) => r.map(plain)), `split at ${k}`).toEqual(expected)
    }
    const bytes = Array.from({ length: whole.length }, (_, k) => whole.subarray(k, k + 1))
    const { rows, batches } = await decodeAll(bytes, ALL, 3)
    expect(rows.map((r) => r.map(plain))).toEqual(expected)
    expect(batches).toEqual([3, 1])
  })

  it('hands over full batches, then the rest, and reuses the buffers', async () => {
    const cols = [col('id', PG_OID.int8, 'bigint'), col('t', PG_OID.text, 'text')]
    const tuples = Array.from({ length: 10 }, (_, i) => tuple(i64(BigInt(i)), i % 3 === 0 ? null : text(`value number ${i} is long enough`)))
    const { rows, batches } = await decodeAll([stream(...tuples)], cols, 4)
    expect(batches).toEqual([4, 4, 2])
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)))
    expect(rows.map((r) => r[1])).toEqual(Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? null : `value number ${i} is long enough`)))
  })

  it('an empty result is the header and the trailer', async () => {
    expect(await decodeAll([stream()], ALL)).toEqual({ rows: [], batches: [] })
    // a header extension is skipped
    const { rows } = await decodeAll([Buffer.concat([header(0, Buffer.from('ext!')), tuple(i32(7)), TRAILER])], [col('i', PG_OID.int4, 'int4')])
    expect(rows).toEqual([[7]])
  })

  describe('malformed streams', () => {
    const cols = [col('i', PG_OID.int4, 'integer'), col('t', PG_OID.text, 'text')]
    const good = stream(tuple(i32(1), text('one')), tuple(i32(2), text('two')))
    const fails = async (chunks: Buffer[], re: RegExp, columns: readonly PgColumn[] = cols): Promise<void> => {
      const err = await decodeAll(chunks, columns).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CopyFormatError)
      expect((err as CopyFormatError).reason).toBe('COPY_FORMAT_INVALID')
      expect((err as Error).message).toMatch(re)
    }
    it('bad signature (e.g. a text-format COPY)', () => fails([Buffer.from('1\tone\n2\ttwo\n')], /expected the signature PGCOPY/))
    it('bad signature split across chunks', () => fails([Buffer.from('PGC'), Buffer.from('OPY\n\xff\r\n\x01', 'latin1')], /expected the signature/))
    it('stream ends inside the header', () => fails([SIGNATURE], /ended inside the header/))
    it('OIDs flag / unknown critical flags', async () => {
      await fails([Buffer.concat([header(0x10000), TRAILER])], /OIDs/)
      await fails([Buffer.concat([header(0x20000), TRAILER])], /unknown critical header flags/)
    })
    it('truncated tuple', () => fails([good.subarray(0, good.length - 6)], /truncated in row 2: \d+ bytes left, expected at least \d+/))
    it('missing trailer', () => fails([good.subarray(0, good.length - 2)], /ended after 2 rows without the trailer/))
    it('wrong field count', () => fails([stream(tuple(i32(1)))], /row 1: expected 2 fields, got 1/))
    it('wrong fixed-size field length', () => fails([stream(tuple(i64(1n), text('x')))], /row 1, column "i" \(INTEGER\): expected 4 bytes, got 8/))
    it('negative field length other than -1', () => fails([Buffer.concat([header(), i16(2), i32(-7)])], /row 1, column "i" \(INTEGER\): invalid field length -7/))
    it('bytes after the trailer', async () => {
      await fails([Buffer.concat([good, Buffer.from([0])])], /unexpected bytes after the trailer/)
      await fails([good, Buffer.from([0])], /unexpected bytes after the trailer/)
    })
    it('a numeric whose length does not match its digit count', () =>
      fails([stream(tuple(Buffer.concat([i16(3), i16(0), u16(0), i16(0), i16(1)])))], /numeric field of 10 bytes does not hold 3 digits/, [col('n', PG_OID.numeric, 'numeric')]))
    it('the decoder refuses a bad batch size', () => {
      expect(() => new BinaryCopyDecoder(cols, 0)).toThrow(/batchRows must be a positive integer/)
    })
  })
})

// ---------------------------------------------------------------- into DuckDB
describe('ChunkSink', () => {
  let instance: DuckDBInstance
  let conn: DuckDBConnection
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:')
    conn = await instance.connect()
  })
  afterAll(() => {
    conn.closeSync()
    instance.closeSync()
  })

  async function load(table: string, columns: readonly PgColumn[], chunks: Buffer[], batchRows = 2048): Promise<string[][]> {
    await conn.run(`CREATE OR REPLACE TABLE ${table} (${columns.map((c) => `"${c.name}" ${duckdbTypeFor(c)}`).join(', ')})`)
    const sink = await ChunkSink.open(conn, 'main', table, columns)
    async function* source(): AsyncGenerator<Buffer> { for (const c of chunks) yield c }
    try {
      await decodeBinaryCopy(source(), columns, (b) => sink.append(b), batchRows)
    } finally {
      sink.close()
    }
    const reader = await conn.runAndReadAll(`SELECT ${columns.map((c) => `"${c.name}"::VARCHAR`).join(', ')} FROM ${table} ORDER BY rowid`)
    return reader.getRows().map((r) => r.map((v) => (v === null ? 'NULL' : String(v))))
  }

  it('stores every type exactly (long and short strings, NULLs, infinities) across several chunks', async () => {
    const rows = await load('all_types', ALL, [stream(ROW1, ROW_NULLS, ROW3, ROW1, ROW_NULLS)], 2)
    expect(rows[0]).toEqual([
      'true', '-32768', '2147483647', '-9223372036854775808', '4294967294', '1.5', '-0.1', '-1234567890.12', '12345678901234567890.123', LONG,
      '{"a": [1, 2]}', '{"k": "v"}', '\\x00\\x01\\x02\\xFF', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29', '12:34:56.789012',
      '2024-02-29 12:34:56.789012', expect.stringMatching(/^1969-12-31 23:59:59\.999/), '1 year 2 months 3 days 01:02:03.000004',
    ])
    expect(rows[1]).toEqual(ALL.map(() => 'NULL'))
    expect(rows[2]!.slice(7, 19)).toEqual(['0.00', 'NaN', '', 'null', '[]', '', '00000000-0000-0000-0000-000000000000', 'infinity', '24:00:00', 'infinity', '-infinity', '-1 month -2 days -00:00:00.000003'])
    expect(rows[3]).toEqual(rows[0])
    expect(rows[4]).toEqual(rows[1])
  })

  it('a chunk without NULLs after one with NULLs has none', async () => {
    const cols = [col('id', PG_OID.int4, 'int4'), col('t', PG_OID.text, 'text')]
    const rows = await load('nulls', cols, [stream(tuple(null, null), tuple(i32(1), text('x')), tuple(i32(2), text('a long value, heap-resident')), tuple(i32(3), text('y')))], 2)
    expect(rows).toEqual([['NULL', 'NULL'], ['1', 'x'], ['2', 'a long value, heap-resident'], ['3', 'y']])
  })

  it('many long strings in one chunk keep their own bytes', async () => {
    const cols = [col('t', PG_OID.text, 'text'), col('by', PG_OID.bytea, 'bytea')]
    const values = Array.from({ length: 3000 }, (_, i) => `row ${i}: ${'x'.repeat(i % 50)}é`)
    const rows = await load('long', cols, [stream(...values.map((v) => tuple(text(v), Buffer.from(v))))])
    expect(rows.map((r) => r[0])).toEqual(values)
    expect(rows[2999]![1]).toBe(`row 2999: ${'x'.repeat(49)}\\xC3\\xA9`)
  })

  it('invalid UTF-8 in text fails instead of becoming NULL', async () => {
    const cols = [col('t', PG_OID.text, 'text')]
    const bad = Buffer.from([0x61, 0xff, 0x62])
    await expect(load('bad_utf8', cols, [stream(tuple(text('ok')), tuple(bad))])).rejects.toMatchObject({
      code: 'INGEST_FAILED',
      reason: 'COPY_VALUE_UNSUPPORTED',
      message: expect.stringMatching(/column "t": row 2 of this batch is not valid UTF-8/),
    })
  })

  it('refuses a table whose columns do not match the source', async () => {
    await conn.run('CREATE OR REPLACE TABLE wrong (a INTEGER, b VARCHAR)')
    await expect(ChunkSink.open(conn, 'main', 'wrong', [col('a', PG_OID.int8, 'bigint'), col('b', PG_OID.text, 'text')])).rejects.toThrow(
      /main\.wrong column 1 \("a"\) is INTEGER, expected BIGINT/,
    )
    await expect(ChunkSink.open(conn, 'main', 'wrong', [col('a', PG_OID.int4, 'int4')])).rejects.toThrow(/has 2 columns, the source 1/)
  })
})
