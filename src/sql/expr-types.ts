/**
 * Cheap, local type guesses over the Trino AST. There is no schema at transpile time, so these
 * only recognize expressions whose type is evident from their own text (literals, casts,
 * constructors, functions with a fixed result type). `false` means "unknown", never "not".
 */
import { dataOf, isObject, nodeKind, numberLiteral, type AstObject } from './ast.js'

function fnName(node: unknown): string | undefined {
  const d = dataOf(node, 'function')
  return d && typeof d.name === 'string' ? d.name.toLowerCase() : undefined
}

function castType(node: unknown): string | undefined {
  const d = dataOf(node, 'cast') ?? dataOf(node, 'try_cast')
  const to = d?.to
  return isObject(to) && typeof to.data_type === 'string' ? to.data_type : undefined
}

function fnArgs(node: unknown): unknown[] {
  const args = dataOf(node, 'function')?.args
  return Array.isArray(args) ? args : []
}

const DATE_FUNCTIONS = new Set(['current_date', 'date', 'from_iso8601_date', 'last_day_of_month'])
const SAME_TYPE_AS_LAST_ARG = new Set(['date_trunc', 'date_add'])

/** True when `node` is evidently a DATE (not a TIMESTAMP). */
export function isDateExpr(node: unknown): boolean {
  const kind = nodeKind(node)
  const d = kind ? (node as AstObject)[kind] : undefined
  switch (kind) {
    case 'literal':
      return isObject(d) && d.literal_type === 'date'
    case 'cast':
    case 'try_cast':
      return castType(node) === 'date'
    case 'paren':
      return isObject(d) && isDateExpr(d.this)
    case 'current_date':
      return true
    case 'function': {
      const name = fnName(node) ?? ''
      if (DATE_FUNCTIONS.has(name)) return true
      const args = fnArgs(node)
      return SAME_TYPE_AS_LAST_ARG.has(name) && isDateExpr(args[args.length - 1])
    }
    default:
      return false
  }
}

const ARRAY_KINDS = new Set(['array_func', 'array_agg', 'map_keys', 'map_values'])
const ARRAY_FUNCTIONS = new Set([
  'split', 'sequence', 'filter', 'transform', 'array_distinct', 'array_sort', 'slice',
  'regexp_extract_all', 'flatten', 'array_union', 'array_intersect', 'array_except',
  'array_remove', 'repeat', 'map_keys', 'map_values', 'array_agg', 'array', 'zip', 'zip_with',
  'shuffle', 'array_concat', 'ngrams', 'combinations',
  // Names the rewrites produce (children are rewritten before their parents).
  'list_transform', 'list_filter', 'list_zip', 'trino_repeat', 'trino_flatten', 'trino_array_distinct',
  'trino_array_except',
])
const MAP_KINDS = new Set(['map_from_entries', 'map_agg', 'map_func', 'map'])
const MAP_FUNCTIONS = new Set([
  'map', 'map_agg', 'map_from_entries', 'multimap_agg', 'map_filter', 'map_concat',
  'transform_values', 'transform_keys', 'map_zip_with', 'histogram',
])

/** True when `node` is evidently an ARRAY. */
export function isArrayExpr(node: unknown): boolean {
  const kind = nodeKind(node)
  if (kind === undefined) return false
  if (ARRAY_KINDS.has(kind)) return true
  if (kind === 'cast' || kind === 'try_cast') return castType(node) === 'array'
  return kind === 'function' && ARRAY_FUNCTIONS.has(fnName(node) ?? '')
}

/** True when `node` is evidently a MAP. */
export function isMapExpr(node: unknown): boolean {
  const kind = nodeKind(node)
  if (kind === undefined) return false
  if (MAP_KINDS.has(kind)) return true
  if (kind === 'cast' || kind === 'try_cast') return castType(node) === 'map'
  return kind === 'function' && MAP_FUNCTIONS.has(fnName(node) ?? '')
}

const NON_INTEGER_TYPES = new Set(['double', 'real', 'float', 'decimal'])

/**
 * True when `node` is evidently not an integer (a decimal/double literal or a cast to a
 * fractional type), so `/` keeps DuckDB's division unchanged.
 */
export function isFractionalExpr(node: unknown): boolean {
  const n = numberLiteral(node)
  if (n !== undefined) return /[.eE]/.test(n)
  const t = castType(node)
  return t !== undefined && NON_INTEGER_TYPES.has(t)
}
