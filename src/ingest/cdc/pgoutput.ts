/**
 * The wire formats of Postgres logical replication, decoded without I/O:
 *
 * - LSNs: `bigint` everywhere (they compare with `<`, and 64 bits do not fit a `number`);
 *   `parseLsn('16/B374D848')` and `lsnToString(lsn)` convert from and to the `X/Y` text form.
 * - Replication framing (PostgreSQL docs, "Streaming Replication Protocol"): the payload of each
 *   CopyData message during START_REPLICATION is XLogData ('w') or a primary keepalive ('k');
 *   the client answers with a standby status update ('r').
 * - pgoutput protocol version 1 ("Logical Replication Message Formats"): the payload of XLogData.
 *   Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate and Message. The
 *   streaming and two-phase messages of versions 2+ are refused with a clear error.
 *
 * Column values stay as the server sent them: text (`string`), `null`, binary (`Buffer`, only with
 * the `binary` option) or {@link UNCHANGED_TOAST}. The caller maps text by the column's type OID
 * from the Relation message. Timestamps arrive as microseconds since 2000-01-01; messages carry
 * them as a `Date` (milliseconds) and as exact microseconds since the Unix epoch.
 */
import { EngineError } from '../../errors.js'

/** A position in the WAL. */
export type Lsn = bigint

/** Malformed or unsupported replication data; `offset` is the byte where decoding stopped. */
export class PgoutputDecodeError extends EngineError {
  /** Byte offset into the decoded buffer. */
  readonly offset: number
  constructor(message: string, offset: number) {
    super('INGEST_FAILED', message)
    this.offset = offset
  }
}

// ---------------------------------------------------------------------------------------------- LSN

const LSN_MAX = (1n << 64n) - 1n
const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

/** `'16/B374D848'` → `0x16B374D848n`. Throws on anything else (no whitespace, at most 8 hex digits per half). */
export function parseLsn(text: string): Lsn {
  const m = LSN_TEXT.exec(text)
  if (!m) throw new PgoutputDecodeError(`not an LSN: '${text}' (expected X/Y in hexadecimal, e.g. 0/16B3748)`, 0)
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

/** `0x16B374D848n` → `'16/B374D848'` (upper case, the form Postgres prints and the replication grammar reads). */
export function lsnToString(lsn: Lsn): string {
  if (typeof lsn !== 'bigint' || lsn < 0n || lsn > LSN_MAX) throw new PgoutputDecodeError(`not an LSN: ${String(lsn)} (expected a bigint in 0 … 2^64-1)`, 0)
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

// ---------------------------------------------------------------------------------------------- time

/** Microseconds between the Unix epoch and the Postgres epoch (2000-01-01T00:00:00Z). */
const PG_EPOCH_US = 946_684_800_000_000n

/** Microseconds since 2000-01-01 (the wire form) → microseconds since 1970-01-01. */
export function pgMicrosToUnixMicros(us: bigint): bigint {
  return us + PG_EPOCH_US
}

/** Microseconds since 2000-01-01 → `Date` (sub-millisecond digits are dropped). */
export function pgMicrosToDate(us: bigint): Date {
  const unixUs = us + PG_EPOCH_US
  // Floor division so that instants before 1970 round towards -infinity like the microseconds do.
  const ms = unixUs >= 0n ? unixUs / 1000n : -((-unixUs + 999n) / 1000n)
  return new Date(Number(ms))
}

/** A `Date` (or exact microseconds since 1970) → microseconds since 2000-01-01, for status updates. */
export function toPgMicros(t: Date | bigint): bigint {
  return (typeof t === 'bigint' ? t : BigInt(t.getTime()) * 1000n) - PG_EPOCH_US
}

// ---------------------------------------------------------------------------------------------- reader

/** Big-endian cursor over one message; every read checks the bounds. */
class Reader {
  offset = 0
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  private need(n: number): number {
    if (this.offset + n > this.buf.length) {
      throw new PgoutputDecodeError(`${this.what}: truncated at byte ${this.offset} (needs ${n} more byte(s), ${this.buf.length - this.offset} left)`, this.offset)
    }
    const at = this.offset
    this.offset += n
    return at
  }
  u8(): number {
    return this.buf.readUInt8(this.need(1))
  }
  char(): string {
    return String.fromCharCode(this.u8())
  }
  u16(): number {
    return this.buf.readUInt16BE(this.need(2))
  }
  i32(): number {
    return this.buf.readInt32BE(this.need(4))
  }
  u32(): number {
    return this.buf.readUInt32BE(this.need(4))
  }
  u64(): bigint {
    return this.buf.readBigUInt64BE(this.need(8))
  }
  i64(): bigint {
    return this.buf.readBigInt64BE(this.need(8))
  }
  /** A copy, so the result outlives the (possibly reused) input buffer. */
  bytes(n: number): Buffer {
    const at = this.need(n)
    return Buffer.from(this.buf.subarray(at, at + n))
  }
  /** `n` bytes as UTF-8 text. */
  text(n: number): string {
    const at = this.need(n)
    return this.buf.toString('utf8', at, at + n)
  }
  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset)
    if (end < 0) throw new PgoutputDecodeError(`${this.what}: unterminated string at byte ${this.offset}`, this.offset)
    const s = this.buf.toString('utf8', this.offset, end)
    this.offset = end + 1
    return s
  }
  /** Fails unless every byte was consumed: extra bytes mean the message was not what we think. */
  end(): void {
    if (this.offset !== this.buf.length) {
      throw new PgoutputDecodeError(`${this.what}: ${this.buf.length - this.offset} unexpected trailing byte(s) at byte ${this.offset}`, this.offset)
    }
  }
  fail(message: string, at = this.offset): never {
    throw new PgoutputDecodeError(`${this.what}: ${message}`, at)
  }
}

// ---------------------------------------------------------------------------------------------- replication framing

/** One CopyData payload from the server during START_REPLICATION. */
export type ReplicationFrame =
  | {
      kind: 'xlogData'
      /** Start of the WAL data in this message (for pgoutput: the LSN of the change, or the end LSN for Commit). */
      walStart: Lsn
      /** The server's current end of WAL. */
      walEnd: Lsn
      serverTime: Date
      /** The pgoutput message; decode with {@link decodePgoutput}. */
      payload: Buffer
    }
  | {
      kind: 'keepalive'
      /** The server's current end of WAL. Never acknowledge it as such: it may lie inside a transaction. */
      walEnd: Lsn
      serverTime: Date
      /** The server wants a status update now (else it disconnects after `wal_sender_timeout`). */
      replyRequested: boolean
    }

/** Decode the payload of one CopyData message received during START_REPLICATION. */
export function decodeReplicationFrame(buf: Buffer): ReplicationFrame {
  const r = new Reader(buf, 'replication frame')
  const tag = r.char()
  if (tag === 'w') {
    const walStart = r.u64()
    const walEnd = r.u64()
    const serverTime = pgMicrosToDate(r.i64())
    return { kind: 'xlogData', walStart, walEnd, serverTime, payload: buf.subarray(r.offset) }
  }
  if (tag === 'k') {
    const walEnd = r.u64()
    const serverTime = pgMicrosToDate(r.i64())
    const replyRequested = r.u8() === 1
    r.end()
    return { kind: 'keepalive', walEnd, serverTime, replyRequested }
  }
  return r.fail(`unknown message type '${printable(tag)}' (expected 'w' XLogData or 'k' keepalive)`, 0)
}

/** Positions reported in a standby status update. For a logical slot, `flushed` becomes `confirmed_flush_lsn`. */
export interface StandbyStatus {
  written: Lsn
  flushed: Lsn
  applied: Lsn
  /** The client's clock. Default: now. */
  clock?: Date
  /** Ask the server to reply with a keepalive at once. Default: false. */
  replyRequested?: boolean
}

/** The CopyData payload of a standby status update ('r', 34 bytes). */
export function encodeStandbyStatus(s: StandbyStatus): Buffer {
  const b = Buffer.alloc(34)
  b.write('r', 0, 'latin1')
  b.writeBigUInt64BE(s.written, 1)
  b.writeBigUInt64BE(s.flushed, 9)
  b.writeBigUInt64BE(s.applied, 17)
  b.writeBigInt64BE(toPgMicros(s.clock ?? new Date()), 25)
  b.writeUInt8(s.replyRequested ? 1 : 0, 33)
  return b
}

// ---------------------------------------------------------------------------------------------- pgoutput messages

/**
 * A column value the server did not send: an unchanged TOASTed value ('u'). Keep the destination's
 * value. A symbol cannot be mistaken for any real value, but note that `JSON.stringify` turns it
 * into `null` inside arrays: map it before serialising.
 */
export const UNCHANGED_TOAST: unique symbol = Symbol('pgoutput.unchangedToast')
export type UnchangedToast = typeof UNCHANGED_TOAST

/** One column of a tuple: text ('t'), NULL ('n'), binary ('b', only with `binary 'true'`) or unchanged TOAST ('u'). */
export type TupleValue = string | null | Buffer | UnchangedToast
/** Values in the column order of the relation's latest Relation message (generated columns are not sent). */
export type TupleData = TupleValue[]

/** Old row image in Update/Delete: the replica-identity key columns ('K', others are null) or the full row ('O'). */
export interface OldTuple {
  identity: 'key' | 'full'
  tuple: TupleData
}

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index'

export interface RelationColumn {
  name: string
  typeOid: number
  /** `atttypmod`, -1 when none. */
  typeMod: number
  /** Part of the replica identity (flag bit 1). */
  isKey: boolean
  /** The raw flags byte. */
  flags: number
}

export interface BeginMessage {
  kind: 'begin'
  /** The transaction's commit LSN (= the Commit message's `commitLsn`). */
  finalLsn: Lsn
  commitTime: Date
  /** Commit time in microseconds since the Unix epoch (exact). */
  commitTimeMicros: bigint
  xid: number
}
export interface CommitMessage {
  kind: 'commit'
  flags: number
  commitLsn: Lsn
  /** The end LSN of the transaction: acknowledge this once the transaction is durable downstream. */
  endLsn: Lsn
  commitTime: Date
  /** Commit time in microseconds since the Unix epoch (exact). */
  commitTimeMicros: bigint
}
export interface OriginMessage {
  kind: 'origin'
  /** The commit LSN on the origin server. */
  originLsn: Lsn
  name: string
}
export interface RelationMessage {
  kind: 'relation'
  relationId: number
  /** Schema; the empty string means `pg_catalog`. */
  namespace: string
  name: string
  replicaIdentity: ReplicaIdentity
  columns: RelationColumn[]
}
export interface TypeMessage {
  kind: 'type'
  typeOid: number
  namespace: string
  name: string
}
export interface InsertMessage {
  kind: 'insert'
  relationId: number
  newTuple: TupleData
}
export interface UpdateMessage {
  kind: 'update'
  relationId: number
  /** Present when the key changed (identity 'key') or the table has REPLICA IDENTITY FULL ('full'). */
  old: OldTuple | null
  newTuple: TupleData
}
export interface DeleteMessage {
  kind: 'delete'
  relationId: number
  old: OldTuple
}
export interface TruncateMessage {
  kind: 'truncate'
  cascade: boolean
  restartIdentity: boolean
  relationIds: number[]
}
export interface LogicalMessage {
  kind: 'message'
  /** Emitted with `pg_logical_emit_message(true, …)`: arrives inside its transaction. */
  transactional: boolean
  lsn: Lsn
  prefix: string
  content: Buffer
}

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage

const REPLICA_IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' }
/** Tags of protocol versions 2+ (streaming, two-phase): we only ever ask for version 1. */
const NEWER_TAGS = new Set(['S', 'E', 'c', 'A', 'b', 'P', 'K', 'r', 'p'])

/** Decode one pgoutput (protocol version 1) message: the payload of an XLogData frame. */
export function decodePgoutput(buf: Buffer): PgoutputMessage {
  if (buf.length === 0) throw new PgoutputDecodeError('pgoutput message: empty', 0)
  const tag = String.fromCharCode(buf[0]!)
  const r = new Reader(buf, `pgoutput '${printable(tag)}' message`)
  r.offset = 1
  const msg = decodeBody(tag, r)
  r.end()
  return msg
}

function decodeBody(tag: string, r: Reader): PgoutputMessage {
  switch (tag) {
    case 'B': {
      const finalLsn = r.u64()
      const t = r.i64()
      return { kind: 'begin', finalLsn, commitTime: pgMicrosToDate(t), commitTimeMicros: pgMicrosToUnixMicros(t), xid: r.u32() }
    }
    case 'C': {
      const flags = r.u8()
      const commitLsn = r.u64()
      const endLsn = r.u64()
      const t = r.i64()
      return { kind: 'commit', flags, commitLsn, endLsn, commitTime: pgMicrosToDate(t), commitTimeMicros: pgMicrosToUnixMicros(t) }
    }
    case 'O':
      return { kind: 'origin', originLsn: r.u64(), name: r.cstring() }
    case 'R':
      return decodeRelation(r)
    case 'Y':
      return { kind: 'type', typeOid: r.u32(), namespace: r.cstring(), name: r.cstring() }
    case 'I': {
      const relationId = r.u32()
      const at = r.offset
      if (r.char() !== 'N') r.fail(`expected 'N' (new tuple) at byte ${at}`, at)
      return { kind: 'insert', relationId, newTuple: decodeTuple(r) }
    }
    case 'U': {
      const relationId = r.u32()
      let at = r.offset
      let marker = r.char()
      let old: OldTuple | null = null
      if (marker === 'K' || marker === 'O') {
        old = { identity: marker === 'K' ? 'key' : 'full', tuple: decodeTuple(r) }
        at = r.offset
        marker = r.char()
      }
      if (marker !== 'N') r.fail(`expected 'K', 'O' or 'N' at byte ${at}, got '${printable(marker)}'`, at)
      return { kind: 'update', relationId, old, newTuple: decodeTuple(r) }
    }
    case 'D': {
      const relationId = r.u32()
      const at = r.offset
      const marker = r.char()
      if (marker !== 'K' && marker !== 'O') r.fail(`expected 'K' or 'O' at byte ${at}, got '${printable(marker)}'`, at)
      return { kind: 'delete', relationId, old: { identity: marker === 'K' ? 'key' : 'full', tuple: decodeTuple(r) } }
    }
    case 'T': {
      const n = r.u32()
      const options = r.u8()
      // No preallocation by the count: a corrupt count fails as truncation, not as a huge allocation.
      const relationIds: number[] = []
      for (let i = 0; i < n; i++) relationIds.push(r.u32())
      return { kind: 'truncate', cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0, relationIds }
    }
    case 'M': {
      const flags = r.u8()
      const lsn = r.u64()
      const prefix = r.cstring()
      const len = r.i32()
      if (len < 0) r.fail(`negative content length ${len}`, r.offset - 4)
      return { kind: 'message', transactional: (flags & 1) !== 0, lsn, prefix, content: r.bytes(len) }
    }
    default:
      if (NEWER_TAGS.has(tag)) return r.fail(`message type '${tag}' belongs to pgoutput protocol version 2 or later; this decoder speaks version 1 (start replication with proto_version '1' and without streaming/two_phase)`, 0)
      return r.fail(`unknown message type '${printable(tag)}'`, 0)
  }
}

function decodeRelation(r: Reader): RelationMessage {
  const relationId = r.u32()
  const namespace = r.cstring()
  const name = r.cstring()
  const at = r.offset
  const ident = r.char()
  const replicaIdentity = REPLICA_IDENTITY[ident]
  if (!replicaIdentity) r.fail(`unknown replica identity '${printable(ident)}' at byte ${at}`, at)
  const n = r.u16()
  const columns: RelationColumn[] = []
  for (let i = 0; i < n; i++) {
    const flags = r.u8()
    columns.push({ flags, isKey: (flags & 1) !== 0, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() })
  }
  return { kind: 'relation', relationId, namespace, name, replicaIdentity, columns }
}

function decodeTuple(r: Reader): TupleData {
  const n = r.u16()
  const values: TupleData = []
  for (let i = 0; i < n; i++) {
    const at = r.offset
    const kind = r.char()
    switch (kind) {
      case 'n':
        values.push(null)
        break
      case 'u':
        values.push(UNCHANGED_TOAST)
        break
      case 't':
      case 'b': {
        const len = r.i32()
        if (len < 0) r.fail(`column ${i + 1}: negative length ${len}`, at + 1)
        values.push(kind === 't' ? r.text(len) : r.bytes(len))
        break
      }
      default:
        r.fail(`column ${i + 1}: unknown tuple value kind '${printable(kind)}' at byte ${at} (expected n, u, t or b)`, at)
    }
  }
  return values
}

function printable(c: string): string {
  const code = c.charCodeAt(0)
  return code >= 0x20 && code < 0x7f ? c : `\\x${code.toString(16).padStart(2, '0')}`
}
