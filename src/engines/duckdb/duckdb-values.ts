/**
 * Conversion of DuckDB result values to plain, JSON-safe JS values (see {@link toPlainValue}).
 */
import {
  DuckDBArrayValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUnionValue,
  DuckDBVariantValue,
  type DuckDBValue,
} from '@duckdb/node-api'
import type { Row } from '../engine-adapter.js'

/** A plain value as returned by `DuckDbAdapter.query()`. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue }

/** Integer -> number when it is a safe integer, otherwise its exact decimal string. */
function plainInteger(n: bigint): number | string {
  const asNumber = Number(n)
  return Number.isSafeInteger(asNumber) ? asNumber : n.toString()
}

/** Pad a fractional-seconds suffix to 6 digits (9 when it carries nanoseconds). */
function padFraction(text: string): string {
  return text.replace(/\.(\d+)$/, (_m, frac: string) => `.${frac.padEnd(frac.length > 6 ? 9 : 6, '0')}`)
}

function plainDate(v: DuckDBDateValue): string {
  if (v.days === DuckDBDateValue.PosInf.days) return 'infinity'
  if (v.days === DuckDBDateValue.NegInf.days) return '-infinity'
  return v.toString()
}

/**
 * Convert one DuckDB value to a plain JSON-safe value:
 *
 * | DuckDB type | JS value |
 * |---|---|
 * | NULL | `null` |
 * | BOOLEAN | `boolean` |
 * | TINYINT..INTEGER, UTINYINT..UINTEGER, FLOAT, DOUBLE | `number` (NaN/±Infinity stay numbers) |
 * | BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM | `number` when `Number.isSafeInteger`, else the exact decimal `string` |
 * | DECIMAL | `number` (nearest double) |
 * | VARCHAR, ENUM, UUID | `string` |
 * | DATE | `'YYYY-MM-DD'` (`'infinity'` / `'-infinity'`) |
 * | TIMESTAMP, TIMESTAMP_S/_MS | `'YYYY-MM-DD HH:MM:SS'`, plus `'.ffffff'` when the fraction is non-zero |
 * | TIMESTAMP_NS | same, with 9 fractional digits when there are sub-microsecond digits |
 * | TIMESTAMPTZ | the UTC instant in the TIMESTAMP format (no offset, no `T`) |
 * | TIME, TIMETZ, BLOB, BIT, GEOMETRY | DuckDB's text form (`'01:02:03'`, `'\xAB'`, `'0101'`) |
 * | INTERVAL | `{ months, days, micros }` (micros by the BIGINT rule) |
 * | LIST, ARRAY | array of converted values |
 * | STRUCT | object of converted values |
 * | MAP | array of `{ key, value }` (keys need not be strings) |
 * | UNION | `{ tag, value }` |
 * | VARIANT | the converted inner value |
 */
export function toPlainValue(v: DuckDBValue): PlainValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v
  if (typeof v === 'bigint') return plainInteger(v)
  if (v instanceof DuckDBDecimalValue) return v.toDouble()
  if (v instanceof DuckDBDateValue) return plainDate(v)
  if (v instanceof DuckDBTimestampTZValue) return padFraction(new DuckDBTimestampValue(v.micros).toString())
  if (
    v instanceof DuckDBTimestampValue ||
    v instanceof DuckDBTimestampSecondsValue ||
    v instanceof DuckDBTimestampMillisecondsValue ||
    v instanceof DuckDBTimestampNanosecondsValue
  ) {
    return padFraction(v.toString())
  }
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(toPlainValue)
  if (v instanceof DuckDBStructValue) {
    const out: { [key: string]: PlainValue } = {}
    for (const [k, item] of Object.entries(v.entries)) out[k] = toPlainValue(item)
    return out
  }
  if (v instanceof DuckDBMapValue) return v.entries.map((e) => ({ key: toPlainValue(e.key), value: toPlainValue(e.value) }))
  if (v instanceof DuckDBUnionValue) return { tag: v.tag, value: toPlainValue(v.value) }
  if (v instanceof DuckDBIntervalValue) return { months: v.months, days: v.days, micros: plainInteger(v.micros) }
  if (v instanceof DuckDBVariantValue) return toPlainValue(v.value)
  // TIME, TIME_NS, TIMETZ, BLOB, BIT, UUID, GEOMETRY: DuckDB's own text rendering.
  return v.toString()
}

/** Convert a row of DuckDB values (column name -> value) with {@link toPlainValue}. */
export function toPlainRow(row: Record<string, DuckDBValue>): Row {
  const out: Row = {}
  for (const [k, v] of Object.entries(row)) out[k] = toPlainValue(v)
  return out
}
