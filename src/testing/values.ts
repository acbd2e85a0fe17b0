/**
 * Typing of test data: column types inferred from cells, SQL literals for DuckDB, and parsing of
 * date/timestamp text to a comparable instant.
 */
import type { Cell } from './types.js'
import { quoteString } from '../sql/quote.js'

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/
const TEMPORAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const INT_RE = /^[+-]?\d+$/
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i

/** A parsed date or timestamp. */
export interface Temporal {
  /** Microseconds since the epoch, UTC (an offset, when written, is applied). */
  micros: number
  /** True when a time of day was written. */
  hasTime: boolean
  /** True when a `Z` or `±hh:mm` offset was written. */
  hasOffset: boolean
}

/**
 * Parse `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fffffffff]]` (space or `T`), with an optional `Z` or
 * `±hh[:mm]` offset. Returns undefined for anything else, including impossible dates.
 * @example parseTemporal('2024-01-01 00:00:01')?.micros // 1704067201000000
 */
export function parseTemporal(text: string): Temporal | undefined {
  const m = TEMPORAL_RE.exec(text.trim())
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, 0)
  if (date.getUTCDate() !== d) return undefined
  const fraction = m[7] ? Number(m[7].padEnd(6, '0').slice(0, 6)) : 0
  let offsetMinutes = 0
  const tz = m[8]
  if (tz && tz.toUpperCase() !== 'Z') {
    const digits = tz.slice(1).replace(':', '')
    offsetMinutes = (tz[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0))
  }
  return { micros: (date.getTime() - offsetMinutes * 60_000) * 1000 + fraction, hasTime: m[4] !== undefined, hasOffset: tz !== undefined }
}

type Kind = 'bool' | 'int' | 'huge' | 'float' | 'date' | 'timestamp' | 'timestamptz' | 'string' | 'nested'

function kindOf(v: Cell, fromCsv: boolean): Kind | undefined {
  if (v === null) return undefined
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'bigint') return 'huge'
  if (typeof v === 'object') return 'nested'
  if (fromCsv) {
    if (INT_RE.test(v)) return Number.isSafeInteger(Number(v)) ? 'int' : 'huge'
    if (FLOAT_RE.test(v)) return 'float'
    if (/^(true|false)$/i.test(v)) return 'bool'
  }
  const t = parseTemporal(v)
  if (t) return !t.hasTime && DATE_RE.test(v.trim()) ? 'date' : t.hasOffset ? 'timestamptz' : 'timestamp'
  return 'string'
}

/**
 * DuckDB type for a column from its cells when nothing better is known. YAML numbers and
 * booleans keep their type; text that is a date or timestamp becomes DATE / TIMESTAMP; CSV text
 * that is a number or `true`/`false` becomes one. Mixed or unknown cells give VARCHAR.
 * @returns the type, or `undefined` for lists/maps (DuckDB infers LIST / STRUCT from the literals).
 * @example inferColumnType(['2024-01-01', null], false) // 'DATE'
 */
export function inferColumnType(cells: readonly Cell[], fromCsv: boolean): string | undefined {
  const kinds = new Set<Kind>()
  for (const c of cells) {
    const k = kindOf(c, fromCsv)
    if (k) kinds.add(k)
  }
  if (kinds.size === 0) return 'VARCHAR'
  if (kinds.has('nested')) return kinds.size === 1 ? undefined : 'VARCHAR'
  const only = (...allowed: Kind[]): boolean => [...kinds].every((k) => allowed.includes(k))
  if (only('bool')) return 'BOOLEAN'
  if (only('int')) return 'BIGINT'
  if (only('int', 'huge')) return 'HUGEINT'
  if (only('int', 'huge', 'float')) return 'DOUBLE'
  if (only('date')) return 'DATE'
  if (only('date', 'timestamp')) return 'TIMESTAMP'
  if (only('date', 'timestamp', 'timestamptz')) return 'TIMESTAMPTZ'
  return 'VARCHAR'
}

/** A SQL string literal: `it's` -> `'it''s'`. */
export { quoteString }

/** True for a LIST, ARRAY, STRUCT, MAP or UNION DuckDB type. */
export function isNestedType(type: string): boolean {
  return /\[\s*\d*\s*\]\s*$/.test(type) || /^\s*(STRUCT|MAP|UNION|ROW)\s*\(/i.test(type)
}

/** A cell as an untyped DuckDB literal; lists and maps become LIST / STRUCT literals. */
function plainLiteral(v: Cell): string {
  if (v === null) return 'NULL'
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return "CAST('NaN' AS DOUBLE)"
    if (!Number.isFinite(v)) return `CAST('${v > 0 ? '' : '-'}Infinity' AS DOUBLE)`
    return String(v)
  }
  if (typeof v === 'string') return quoteString(v)
  if (Array.isArray(v)) return `[${v.map(plainLiteral).join(', ')}]`
  return `{${Object.entries(v).map(([k, x]) => `${quoteString(k)}: ${plainLiteral(x)}`).join(', ')}}`
}

/** JSON text of a cell (bigints as exact JSON numbers). */
export function jsonText(v: Cell): string {
  if (v === null) return 'null'
  if (typeof v === 'bigint') return v.toString()
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

/**
 * A cell as a DuckDB expression of `type` (a DuckDB type, or undefined to let DuckDB infer).
 * Lists and maps, and JSON text, go into nested types through a JSON cast (fields by name).
 * @example cellSql('2024-01-01', 'DATE') // "CAST('2024-01-01' AS DATE)"
 */
export function cellSql(v: Cell, type: string | undefined): string {
  if (type === undefined) return plainLiteral(v)
  if (v !== null && isNestedType(type) && (typeof v === 'object' || typeof v === 'string')) {
    const json = typeof v === 'string' ? v : jsonText(v)
    return `CAST(CAST(${quoteString(json)} AS JSON) AS ${type})`
  }
  if (v !== null && typeof v === 'object') return `CAST(${quoteString(jsonText(v))} AS ${type})`
  return `CAST(${plainLiteral(v)} AS ${type})`
}
