/**
 * Engine-owned rewrites of the *Trino* AST, applied before polyglot's own Trino->DuckDB transpile,
 * for constructs polyglot 0.12.1 translates wrongly or not at all (sql-parsers.md §4.3). Each rule
 * replaces a Trino construct by one polyglot passes through unchanged: a DuckDB function name
 * polyglot does not know (`list_transform`, `date_sub`) or a `trino_*` macro from
 * `duckdb-prelude.ts`. The rewritten tree is only meant to be transpiled to DuckDB, never run on
 * Trino.
 */
import { dataOf, isObject, nodeKind, numberLiteral, stringLiteral, type AstObject } from './ast.js'
import type { AstTemplates } from './ast-template.js'
import { isArrayExpr, isDateExpr, isFractionalExpr, isMapExpr } from './expr-types.js'
import { jodaToStrftime } from './joda-format.js'
import { tokenize, type Token } from './sql-tokens.js'

/** `date_add` units: multiplier and the interval unit DuckDB receives. */
const UNITS: Readonly<Record<string, readonly [number, string]>> = {
  millisecond: [1, 'MILLISECOND'],
  second: [1, 'SECOND'],
  minute: [1, 'MINUTE'],
  hour: [1, 'HOUR'],
  day: [1, 'DAY'],
  week: [7, 'DAY'],
  month: [1, 'MONTH'],
  quarter: [3, 'MONTH'],
  year: [1, 'YEAR'],
}
const DATE_UNITS = new Set(['day', 'week', 'month', 'quarter', 'year'])

const HEX_DIGESTS: Readonly<Record<string, string>> = {
  md5: 'trino_md5_hex',
  sha1: 'trino_sha1_hex',
  sha256: 'trino_sha256_hex',
}

/** Words whose presence means the query may need a rewrite (checked before parsing). */
const TRIGGER_WORDS = new Set([
  'date_add', 'date_diff', 'cardinality', 'transform', 'reduce', 'any_match', 'all_match',
  'none_match', 'zip_with', 'to_hex', 'from_unixtime', 'element_at', 'date_trunc', 'interval',
  'format_datetime', 'array_distinct', 'array_except', 'unnest', 'flatten', 'repeat', 'format',
])

/** Renames to a name polyglot passes through (a DuckDB function or a prelude macro). */
const RENAMES: Readonly<Record<string, string>> = {
  date_diff: 'date_sub', // DuckDB's date_sub counts whole units, like Trino's date_diff
  transform: 'list_transform',
  flatten: 'trino_flatten', // polyglot emits UNNEST(...), which unnests rows in DuckDB
  repeat: 'trino_repeat', // Trino's repeat builds an array; DuckDB's repeats a string
  format: 'printf', // Java-style %s/%d, which DuckDB's printf understands
}

/** True when the token stream contains anything `TrinoDuckdbFixes` may rewrite. */
export function mayNeedTrinoFixes(tokens: readonly Token[]): boolean {
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '/') return true
    if (t.kind === 'word' && TRIGGER_WORDS.has(t.text.toLowerCase())) return true
  }
  return false
}

type Rule = (data: AstObject, node: AstObject) => unknown

/** Applies the Trino->DuckDB rewrites to a parsed Trino statement, in place. */
export class TrinoDuckdbFixes {
  private changed = false
  private readonly functionRules: Readonly<Record<string, Rule>>
  private readonly kindRules: Readonly<Record<string, Rule>>

  constructor(private readonly t: AstTemplates) {
    const rename = (to: string): Rule => (d) => {
      d.name = to
      return undefined
    }
    this.functionRules = {
      ...Object.fromEntries(Object.entries(RENAMES).map(([from, to]) => [from, rename(to)])),
      date_add: (d) => this.dateAdd(d),
      reduce: (d) => this.reduce(d),
      any_match: (d) => this.match(d, 'cardinality(filter(__l, __p)) > 0', false),
      none_match: (d) => this.match(d, 'cardinality(filter(__l, __p)) = 0', false),
      all_match: (d) => this.match(d, 'cardinality(filter(__l, __p)) = 0', true),
      zip_with: (d) => this.zipWith(d),
      to_hex: (d) => this.hexDigest(d),
      from_unixtime: (d) => (args(d).length === 1 ? this.t.build('trino_from_unixtime(__x)', { x: args(d)[0] }) : undefined),
      date_trunc: (d, node) => (isDateExpr(args(d)[1]) ? this.t.build('CAST(__e AS DATE)', { e: node }) : undefined),
      format_datetime: (d) => this.formatDatetime(d),
    }
    this.kindRules = {
      div: (d) => this.divide(d),
      cardinality: (d) => this.cardinality(d),
      element_at: (d) => this.t.build('__a[__i]', { a: d.this, i: d.expression }),
      // DuckDB's list_distinct does not keep first-occurrence order; Trino's array_distinct does.
      array_distinct: (d) => this.t.build('trino_array_distinct(__x)', { x: d.this }),
      array_except: (d) => this.t.build('trino_array_except(__a, __b)', { a: d.this, b: d.expression }),
      alias: (d) => this.unnestColumns(d),
      add: (d, node) => this.dateInterval(d, node, true),
      sub: (d, node) => this.dateInterval(d, node, false),
    }
  }

  /** Rewrites `root` in place; returns whether anything changed. */
  apply(root: unknown[]): boolean {
    this.changed = false
    for (let i = 0; i < root.length; i++) root[i] = this.visit(root[i])
    return this.changed
  }

  private visit(v: unknown): unknown {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.visit(v[i])
      return v
    }
    if (!isObject(v)) return v
    for (const k in v) {
      const x = v[k]
      if (typeof x === 'object' && x !== null && k !== 'span') v[k] = this.visit(x)
    }
    const kind = nodeKind(v)
    if (kind === undefined) return v
    const data = v[kind]
    if (!isObject(data)) return v
    let rule = this.kindRules[kind]
    if (kind === 'function' && typeof data.name === 'string') rule = this.functionRules[data.name.toLowerCase()]
    if (!rule) return v
    const before = data.name
    const out = rule(data, v)
    if (out !== undefined || (kind === 'function' && data.name !== before)) this.changed = true
    return out ?? v
  }

  /** `date_add(unit, n, x)` -> `x + INTERVAL 'n' UNIT` / `x + (n) * INTERVAL '1' UNIT`, DATE kept. */
  private dateAdd(d: AstObject): unknown {
    const [unitNode, n, x] = args(d)
    const unit = stringLiteral(unitNode)?.toLowerCase()
    const spec = unit === undefined ? undefined : UNITS[unit]
    if (!spec || n === undefined || x === undefined || unit === undefined) return undefined
    const [mult, duckUnit] = spec
    const lit = numberLiteral(n)
    const sum =
      lit !== undefined && /^\d+$/.test(lit)
        ? this.t.build(`__x + INTERVAL '${Number(lit) * mult}' ${duckUnit}`, { x })
        : this.t.build(`__x + (__n) * INTERVAL '${mult}' ${duckUnit}`, { x, n })
    return DATE_UNITS.has(unit) && isDateExpr(x) ? this.t.build('CAST(__e AS DATE)', { e: sum }) : sum
  }

  /** `DATE ± INTERVAL` of days or more returns TIMESTAMP in DuckDB: cast back to DATE. */
  private dateInterval(d: AstObject, node: AstObject, commutative: boolean): unknown {
    const intervalDay = (v: unknown): boolean => {
      const unit = dataOf(v, 'interval')?.unit // { type: 'simple', unit: 'Day' }
      const u = isObject(unit) && typeof unit.unit === 'string' ? unit.unit.toLowerCase() : ''
      return DATE_UNITS.has(u)
    }
    const hit =
      (isDateExpr(d.left) && intervalDay(d.right)) || (commutative && isDateExpr(d.right) && intervalDay(d.left))
    return hit ? this.t.build('CAST(__e AS DATE)', { e: node }) : undefined
  }

  /** Integer `/` truncates in Trino; DuckDB's `//` truncates on integers and equals `/` otherwise. */
  private divide(d: AstObject): unknown {
    const { left, right } = d
    if (nodeKind(left) === 'interval' || nodeKind(right) === 'interval') return undefined
    if (isFractionalExpr(left) || isFractionalExpr(right)) return undefined
    return this.t.build('trino_div(__l, __r)', { l: left, r: right })
  }

  private cardinality(d: AstObject): unknown {
    if (isArrayExpr(d.this)) return undefined // polyglot's ARRAY_LENGTH is right for arrays
    const fn = isMapExpr(d.this) ? 'trino_map_cardinality' : 'trino_cardinality'
    return this.t.build(`${fn}(__x)`, { x: d.this })
  }

  /** `reduce(l, init, (s, x) -> f, s -> out)` -> `list_reduce(l, (s, x) -> f, init)`, then `out`. */
  private reduce(d: AstObject): unknown {
    const [list, init, step, finish] = args(d)
    if (list === undefined || init === undefined || step === undefined) return undefined
    const reduced = this.t.build('list_reduce(__l, __f, __i)', { l: list, f: step, i: init })
    if (finish === undefined || isIdentityLambda(finish)) return reduced
    return this.t.build('list_transform(ARRAY[__r], __o)[1]', { r: reduced, o: finish })
  }

  private match(d: AstObject, template: string, negate: boolean): unknown {
    const [list, pred] = args(d)
    const lambda = dataOf(pred, 'lambda')
    if (list === undefined || !lambda) return undefined
    if (negate) lambda.body = this.t.build('NOT (__b)', { b: lambda.body })
    return this.t.build(template, { l: list, p: pred })
  }

  /** `zip_with(a, b, (x, y) -> f)` -> `list_transform(list_zip(a, b), p -> f[x := p[1], y := p[2]])`. */
  private zipWith(d: AstObject): unknown {
    const [a, b, fn] = args(d)
    const lambda = dataOf(fn, 'lambda')
    const params = Array.isArray(lambda?.parameters) ? lambda.parameters : []
    if (a === undefined || b === undefined || !lambda || params.length !== 2) return undefined
    const names = params.map((p) => (isObject(p) && typeof p.name === 'string' ? p.name.toLowerCase() : ''))
    const body = replaceColumns(lambda.body, (name) => {
      const i = names.indexOf(name)
      return i < 0 ? undefined : this.t.build(`__zip_pair[${i + 1}]`)
    })
    return this.t.build('list_transform(list_zip(__a, __b), __zip_pair -> __f)', { a, b, f: body })
  }

  /**
   * `UNNEST(rows) AS t(a, b)`: Trino expands ROW elements (and MAP entries) into columns; DuckDB's
   * UNNEST yields one STRUCT column. Rewritten to a LATERAL subquery that unnests the list, then
   * the struct (one level). Multi-argument UNNEST (zip) becomes parallel unnests.
   */
  private unnestColumns(d: AstObject): unknown {
    const u = dataOf(d.this, 'unnest')
    const cols = Array.isArray(d.column_aliases) ? d.column_aliases.length : 0
    if (!u || u.this === undefined) return undefined
    const ord = u.with_ordinality === true
    const extra = Array.isArray(u.expressions) ? u.expressions : []
    let sub: unknown
    if (extra.length === 0) {
      if (cols - (ord ? 1 : 0) < 2) return undefined
      const rows = isMapExpr(u.this) ? 'map_entries(__x)' : '__x'
      sub = ord
        ? this.t.build(
            `(SELECT unnest(__unnest_row), __unnest_pos FROM (SELECT unnest(${rows}) AS __unnest_row, generate_subscripts(${rows}, 1) AS __unnest_pos))`,
            { x: u.this },
          )
        : this.t.build(`(SELECT unnest(__unnest_row) FROM (SELECT unnest(${rows}) AS __unnest_row))`, { x: u.this })
    } else {
      const all = [u.this, ...extra]
      const names = all.map((_, i) => `__a${i}`)
      const items = names.map((n) => `unnest(${n})`)
      if (ord) items.push(`unnest(sequence(1, greatest(${names.map((n) => `cardinality(${n})`).join(', ')})))`)
      sub = this.t.build(`(SELECT ${items.join(', ')})`, Object.fromEntries(all.map((a, i) => [`a${i}`, a])))
    }
    const sd = dataOf(sub, 'subquery')
    if (!sd) return undefined
    sd.alias = d.alias
    sd.column_aliases = d.column_aliases
    sd.alias_explicit_as = true
    sd.lateral = true
    return sub
  }

  /** `to_hex(md5(to_utf8(x)))`: DuckDB's md5/sha* already return hex text. */
  private hexDigest(d: AstObject): unknown {
    const digest = dataOf(args(d)[0], 'function')
    const macro = typeof digest?.name === 'string' ? HEX_DIGESTS[digest.name.toLowerCase()] : undefined
    const inner = dataOf(args(digest ?? {})[0], 'function')
    if (!macro || !inner || String(inner.name).toLowerCase() !== 'to_utf8') return undefined
    return this.t.build(`${macro}(__x)`, { x: args(inner)[0] })
  }

  private formatDatetime(d: AstObject): unknown {
    const [value, patternNode] = args(d)
    const pattern = stringLiteral(patternNode)
    const fmt = pattern === undefined ? undefined : jodaToStrftime(pattern)
    const lit = dataOf(patternNode, 'literal')
    if (fmt === undefined || !lit || value === undefined) return undefined
    lit.value = fmt
    return this.t.build('trino_strftime(__x, __f)', { x: value, f: patternNode })
  }
}

function args(d: AstObject): unknown[] {
  return Array.isArray(d.args) ? d.args : []
}

function isIdentityLambda(node: unknown): boolean {
  const l = dataOf(node, 'lambda')
  const params = l?.parameters
  if (!l || !Array.isArray(params) || params.length !== 1) return false
  const p: unknown = params[0]
  const col = dataOf(l.body, 'column')
  return isObject(p) && !!col && !col.table && isObject(col.name) && col.name.name === p.name
}

/** Replaces unqualified column references by `fn(name)` when it returns a node. */
function replaceColumns(v: unknown, fn: (lowerName: string) => unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => replaceColumns(x, fn))
  if (!isObject(v)) return v
  const col = dataOf(v, 'column')
  if (col && !col.table && isObject(col.name) && typeof col.name.name === 'string') {
    return fn(col.name.name.toLowerCase()) ?? v
  }
  for (const k in v) v[k] = replaceColumns(v[k], fn)
  return v
}

/**
 * Text fixes on polyglot's DuckDB output. `LISTAGG(x, ', ' ORDER BY y)` runs in DuckDB but polyglot
 * cannot parse it back (so `replaceTables` would fail on it); `STRING_AGG` is the same function
 * and round-trips.
 */
export function fixDuckdbOutput(sql: string): string {
  if (!/listagg/i.test(sql)) return sql
  const tokens = tokenize(sql)
  let out = sql
  for (let i = tokens.length - 2; i >= 0; i--) {
    const t = tokens[i] as Token
    const next = tokens[i + 1] as Token
    if (t.kind === 'word' && t.text.toLowerCase() === 'listagg' && next.text === '(') {
      out = out.slice(0, t.start) + 'STRING_AGG' + out.slice(t.end)
    }
  }
  return out
}
