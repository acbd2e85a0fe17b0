/**
 * Type-aware equality of an expected test cell and a value DuckDB produced. The output column's
 * DuckDB type decides how the expected cell is read: numbers match within a relative tolerance of
 * 1e-9 (an integer matches the same float), dates and timestamps match as instants
 * (`2024-01-01` = `'2024-01-01 00:00:00'`), booleans accept `true`/`'true'`/`1`, NULL equals NULL.
 */
import { parseTemporal } from './values.js'

/** How values of a DuckDB type compare. */
export type TypeCategory = 'bool' | 'number' | 'date' | 'timestamp' | 'string' | 'json' | 'nested' | 'other'

/** Relative tolerance for numbers. */
export const NUMBER_TOLERANCE = 1e-9

/**
 * Category of a DuckDB type name as `DESCRIBE` prints it.
 * @example typeCategory('DECIMAL(18,3)') // 'number'
 */
export function typeCategory(type: string): TypeCategory {
  const t = type.trim().toUpperCase()
  if (/\]$/.test(t) || /^(STRUCT|MAP|UNION)\b/.test(t)) return 'nested'
  if (t === 'BOOLEAN' || t === 'BOOL') return 'bool'
  if (/^(U?(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT)|INT\d|FLOAT\d?|DOUBLE|REAL|DECIMAL|NUMERIC|BIGNUM|VARINT)\b/.test(t)) return 'number'
  if (t === 'DATE') return 'date'
  if (t.startsWith('TIMESTAMP')) return 'timestamp'
  if (t === 'JSON') return 'json'
  if (t === 'VARCHAR' || t.startsWith('VARCHAR(') || t === 'UUID' || t.startsWith('ENUM')) return 'string'
  return 'other'
}

/** True when expected cell `e` equals produced value `a` for a column of category `cat`. */
export function cellsEqual(e: unknown, a: unknown, cat: TypeCategory): boolean {
  if (e === null || e === undefined || a === null || a === undefined) return (e ?? null) === (a ?? null)
  switch (cat) {
    case 'number':
      return numbersEqual(e, a)
    case 'date':
    case 'timestamp':
      return temporalEqual(e, a)
    case 'bool':
      return toBool(e) === toBool(a) && toBool(a) !== undefined
    case 'string':
      return typeof e === 'object' ? genericEqual(e, tryJson(a)) : String(e) === String(a)
    case 'json':
      return genericEqual(typeof e === 'string' ? tryJson(e) : e, tryJson(a))
    default:
      return genericEqual(typeof e === 'string' && typeof a === 'object' ? tryJson(e) : e, a)
  }
}

/** Deep equality without type information (lists, structs, nested values). */
export function genericEqual(e: unknown, a: unknown): boolean {
  if (e === null || e === undefined || a === null || a === undefined) return (e ?? null) === (a ?? null)
  if (isNumeric(e) && isNumeric(a) && (typeof e !== 'string' || typeof a !== 'string')) return numbersEqual(e, a)
  if (typeof e === 'string' && typeof a === 'string') {
    if (e === a) return true
    const te = parseTemporal(e)
    const ta = te && parseTemporal(a)
    return te !== undefined && ta !== undefined && te.micros === ta.micros
  }
  if (typeof e === 'boolean' || typeof a === 'boolean') return toBool(e) === toBool(a) && toBool(a) !== undefined
  if (Array.isArray(e) || Array.isArray(a)) {
    return Array.isArray(e) && Array.isArray(a) && e.length === a.length && e.every((x, i) => genericEqual(x, a[i]))
  }
  if (typeof e === 'object' && typeof a === 'object') {
    const ae = new Map(Object.entries(a as object).map(([k, v]) => [k.toLowerCase(), v] as const))
    const ee = Object.entries(e as object)
    return ee.length === ae.size && ee.every(([k, v]) => ae.has(k.toLowerCase()) && genericEqual(v, ae.get(k.toLowerCase())))
  }
  return String(e) === String(a)
}

const NUMERIC_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i
const INTEGER_RE = /^\s*[+-]?\d+\s*$/

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && NUMERIC_RE.test(v))
}

/** Numbers (or numeric text) equal within the relative tolerance; big integers compare exactly. */
export function numbersEqual(e: unknown, a: unknown): boolean {
  if (!isNumeric(e) || !isNumeric(a)) {
    // NaN / Infinity come back as numbers; text like 'NaN' compares as text.
    if (typeof e === 'number' && typeof a === 'number') return Object.is(e, a) || e === a
    return String(e) === String(a)
  }
  const big = (v: unknown): bigint | undefined =>
    typeof v === 'bigint' ? v : typeof v === 'string' && INTEGER_RE.test(v) ? BigInt(v.trim()) : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined
  const be = big(e)
  const ba = big(a)
  if (be !== undefined && ba !== undefined) {
    const unsafe = (x: bigint): boolean => x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER)
    if (unsafe(be) || unsafe(ba)) return be === ba
  }
  const x = Number(e)
  const y = Number(a)
  if (x === y) return true
  if (Number.isNaN(x) && Number.isNaN(y)) return true
  return Math.abs(x - y) <= NUMBER_TOLERANCE * Math.max(Math.abs(x), Math.abs(y))
}

function temporalEqual(e: unknown, a: unknown): boolean {
  if (typeof e !== 'string' || typeof a !== 'string') return String(e) === String(a)
  const te = parseTemporal(e)
  const ta = parseTemporal(a)
  if (!te || !ta) return e.trim() === a.trim()
  return te.micros === ta.micros
}

function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (v === 1 || v === 0) return v === 1
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase()
    if (s === 'true' || s === 't' || s === '1') return true
    if (s === 'false' || s === 'f' || s === '0') return false
  }
  return undefined
}

function tryJson(v: unknown): unknown {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v) as unknown
  } catch {
    return v
  }
}
