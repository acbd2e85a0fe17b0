import type { Cell } from './types.js'

/**
 * Normalize a value from `yaml`'s `toJS({ intAsBigInt })` to a `Cell`: integers that fit a
 * double exactly become numbers (bigger ones stay `bigint`), `Date` objects (YAML 1.1
 * timestamps) become `'YYYY-MM-DD HH:MM:SS'` text, `undefined` becomes NULL, maps stay maps.
 * @example toCells({ a: 1n, b: [2n, 'x'] }) // { a: 1, b: [2, 'x'] }
 */
export function toCells(v: unknown): Cell {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') {
    const n = Number(v)
    return Number.isSafeInteger(n) ? n : v
  }
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/(\.000)?Z$/, '')
  if (Array.isArray(v)) return v.map(toCells)
  if (v instanceof Map) {
    const out: { [key: string]: Cell } = {}
    for (const [k, x] of v) out[String(k)] = toCells(x)
    return out
  }
  if (typeof v === 'object') {
    const out: { [key: string]: Cell } = {}
    for (const [k, x] of Object.entries(v)) out[k] = toCells(x)
    return out
  }
  return String(v)
}
