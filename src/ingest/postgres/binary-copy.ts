/**
 * A streaming decoder of Postgres' binary COPY format (`COPY … TO STDOUT (FORMAT binary)`) straight
 * into DuckDB's in-memory vector layout, so the sink only has to memcpy each column into a
 * `DuckDBDataChunk`: no JS value per field, no bigint, no string unless the target needs one.
 *
 * Format (PostgreSQL docs, "COPY", Binary Format): the 11-byte signature `PGCOPY\n\377\r\n\0`, an
 * int32 flags field, an int32 header-extension length and that many bytes; then per tuple an int16
 * field count followed by, per field, an int32 length (-1 = NULL) and the field's `typsend` bytes;
 * finally the int16 -1 trailer. All integers are big-endian. Chunks may split anything anywhere.
 */
import { isUtf8 } from 'node:buffer'
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  DuckDBUUIDValue,
} from '@duckdb/node-api'
import { EngineError } from '../../errors.js'
import { planColumn, type ColumnPlan, type DecodeKind, type PgColumn } from './pg-types.js'

/** Why a copy failed: the stream is malformed, or it holds a value the DuckDB column cannot store. */
export type CopyFailure = 'COPY_FORMAT_INVALID' | 'COPY_VALUE_UNSUPPORTED'

/** The stream is not a well-formed binary COPY stream for these columns, or a value cannot be stored. */
export class CopyFormatError extends EngineError {
  /** The finer reason; `code` is always 'INGEST_FAILED'. */
  readonly reason: CopyFailure
  constructor(message: string, reason: CopyFailure = 'COPY_FORMAT_INVALID') {
    super('INGEST_FAILED', message)
    this.reason = reason
  }
}

/** One batch of decoded rows, column-major. Valid only until `onBatch` returns: the buffers are reused. */
export interface ColumnBatch {
  /** Rows in this batch, 1 … batchRows. */
  rowCount: number
  /** One vector per column, in the order of the `columns` given to the decoder. */
  columns: ColumnVector[]
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
/** Microseconds and days between the Postgres epoch (2000-01-01) and the Unix epoch DuckDB uses. */
const EPOCH_SHIFT_US = 946_684_800_000_000
const EPOCH_SHIFT_HI = Math.floor(EPOCH_SHIFT_US / 2 ** 32)
const EPOCH_SHIFT_LO = EPOCH_SHIFT_US - EPOCH_SHIFT_HI * 2 ** 32
const EPOCH_SHIFT_DAYS = 10_957
const INT32_MAX = 0x7fffffff
const INT32_MIN = -0x80000000
const NUMERIC_NEG = 0x4000
const NUMERIC_NAN = 0xc000
const NUMERIC_PINF = 0xd000
const NUMERIC_NINF = 0xf000
/** Inline capacity of a DuckDB `string_t`: longer values live in a heap and are patched in by the sink. */
export const STRING_INLINE_MAX = 12

const KIND_CODE: Record<DecodeKind, number> = {
  bool: 0, int2: 1, int4: 2, int8: 3, oid: 4, float4: 5, float8: 6, decimal: 7, numericText: 8,
  varchar: 9, json: 10, jsonb: 11, bytea: 12, uuid: 13, date: 14, time: 15, timestamp: 16, timestamptz: 17, interval: 18,
}
/** Field length each fixed-size kind must have on the wire (-1: variable). */
const WIRE_SIZE = [1, 2, 4, 8, 4, 4, 8, -1, -1, -1, -1, -1, -1, 16, 4, 8, 8, 8, 16]

/**
 * One column of a batch in DuckDB's vector layout (little-endian values, a 64-bit-word validity
 * mask with bit set = valid). Strings are 16-byte `duckdb_string_t` slots: up to 12 bytes inline,
 * longer ones hold their heap offset in the pointer field until the sink patches in real pointers.
 */
export class ColumnVector {
  /** How the column is decoded and which DuckDB type it fills, e.g. `{ kind: 'decimal', duckdbType: 'DECIMAL(12,2)', width: 8 }`. */
  readonly plan: ColumnPlan
  /** The source column's name, for error messages. */
  readonly name: string
  /** `capacity * plan.width` bytes. */
  readonly data: Uint8Array<ArrayBuffer>
  /** A DataView over `data`. */
  readonly view: DataView
  /** `ceil(capacity / 64) * 8` bytes, DuckDB's validity layout. */
  readonly validity: Uint8Array<ArrayBuffer>
  /** NULLs in the current batch; 0 lets the sink skip the validity mask. */
  nullCount = 0
  /** Strings: bytes of the values that are not inline, plus non-ASCII inline text (for UTF-8 checks). */
  heap: Buffer = Buffer.alloc(0)
  heapLength = 0
  /** Strings: the rows whose slot points into `heap`. */
  longRows: Int32Array = new Int32Array(0)
  longCount = 0

  constructor(column: PgColumn, capacity: number) {
    this.plan = planColumn(column)
    this.name = column.name
    this.data = new Uint8Array(capacity * this.plan.width)
    this.view = new DataView(this.data.buffer)
    this.validity = new Uint8Array(Math.ceil(capacity / 64) * 8).fill(0xff)
    if (this.plan.width === 16 && isStringKind(this.plan.kind)) {
      this.heap = Buffer.allocUnsafe(64 * 1024)
      this.longRows = new Int32Array(capacity)
    }
  }

  /** Forget the previous batch. */
  reset(): void {
    if (this.nullCount > 0) this.validity.fill(0xff)
    this.nullCount = 0
    this.heapLength = 0
    this.longCount = 0
  }

  setNull(row: number): void {
    this.validity[row >> 3]! &= ~(1 << (row & 7))
    this.nullCount++
    // A string slot is read even when NULL by some DuckDB paths: keep it a valid empty string.
    if (this.plan.width === 16) this.data.fill(0, row * 16, row * 16 + 16)
  }

  private rowHeapLength = 0
  private rowLongCount = 0

  /** Remember where the current row's strings start… */
  markRow(): void {
    this.rowHeapLength = this.heapLength
    this.rowLongCount = this.longCount
  }

  /** …and forget them when the row turns out to be incomplete (it is decoded again later). */
  rollBack(): void {
    this.heapLength = this.rowHeapLength
    this.longCount = this.rowLongCount
  }

  isNull(row: number): boolean {
    return (this.validity[row >> 3]! & (1 << (row & 7))) === 0
  }

  /** Append bytes to the heap (growing it), returning their offset. */
  appendHeap(src: Buffer, start: number, length: number): number {
    const at = this.heapLength
    if (at + length > this.heap.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.heap.length * 2, at + length))
      this.heap.copy(grown, 0, 0, at)
      this.heap = grown
    }
    if (length < 48) {
      const h = this.heap
      for (let k = 0; k < length; k++) h[at + k] = src[start + k]!
    } else {
      src.copy(this.heap, at, start, start + length)
    }
    this.heapLength = at + length
    return at
  }

  /** The decoded value of one row as a JS / @duckdb/node-api value (for tests and diagnostics). */
  get(row: number): unknown {
    if (this.isNull(row)) return null
    const v = this.view
    const o = row * this.plan.width
    switch (this.plan.kind) {
      case 'bool':
        return this.data[o] !== 0
      case 'int2':
        return v.getInt16(o, true)
      case 'int4':
        return v.getInt32(o, true)
      case 'oid':
        return v.getUint32(o, true)
      case 'int8':
        return v.getBigInt64(o, true)
      case 'float4':
        return v.getFloat32(o, true)
      case 'float8':
        return v.getFloat64(o, true)
      case 'decimal':
        return new DuckDBDecimalValue(readSigned(v, o, this.plan.width), this.plan.precision!, this.plan.scale!)
      case 'uuid':
        return DuckDBUUIDValue.fromStoredHugeInt(readSigned(v, o, 16))
      case 'date':
        return new DuckDBDateValue(v.getInt32(o, true))
      case 'time':
        return new DuckDBTimeValue(v.getBigInt64(o, true))
      case 'timestamp':
        return new DuckDBTimestampValue(v.getBigInt64(o, true))
      case 'timestamptz':
        return new DuckDBTimestampTZValue(v.getBigInt64(o, true))
      case 'interval':
        return new DuckDBIntervalValue(v.getInt32(o, true), v.getInt32(o + 4, true), v.getBigInt64(o + 8, true))
      case 'bytea':
        return Uint8Array.from(this.stringBytes(row))
      case 'varchar':
      case 'json':
      case 'jsonb':
      case 'numericText':
        return this.stringBytes(row).toString('utf8')
    }
  }

  /** The bytes of a string slot (valid until the sink has patched pointers in). */
  stringBytes(row: number): Buffer {
    const o = row * 16
    const len = this.view.getUint32(o, true)
    if (len <= STRING_INLINE_MAX) return Buffer.from(this.data.buffer, o + 4, len)
    const at = this.view.getUint32(o + 8, true)
    return this.heap.subarray(at, at + len)
  }
}

/** Kinds stored as 16-byte `duckdb_string_t` slots. */
export function isStringKind(kind: DecodeKind): boolean {
  return kind === 'varchar' || kind === 'json' || kind === 'jsonb' || kind === 'bytea' || kind === 'numericText'
}

function readSigned(v: DataView, o: number, width: number): bigint {
  if (width === 2) return BigInt(v.getInt16(o, true))
  if (width === 4) return BigInt(v.getInt32(o, true))
  if (width === 8) return v.getBigInt64(o, true)
  return (v.getBigInt64(o + 8, true) << 64n) | v.getBigUint64(o, true)
}

/**
 * Decode a binary COPY stream; calls onBatch with up to batchRows rows (default 2048), awaited
 * (back-pressure). Returns total rows. The batch's buffers are reused once onBatch has returned.
 */
export async function decodeBinaryCopy(
  source: AsyncIterable<Buffer>,
  columns: readonly PgColumn[],
  onBatch: (b: ColumnBatch) => Promise<void> | void,
  batchRows = 2048,
): Promise<number> {
  const decoder = new BinaryCopyDecoder(columns, batchRows)
  for await (const chunk of source) {
    if (!decoder.feed(chunk)) continue
    while (decoder.decode()) {
      await onBatch(decoder.batch)
      decoder.startBatch()
    }
  }
  decoder.finish()
  if (decoder.batch.rowCount > 0) await onBatch(decoder.batch)
  return decoder.totalRows
}

/** The state machine behind {@link decodeBinaryCopy}; exported for tests and custom drivers. */
export class BinaryCopyDecoder {
  readonly batch: ColumnBatch
  totalRows = 0
  private readonly vectors: ColumnVector[]
  private readonly codes: Int32Array
  /** The columns whose heap a half-decoded row has to give back. */
  private readonly stringColumns: ColumnVector[]
  private readonly batchRows: number
  private state: 'header' | 'rows' | 'done' = 'header'
  private buf: Buffer = Buffer.alloc(0)
  private dv: DataView = new DataView(new ArrayBuffer(0))
  private pos = 0
  /** Bytes from `pos` needed before decoding can make progress. */
  private need = 1
  private pending: Buffer[] = []
  private pendingBytes = 0
  private readonly scratch: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)]
  private scratchTurn = 0

  constructor(columns: readonly PgColumn[], batchRows = 2048) {
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`)
    this.batchRows = batchRows
    this.vectors = columns.map((c) => new ColumnVector(c, batchRows))
    this.codes = Int32Array.from(this.vectors, (v) => KIND_CODE[v.plan.kind])
    this.stringColumns = this.vectors.filter((v) => isStringKind(v.plan.kind))
    this.batch = { rowCount: 0, columns: this.vectors }
  }

  /** Add the next chunk; false while too few bytes are buffered to make progress. */
  feed(chunk: Buffer): boolean {
    if (chunk.length === 0) return false
    if (this.state === 'done') throw new CopyFormatError(`binary COPY stream: ${chunk.length} unexpected bytes after the trailer`)
    const left = this.buf.length - this.pos
    if (left === 0 && this.pending.length === 0) {
      this.setBuffer(chunk)
    } else {
      this.pending.push(chunk)
      this.pendingBytes += chunk.length
      if (left + this.pendingBytes < this.need) return false
      this.setBuffer(this.joinPending(left))
    }
    return true
  }

  /**
   * The unread bytes and the pending chunks as one buffer. Two scratch buffers take turns (the
   * unread bytes may live in the other one), so a row split across chunks costs a copy, not an
   * allocation; nothing decoded keeps a reference into them.
   */
  private joinPending(left: number): Buffer {
    const size = left + this.pendingBytes
    let out = this.scratch[this.scratchTurn]!
    if (out.length < size) out = this.scratch[this.scratchTurn] = Buffer.allocUnsafe(Math.max(size, out.length * 2, 64 * 1024))
    this.scratchTurn ^= 1
    let at = this.buf.copy(out, 0, this.pos, this.buf.length)
    for (const c of this.pending) at += c.copy(out, at)
    this.pending = []
    this.pendingBytes = 0
    return out.subarray(0, size)
  }

  /** Decode buffered rows; true when the batch is full (hand it on, then call startBatch()). */
  decode(): boolean {
    if (this.state === 'header' && !this.readHeader()) return false
    if (this.state === 'done' || this.batch.rowCount >= this.batchRows) return this.batch.rowCount >= this.batchRows
    return this.readRows()
  }

  startBatch(): void {
    for (const v of this.vectors) v.reset()
    this.batch.rowCount = 0
  }

  /** The source has ended: anything but a complete stream is an error. */
  finish(): void {
    if (this.state === 'done') return
    // Bytes still pending are fewer than the next step needs (feed() would have handed them on).
    const left = this.buf.length - this.pos + this.pendingBytes
    if (this.state === 'header') {
      this.setBuffer(this.joinPending(this.buf.length - this.pos))
      this.readHeader() // a wrong signature is the better message
      throw new CopyFormatError(`binary COPY stream ended inside the header (${left} bytes; expected the 19-byte signature, flags and extension length)`)
    }
    throw new CopyFormatError(
      left === 0
        ? `binary COPY stream ended after ${this.totalRows} rows without the trailer (int16 -1)`
        : `binary COPY stream truncated in row ${this.totalRows + 1}: ${left} bytes left, expected at least ${this.need}`,
    )
  }

  private setBuffer(b: Buffer): void {
    this.buf = b
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
    this.pos = 0
  }

  private readHeader(): boolean {
    const left = this.buf.length - this.pos
    const prefix = Math.min(left, SIGNATURE.length)
    if (this.buf.compare(SIGNATURE, 0, prefix, this.pos, this.pos + prefix) !== 0) {
      throw new CopyFormatError('not a binary COPY stream: expected the signature PGCOPY\\n\\377\\r\\n\\0 (was the COPY run WITH (FORMAT binary)?)')
    }
    if (left < 19) return this.wait(19)
    const flags = this.dv.getInt32(this.pos + 11)
    if (flags & 0x10000) throw new CopyFormatError('binary COPY stream has OIDs included (flag bit 16); not supported')
    if (flags & ~0xffff & ~0x10000) throw new CopyFormatError(`binary COPY stream has unknown critical header flags 0x${(flags >>> 0).toString(16)}`)
    const ext = this.dv.getInt32(this.pos + 15)
    if (ext < 0) throw new CopyFormatError(`binary COPY header extension length is negative (${ext})`)
    if (left < 19 + ext) return this.wait(19 + ext)
    this.pos += 19 + ext
    this.state = 'rows'
    return true
  }

  private wait(bytes: number): false {
    this.need = bytes
    return false
  }

  private readRows(): boolean {
    const dv = this.dv
    const end = this.buf.length
    const ncols = this.vectors.length
    const batchRows = this.batchRows
    let pos = this.pos
    let row = this.batch.rowCount
    try {
      while (row < batchRows) {
        if (end - pos < 2) return this.wait(2)
        const n = dv.getInt16(pos)
        if (n !== ncols) {
          if (n === -1) {
            pos += 2
            this.state = 'done'
            if (pos !== end) throw new CopyFormatError(`binary COPY stream: ${end - pos} unexpected bytes after the trailer`)
            return false
          }
          throw new CopyFormatError(`binary COPY row ${this.totalRows + 1}: expected ${ncols} fields, got ${n}`)
        }
        const p = this.decodeRow(pos + 2, row, end)
        if (p < 0) {
          // The row goes on in the next chunk: forget what it appended, decode it again then.
          for (const col of this.stringColumns) col.rollBack()
          return this.wait(-p - pos)
        }
        pos = p
        row++
        this.totalRows++
      }
      return true
    } finally {
      this.pos = pos
      this.batch.rowCount = row
    }
  }

  /**
   * Decode one row into slot `row`; returns the position after it, or, when the buffer ends inside
   * the row, minus the position up to which bytes are needed to get further.
   */
  private decodeRow(start: number, row: number, end: number): number {
    const src = this.buf
    const dv = this.dv
    const vectors = this.vectors
    const codes = this.codes
    for (const col of this.stringColumns) col.markRow()
    let p = start
    for (let c = 0; c < vectors.length; c++) {
      const col = vectors[c]!
      if (end - p < 4) return -(p + 4)
      const len = dv.getInt32(p)
      p += 4
      if (len < 0) {
        if (len !== -1) throw this.fieldError(col, `invalid field length ${len}`)
        col.setNull(row)
        continue
      }
      if (end - p < len) return -(p + len)
      const code = codes[c]!
      const wire = WIRE_SIZE[code]!
      if (wire !== -1 && len !== wire) throw this.fieldError(col, `expected ${wire} bytes, got ${len}`)
      const d = col.view
      switch (code) {
        case 0: // bool
          col.data[row] = src[p] === 0 ? 0 : 1
          break
        case 1: // int2
          d.setInt16(row * 2, dv.getInt16(p), true)
          break
        case 2: // int4
        case 4: // oid (same bytes, read back as unsigned)
        case 5: // float4 (bit pattern)
          d.setInt32(row * 4, dv.getInt32(p), true)
          break
        case 3: // int8
        case 6: // float8
        case 15: // time: int64 microseconds since midnight in both
          d.setInt32(row * 8, dv.getInt32(p + 4), true)
          d.setInt32(row * 8 + 4, dv.getInt32(p), true)
          break
        case 7:
          writeDecimal(col, row, dv, p, len, this)
          break
        case 8:
          putString(col, row, numericText(dv, p, len, this, col))
          break
        case 9: // varchar
        case 10: // json: the text itself
          putBytes(col, row, src, p, len, true)
          break
        case 11: // jsonb: a version byte, then the text
          if (len < 1 || src[p] !== 1) throw this.fieldError(col, `unsupported jsonb binary version ${len < 1 ? '(empty)' : src[p]}`)
          putBytes(col, row, src, p + 1, len - 1, true)
          break
        case 12:
          putBytes(col, row, src, p, len, false)
          break
        case 13: // uuid -> DuckDB hugeint (little-endian, most significant bit flipped)
          d.setUint32(row * 16, dv.getUint32(p + 12), true)
          d.setUint32(row * 16 + 4, dv.getUint32(p + 8), true)
          d.setUint32(row * 16 + 8, dv.getUint32(p + 4), true)
          d.setUint32(row * 16 + 12, (dv.getUint32(p) ^ 0x80000000) >>> 0, true)
          break
        case 14:
          d.setInt32(row * 4, shiftDate(dv.getInt32(p)), true)
          break
        case 16:
        case 17:
          writeTimestamp(d, row * 8, dv.getInt32(p), dv.getUint32(p + 4), this, col)
          break
        case 18: // interval: Postgres (int64 µs, int32 days, int32 months) -> DuckDB (months, days, µs)
          d.setInt32(row * 16, dv.getInt32(p + 12), true)
          d.setInt32(row * 16 + 4, dv.getInt32(p + 8), true)
          d.setInt32(row * 16 + 8, dv.getInt32(p + 4), true)
          d.setInt32(row * 16 + 12, dv.getInt32(p), true)
          break
      }
      p += len
    }
    return p
  }

  /** An error naming the row (1-based, over the whole stream) and column. */
  fieldError(col: ColumnVector, what: string, reason: CopyFailure = 'COPY_FORMAT_INVALID'): CopyFormatError {
    return new CopyFormatError(`binary COPY row ${this.totalRows + 1}, column "${col.name}" (${col.plan.duckdbType}): ${what}`, reason)
  }
}

/** Postgres ±infinity dates are INT32_MAX / INT32_MIN; DuckDB's are INT32_MAX / -INT32_MAX. */
function shiftDate(days: number): number {
  if (days === INT32_MAX) return INT32_MAX
  if (days === INT32_MIN) return -INT32_MAX
  return days + EPOCH_SHIFT_DAYS
}

/**
 * int64 µs since 2000 (as hi/lo halves) -> int64 µs since 1970, without bigint. ±infinity
 * (INT64_MAX / INT64_MIN in Postgres) map to DuckDB's INT64_MAX / -INT64_MAX.
 */
function writeTimestamp(d: DataView, o: number, hi: number, lo: number, dec: BinaryCopyDecoder, col: ColumnVector): void {
  if (hi === INT32_MAX && lo === 0xffffffff) {
    d.setUint32(o, 0xffffffff, true)
    d.setInt32(o + 4, INT32_MAX, true)
    return
  }
  if (hi === INT32_MIN && lo === 0) {
    d.setUint32(o, 1, true)
    d.setInt32(o + 4, INT32_MIN, true)
    return
  }
  let l = lo + EPOCH_SHIFT_LO
  let h = hi + EPOCH_SHIFT_HI
  if (l >= 2 ** 32) {
    l -= 2 ** 32
    h++
  }
  // Postgres reaches year 294276, DuckDB 294247; the top value is DuckDB's infinity.
  if (h > INT32_MAX || (h === INT32_MAX && l === 0xffffffff)) {
    throw dec.fieldError(col, 'timestamp beyond DuckDB\'s range (after 294247-01-10)', 'COPY_VALUE_UNSUPPORTED')
  }
  d.setUint32(o, l, true)
  d.setInt32(o + 4, h, true)
}

/** A string slot: inline when short, else the prefix and heap offset (the sink patches the pointer). */
function putBytes(col: ColumnVector, row: number, src: Buffer, p: number, len: number, text: boolean): void {
  const d = col.data
  const o = row * 16
  col.view.setUint32(o, len, true)
  if (len <= STRING_INLINE_MAX) {
    let any = 0
    let k = 0
    for (; k < len; k++) {
      const b = src[p + k]!
      any |= b
      d[o + 4 + k] = b
    }
    for (; k < STRING_INLINE_MAX; k++) d[o + 4 + k] = 0
    // Non-ASCII short text still goes through the heap, only so the sink can check it is UTF-8.
    if (text && any >= 0x80) col.appendHeap(src, p, len)
    return
  }
  d[o + 4] = src[p]!
  d[o + 5] = src[p + 1]!
  d[o + 6] = src[p + 2]!
  d[o + 7] = src[p + 3]!
  col.view.setUint32(o + 8, col.appendHeap(src, p, len), true)
  col.view.setUint32(o + 12, 0, true)
  col.longRows[col.longCount++] = row
}

function putString(col: ColumnVector, row: number, s: string): void {
  const bytes = Buffer.from(s, 'latin1')
  putBytes(col, row, bytes, 0, bytes.length, false)
}

/** Header of a numeric's binary form: int16 ndigits, int16 weight, uint16 sign, uint16 dscale, then base-10000 digits. */
function numericHeader(dv: DataView, p: number, len: number, dec: BinaryCopyDecoder, col: ColumnVector): { ndigits: number; weight: number; sign: number; dscale: number } {
  if (len < 8) throw dec.fieldError(col, `numeric field of ${len} bytes is shorter than its 8-byte header`)
  const ndigits = dv.getInt16(p)
  if (ndigits < 0 || len !== 8 + 2 * ndigits) throw dec.fieldError(col, `numeric field of ${len} bytes does not hold ${ndigits} digits`)
  return { ndigits, weight: dv.getInt16(p + 2), sign: dv.getUint16(p + 4), dscale: dv.getUint16(p + 6) }
}

/** Postgres' own text form of a numeric (numeric_out): exact, `dscale` fraction digits. */
export function numericText(dv: DataView, p: number, len: number, dec: BinaryCopyDecoder, col: ColumnVector): string {
  const { ndigits, weight, sign, dscale } = numericHeader(dv, p, len, dec, col)
  if (sign === NUMERIC_NAN) return 'NaN'
  if (sign === NUMERIC_PINF) return 'Infinity'
  if (sign === NUMERIC_NINF) return '-Infinity'
  const digit = (i: number): number => (i >= 0 && i < ndigits ? dv.getInt16(p + 8 + 2 * i) : 0)
  let out = sign === NUMERIC_NEG ? '-' : ''
  if (weight < 0) out += '0'
  for (let i = 0; i <= weight; i++) out += i === 0 ? String(digit(i)) : String(digit(i)).padStart(4, '0')
  if (dscale > 0) {
    let frac = ''
    for (let i = weight + 1; frac.length < dscale; i++) frac += String(digit(i)).padStart(4, '0')
    out += '.' + frac.slice(0, dscale)
  }
  return out
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

/** numeric -> DECIMAL(p,s)'s scaled integer, in the vector's 2/4/8/16-byte slot. Exact or an error. */
function writeDecimal(col: ColumnVector, row: number, dv: DataView, p: number, len: number, dec: BinaryCopyDecoder): void {
  const { ndigits, weight, sign } = numericHeader(dv, p, len, dec, col)
  if (sign !== 0 && sign !== NUMERIC_NEG) {
    const what = sign === NUMERIC_NAN ? 'NaN' : sign === NUMERIC_PINF ? 'Infinity' : sign === NUMERIC_NINF ? '-Infinity' : `sign 0x${sign.toString(16)}`
    throw dec.fieldError(col, `${what} cannot be stored in ${col.plan.duckdbType}`, 'COPY_VALUE_UNSUPPORTED')
  }
  const scale = col.plan.scale!
  const width = col.plan.width
  const o = row * width
  // value = digits as one integer × 10^shift
  const shift = scale - 4 * (ndigits - 1 - weight)
  let v = 0
  let exact = true
  for (let i = 0; i < ndigits; i++) v = v * 10000 + dv.getInt16(p + 8 + 2 * i)
  if (ndigits === 0) v = 0
  else if (v > Number.MAX_SAFE_INTEGER) exact = false
  else if (shift >= 0) {
    if (shift >= POW10.length) exact = false
    else {
      v *= POW10[shift]!
      if (v > Number.MAX_SAFE_INTEGER) exact = false
    }
  } else if (-shift >= POW10.length || v % POW10[-shift]! !== 0) exact = false
  else v /= POW10[-shift]!
  if (exact && v < POW10[Math.min(col.plan.precision!, 22)]!) {
    const sv = sign === NUMERIC_NEG ? -v : v
    const d = col.view
    if (width === 2) d.setInt16(o, sv, true)
    else if (width === 4) d.setInt32(o, sv, true)
    else {
      const hi = Math.floor(sv / 2 ** 32)
      d.setUint32(o, sv - hi * 2 ** 32, true)
      d.setInt32(o + 4, hi, true)
      if (width === 16) {
        d.setInt32(o + 8, hi < 0 ? -1 : 0, true)
        d.setInt32(o + 12, hi < 0 ? -1 : 0, true)
      }
    }
    return
  }
  writeDecimalBig(col, o, dv, p, ndigits, sign, shift, dec)
}

/** The bigint path: more than 15 significant digits, or a fraction finer than the scale (an error). */
function writeDecimalBig(col: ColumnVector, o: number, dv: DataView, p: number, ndigits: number, sign: number, shift: number, dec: BinaryCopyDecoder): void {
  let v = 0n
  for (let i = 0; i < ndigits; i++) v = v * 10000n + BigInt(dv.getInt16(p + 8 + 2 * i))
  if (shift >= 0) v *= 10n ** BigInt(shift)
  else {
    const div = 10n ** BigInt(-shift)
    if (v % div !== 0n) throw dec.fieldError(col, `value has more fraction digits than ${col.plan.duckdbType} holds`, 'COPY_VALUE_UNSUPPORTED')
    v /= div
  }
  if (v >= 10n ** BigInt(col.plan.precision!)) throw dec.fieldError(col, `value has more digits than ${col.plan.duckdbType} holds`, 'COPY_VALUE_UNSUPPORTED')
  if (sign === NUMERIC_NEG) v = -v
  const d = col.view
  switch (col.plan.width) {
    case 2:
      d.setInt16(o, Number(v), true)
      break
    case 4:
      d.setInt32(o, Number(v), true)
      break
    case 8:
      d.setBigInt64(o, v, true)
      break
    default:
      d.setBigUint64(o, BigInt.asUintN(64, v), true)
      d.setBigInt64(o + 8, v >> 64n, true)
  }
}

/** Is every heap-held text value of this vector valid UTF-8? (DuckDB would silently store NULL otherwise.) */
export function heapIsUtf8(col: ColumnVector): boolean {
  return col.heapLength === 0 || isUtf8(col.heap.subarray(0, col.heapLength))
}
