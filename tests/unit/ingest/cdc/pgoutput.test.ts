import { describe, expect, it } from 'vitest'
import {
  decodePgoutput,
  decodeReplicationFrame,
  encodeStandbyStatus,
  lsnToString,
  parseLsn,
  PgoutputDecodeError,
  pgMicrosToDate,
  toPgMicros,
  UNCHANGED_TOAST,
} from '../../../../src/ingest/cdc/pgoutput.js'

// ---------------------------------------------------------------- a tiny big-endian writer for hand-built messages (per the PG protocol docs)
const u8 = (n: number): Buffer => Buffer.from([n])
const ch = (c: string): Buffer => Buffer.from(c, 'latin1')
const i16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b }
const i32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b }
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b }
const i64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b }
const u64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b }
const str = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), u8(0)])
const msg = (...parts: Buffer[]): Buffer => Buffer.concat(parts)

type Cell = string | null | 'u' | Buffer
/** TupleData: strings are 't', null is 'n', the literal 'u' marks unchanged TOAST, a Buffer is 'b'. */
const tuple = (...cells: Cell[]): Buffer =>
  Buffer.concat([
    i16(cells.length),
    ...cells.map((c) => {
      if (c === null) return ch('n')
      if (c === 'u') return ch('u')
      const bytes = typeof c === 'string' ? Buffer.from(c, 'utf8') : c
      return Buffer.concat([ch(typeof c === 'string' ? 't' : 'b'), i32(bytes.length), bytes])
    }),
  ])

/** 2024-01-02T03:04:05.678901Z in microseconds since 2000-01-01. */
const TS_UNIX_US = 1_704_164_645_678_901n
const TS_PG_US = TS_UNIX_US - 946_684_800_000_000n

describe('LSN helpers', () => {
  it('parses and prints X/Y', () => {
    expect(parseLsn('0/0')).toBe(0n)
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n)
    expect(parseLsn('16/b374d848')).toBe(0x16b374d848n)
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe((1n << 64n) - 1n)
    expect(lsnToString(0x16b374d848n)).toBe('16/B374D848')
    expect(lsnToString(0n)).toBe('0/0')
    expect(lsnToString(parseLsn('2/DE8F3AC0'))).toBe('2/DE8F3AC0')
  })

  it('refuses malformed LSNs', () => {
    for (const bad of ['', '0', '0/', '/0', 'G/0', '0/0 ', '1/2/3', '123456789/0', '-1/0']) {
      expect(() => parseLsn(bad), bad).toThrow(PgoutputDecodeError)
    }
    expect(() => lsnToString(-1n)).toThrow(/not an LSN/)
    expect(() => lsnToString(1n << 64n)).toThrow(/not an LSN/)
    expect(() => lsnToString(5 as unknown as bigint)).toThrow(/not an LSN/)
  })
})

describe('timestamps', () => {
  it('converts Postgres-epoch microseconds', () => {
    expect(pgMicrosToDate(0n).toISOString()).toBe('2000-01-01T00:00:00.000Z')
    expect(pgMicrosToDate(TS_PG_US).toISOString()).toBe('2024-01-02T03:04:05.678Z')
    // Before 1970: floor, not truncation towards zero.
    expect(pgMicrosToDate(-946_684_800_000_001n).toISOString()).toBe('1969-12-31T23:59:59.999Z')
    expect(toPgMicros(new Date('2000-01-01T00:00:01Z'))).toBe(1_000_000n)
    expect(toPgMicros(TS_UNIX_US)).toBe(TS_PG_US)
  })
})

describe('decodePgoutput', () => {
  it('Begin', () => {
    const m = decodePgoutput(msg(ch('B'), u64(0x1_0000_0010n), i64(TS_PG_US), u32(0xfffffffe)))
    expect(m).toEqual({ kind: 'begin', finalLsn: 0x1_0000_0010n, commitTime: new Date('2024-01-02T03:04:05.678Z'), commitTimeMicros: TS_UNIX_US, xid: 0xfffffffe })
  })

  it('Commit carries commit LSN, end LSN and the commit time', () => {
    const m = decodePgoutput(msg(ch('C'), u8(0), u64(0x2_0000_0100n), u64(0x2_0000_0130n), i64(TS_PG_US)))
    expect(m).toEqual({ kind: 'commit', flags: 0, commitLsn: 0x2_0000_0100n, endLsn: 0x2_0000_0130n, commitTime: new Date('2024-01-02T03:04:05.678Z'), commitTimeMicros: TS_UNIX_US })
  })

  it('Origin', () => {
    expect(decodePgoutput(msg(ch('O'), u64(42n), str('node_a')))).toEqual({ kind: 'origin', originLsn: 42n, name: 'node_a' })
  })

  it('Relation with key flags, type OIDs and typmods', () => {
    const m = decodePgoutput(
      msg(ch('R'), u32(16_384), str('sales'), str('orders'), ch('d'), i16(3),
        u8(1), str('id'), u32(20), i32(-1),
        u8(0), str('amount'), u32(1700), i32(786_438),
        u8(0), str('note ü'), u32(25), i32(-1)),
    )
    expect(m).toEqual({
      kind: 'relation',
      relationId: 16_384,
      namespace: 'sales',
      name: 'orders',
      replicaIdentity: 'default',
      columns: [
        { flags: 1, isKey: true, name: 'id', typeOid: 20, typeMod: -1 },
        { flags: 0, isKey: false, name: 'amount', typeOid: 1700, typeMod: 786_438 },
        { flags: 0, isKey: false, name: 'note ü', typeOid: 25, typeMod: -1 },
      ],
    })
  })

  it('Relation: every replica identity, the empty namespace of pg_catalog, no columns', () => {
    const rel = (ident: string) => decodePgoutput(msg(ch('R'), u32(1), str(''), str('t'), ch(ident), i16(0)))
    expect(rel('d')).toMatchObject({ replicaIdentity: 'default', namespace: '', columns: [] })
    expect(rel('n')).toMatchObject({ replicaIdentity: 'nothing' })
    expect(rel('f')).toMatchObject({ replicaIdentity: 'full' })
    expect(rel('i')).toMatchObject({ replicaIdentity: 'index' })
    expect(() => rel('x')).toThrow(/unknown replica identity 'x'/)
  })

  it('Type', () => {
    expect(decodePgoutput(msg(ch('Y'), u32(90_001), str('public'), str('mood')))).toEqual({ kind: 'type', typeOid: 90_001, namespace: 'public', name: 'mood' })
  })

  it('Insert with text, NULL, empty string and binary values', () => {
    const m = decodePgoutput(msg(ch('I'), u32(7), ch('N'), tuple('1', null, '', 'héllo 🎉', Buffer.from([0, 255]))))
    expect(m).toEqual({ kind: 'insert', relationId: 7, newTuple: ['1', null, '', 'héllo 🎉', Buffer.from([0, 255])] })
  })

  it("Update without an old tuple keeps 'u' (unchanged TOAST) as a distinct marker", () => {
    const m = decodePgoutput(msg(ch('U'), u32(7), ch('N'), tuple('5', 'FIVE', 'u', null)))
    expect(m).toEqual({ kind: 'update', relationId: 7, old: null, newTuple: ['5', 'FIVE', UNCHANGED_TOAST, null] })
    if (m.kind !== 'update') throw new Error('not an update')
    expect(m.newTuple[2]).not.toBeNull()
    expect(m.newTuple[2]).not.toBeUndefined()
    expect(typeof m.newTuple[2]).toBe('symbol')
  })

  it('Update with the old key (K: the key changed)', () => {
    const m = decodePgoutput(msg(ch('U'), u32(7), ch('K'), tuple('2', null, null), ch('N'), tuple('20', 'two', 'u')))
    expect(m).toEqual({ kind: 'update', relationId: 7, old: { identity: 'key', tuple: ['2', null, null] }, newTuple: ['20', 'two', UNCHANGED_TOAST] })
  })

  it('Update with the full old row (O: REPLICA IDENTITY FULL)', () => {
    const m = decodePgoutput(msg(ch('U'), u32(7), ch('O'), tuple('2', 'old', 'big'), ch('N'), tuple('2', 'new', 'big')))
    expect(m).toMatchObject({ old: { identity: 'full', tuple: ['2', 'old', 'big'] }, newTuple: ['2', 'new', 'big'] })
  })

  it('Delete by key (K) and by full row (O)', () => {
    expect(decodePgoutput(msg(ch('D'), u32(9), ch('K'), tuple('3', null)))).toEqual({ kind: 'delete', relationId: 9, old: { identity: 'key', tuple: ['3', null] } })
    expect(decodePgoutput(msg(ch('D'), u32(9), ch('O'), tuple('3', 'x')))).toEqual({ kind: 'delete', relationId: 9, old: { identity: 'full', tuple: ['3', 'x'] } })
  })

  it('Truncate of several relations with CASCADE / RESTART IDENTITY', () => {
    const t = (opts: number, ...ids: number[]) => decodePgoutput(msg(ch('T'), u32(ids.length), u8(opts), ...ids.map(u32)))
    expect(t(0, 11, 12, 0xfffffff0)).toEqual({ kind: 'truncate', cascade: false, restartIdentity: false, relationIds: [11, 12, 0xfffffff0] })
    expect(t(1, 11)).toMatchObject({ cascade: true, restartIdentity: false })
    expect(t(2, 11)).toMatchObject({ cascade: false, restartIdentity: true })
    expect(t(3, 11, 12)).toMatchObject({ cascade: true, restartIdentity: true, relationIds: [11, 12] })
  })

  it('Message (pg_logical_emit_message), transactional or not, with binary content', () => {
    const content = Buffer.from([0, 1, 2, 0xff])
    expect(decodePgoutput(msg(ch('M'), u8(1), u64(77n), str('tributary'), i32(4), content))).toEqual({ kind: 'message', transactional: true, lsn: 77n, prefix: 'tributary', content })
    expect(decodePgoutput(msg(ch('M'), u8(0), u64(78n), str('p'), i32(0)))).toEqual({ kind: 'message', transactional: false, lsn: 78n, prefix: 'p', content: Buffer.alloc(0) })
  })

  it('copies values out of the input buffer', () => {
    const buf = msg(ch('M'), u8(0), u64(1n), str('p'), i32(2), Buffer.from('ab'))
    const m = decodePgoutput(buf)
    buf.fill(0)
    expect(m).toMatchObject({ prefix: 'p', content: Buffer.from('ab') })
  })
})

describe('decodePgoutput: malformed input fails clearly', () => {
  const valid: Record<string, Buffer> = {
    B: msg(ch('B'), u64(1n), i64(0n), u32(1)),
    C: msg(ch('C'), u8(0), u64(1n), u64(2n), i64(0n)),
    O: msg(ch('O'), u64(1n), str('o')),
    R: msg(ch('R'), u32(1), str('s'), str('t'), ch('d'), i16(1), u8(1), str('id'), u32(23), i32(-1)),
    Y: msg(ch('Y'), u32(1), str('s'), str('t')),
    I: msg(ch('I'), u32(1), ch('N'), tuple('1', null, 'u')),
    U: msg(ch('U'), u32(1), ch('K'), tuple('1'), ch('N'), tuple('2')),
    D: msg(ch('D'), u32(1), ch('K'), tuple('1')),
    T: msg(ch('T'), u32(2), u8(0), u32(1), u32(2)),
    M: msg(ch('M'), u8(1), u64(1n), str('p'), i32(3), Buffer.from('abc')),
  }

  it('every prefix of every message type is a PgoutputDecodeError, never a RangeError or garbage', () => {
    for (const [tag, buf] of Object.entries(valid)) {
      expect(() => decodePgoutput(buf), tag).not.toThrow()
      for (let n = 0; n < buf.length; n++) {
        const cut = buf.subarray(0, n)
        let err: unknown
        try {
          decodePgoutput(cut)
        } catch (e) {
          err = e
        }
        expect(err, `${tag} cut at ${n}`).toBeInstanceOf(PgoutputDecodeError)
        expect((err as PgoutputDecodeError).code).toBe('INGEST_FAILED')
      }
    }
  })

  it('names the problem and the byte offset', () => {
    const err = (buf: Buffer): PgoutputDecodeError => {
      try {
        decodePgoutput(buf)
      } catch (e) {
        return e as PgoutputDecodeError
      }
      throw new Error('decoded')
    }
    expect(err(Buffer.alloc(0)).message).toMatch(/empty/)
    expect(err(ch('Z')).message).toMatch(/unknown message type 'Z'/)
    expect(err(Buffer.from([0x01])).message).toMatch(/unknown message type '\\x01'/)
    expect(err(msg(ch('S'), u32(1), u8(1))).message).toMatch(/protocol version 2 or later/)
    expect(err(msg(valid['B']!, u8(0))).message).toMatch(/1 unexpected trailing byte\(s\) at byte 21/)
    expect(err(msg(ch('I'), u32(1), ch('X'), tuple('1'))).message).toMatch(/expected 'N'/)
    expect(err(msg(ch('U'), u32(1), ch('Q'), tuple('1'))).message).toMatch(/expected 'K', 'O' or 'N' at byte 5, got 'Q'/)
    expect(err(msg(ch('U'), u32(1), ch('K'), tuple('1'), ch('K'), tuple('1'))).message).toMatch(/got 'K'/)
    expect(err(msg(ch('D'), u32(1), ch('N'), tuple('1'))).message).toMatch(/expected 'K' or 'O'/)
    expect(err(msg(ch('I'), u32(1), ch('N'), i16(1), ch('x'))).message).toMatch(/column 1: unknown tuple value kind 'x' at byte 8/)
    expect(err(msg(ch('I'), u32(1), ch('N'), i16(1), ch('t'), i32(-5))).message).toMatch(/negative length/)
    expect(err(msg(ch('I'), u32(1), ch('N'), i16(1), ch('t'), i32(10), ch('abc'))).message).toMatch(/truncated at byte 13 \(needs 10 more byte\(s\), 3 left\)/)
    expect(err(msg(ch('O'), u64(1n), ch('no terminator'))).message).toMatch(/unterminated string at byte 9/)
    expect(err(msg(ch('M'), u8(0), u64(1n), str('p'), i32(-1))).message).toMatch(/negative content length/)
    // A huge count in a short message fails as truncation (no allocation by the count).
    expect(err(msg(ch('T'), u32(0xffffffff), u8(0), u32(1))).message).toMatch(/truncated/)
    expect(err(msg(ch('I'), u32(1), ch('N'), i16(0xffff))).offset).toBe(8)
  })
})

describe('replication framing', () => {
  it('XLogData: positions, server time and the pgoutput payload', () => {
    const payload = msg(ch('I'), u32(7), ch('N'), tuple('1'))
    const f = decodeReplicationFrame(msg(ch('w'), u64(0x10n), u64(0x20n), i64(TS_PG_US), payload))
    expect(f).toEqual({ kind: 'xlogData', walStart: 0x10n, walEnd: 0x20n, serverTime: new Date('2024-01-02T03:04:05.678Z'), payload })
    if (f.kind !== 'xlogData') throw new Error('not xlogData')
    expect(decodePgoutput(f.payload)).toMatchObject({ kind: 'insert', newTuple: ['1'] })
  })

  it('primary keepalive with and without a reply request', () => {
    expect(decodeReplicationFrame(msg(ch('k'), u64(0x30n), i64(0n), u8(1)))).toEqual({ kind: 'keepalive', walEnd: 0x30n, serverTime: new Date('2000-01-01T00:00:00Z'), replyRequested: true })
    expect(decodeReplicationFrame(msg(ch('k'), u64(0x30n), i64(0n), u8(0)))).toMatchObject({ replyRequested: false })
  })

  it('malformed frames', () => {
    expect(() => decodeReplicationFrame(msg(ch('k'), u64(1n)))).toThrow(/truncated/)
    expect(() => decodeReplicationFrame(msg(ch('k'), u64(1n), i64(0n), u8(0), u8(0)))).toThrow(/trailing/)
    expect(() => decodeReplicationFrame(msg(ch('w'), u64(1n), u64(1n)))).toThrow(PgoutputDecodeError)
    expect(() => decodeReplicationFrame(ch('x'))).toThrow(/unknown message type 'x'/)
    expect(() => decodeReplicationFrame(Buffer.alloc(0))).toThrow(/truncated/)
  })

  it("standby status update: 'r', written, flushed, applied, clock, reply flag (34 bytes)", () => {
    const b = encodeStandbyStatus({ written: 0x1_0000_0001n, flushed: 0x2n, applied: 0x3n, clock: new Date('2000-01-01T00:00:02Z'), replyRequested: true })
    expect(b.length).toBe(34)
    expect(b.toString('latin1', 0, 1)).toBe('r')
    expect(b.readBigUInt64BE(1)).toBe(0x1_0000_0001n)
    expect(b.readBigUInt64BE(9)).toBe(2n)
    expect(b.readBigUInt64BE(17)).toBe(3n)
    expect(b.readBigInt64BE(25)).toBe(2_000_000n)
    expect(b.readUInt8(33)).toBe(1)
    expect(encodeStandbyStatus({ written: 0n, flushed: 0n, applied: 0n }).readUInt8(33)).toBe(0)
  })
})
