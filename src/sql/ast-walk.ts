import type { Dialect } from './dialect.js'
import { isObject, isTableData, tableKey, type AstObject, type TableData } from './ast.js'

/** One table reference found in a query. */
export interface TableRef {
  /** The `{ table: data }` node's data (mutable: callers may rewrite it). */
  data: TableData
  /** Normalized dotted name, as `analyze().tables` reports it. */
  key: string
}

/** Names of the CTEs visible at a point of the query, lower-cased. */
type Scope = ReadonlySet<string>

interface CteData {
  alias: { name: string }
  this: unknown
}

function isWith(v: unknown): v is { ctes: CteData[]; recursive?: boolean } {
  return isObject(v) && Array.isArray(v.ctes)
}

/**
 * Collects every table reference of a parsed statement, scope-aware: a one-part name that matches
 * a CTE visible at that point (its own WITH or an enclosing one) is a CTE reference and skipped;
 * qualified names are never CTEs. Non-recursive CTEs see only the CTEs defined before them, so
 * `WITH orders AS (SELECT * FROM orders)` reads the real `orders`. Covers every place a query can
 * hide (subqueries in FROM, joins, IN/EXISTS/scalar subqueries, set operations, nested WITH,
 * lateral joins) because the walk is generic over all node kinds.
 */
export function collectTableRefs(root: unknown, dialect: Dialect): TableRef[] {
  const out: TableRef[] = []
  walk(root, new Set(), dialect, out)
  return out
}

function walk(v: unknown, scope: Scope, dialect: Dialect, out: TableRef[]): void {
  if (typeof v !== 'object' || v === null) return
  if (Array.isArray(v)) {
    for (const x of v) walk(x, scope, dialect, out)
    return
  }
  const o = v as AstObject
  const t = o.table
  if (t !== undefined && isTableData(t) && Object.keys(o).length === 1) {
    visitTable(t, scope, dialect, out)
    return
  }
  let inner = scope
  const w = o.with
  if (w !== undefined && isWith(w)) inner = walkWith(w, scope, dialect, out)
  for (const k in o) {
    if (k === 'with' || k === 'span') continue
    const x = o[k]
    if (typeof x === 'object' && x !== null) walk(x, inner, dialect, out)
  }
}

function walkWith(w: { ctes: CteData[]; recursive?: boolean }, scope: Scope, dialect: Dialect, out: TableRef[]): Scope {
  const names = new Set(scope)
  if (w.recursive) for (const c of w.ctes) names.add(c.alias.name.toLowerCase())
  for (const c of w.ctes) {
    walk(c.this, names, dialect, out)
    names.add(c.alias.name.toLowerCase())
  }
  return names
}

function visitTable(t: TableData, scope: Scope, dialect: Dialect, out: TableRef[]): void {
  // CTE names are matched case-insensitively: both engines resolve identifiers that way.
  if (!t.schema && !t.catalog && scope.has(t.name.name.toLowerCase())) return
  out.push({ data: t, key: tableKey(t, dialect) })
}
