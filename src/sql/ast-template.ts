import { SqlError } from '../errors.js'
import { cloneAst, dataOf, isObject, type AstObject } from './ast.js'
import { pg, type PolyglotApi } from './polyglot-api.js'

/**
 * Builds AST fragments from Trino SQL text instead of hand-written JSON, so rewrites stay valid
 * when polyglot adds fields to its node types. Placeholders are bare column references named
 * `__<name>`; `build("CAST(__x AS DATE)", { x })` parses the template once, then returns a fresh
 * copy with `__x` replaced by the given node.
 */
export class AstTemplates {
  private readonly cache = new Map<string, unknown>()

  constructor(private readonly api: PolyglotApi) {}

  /** A new expression node for `exprSql` with its `__name` placeholders substituted. */
  build(exprSql: string, args: Readonly<Record<string, unknown>> = {}): unknown {
    let tpl = this.cache.get(exprSql)
    if (tpl === undefined) {
      tpl = this.parseTemplate(exprSql)
      this.cache.set(exprSql, tpl)
    }
    const used = new Set<string>()
    return substitute(cloneAst(tpl), args, used)
  }

  private parseTemplate(exprSql: string): unknown {
    const r = this.api.parse(`SELECT ${exprSql}`, pg('trino'))
    const select = r.success ? dataOf(r.ast?.[0], 'select') : undefined
    const exprs = select?.expressions
    if (!Array.isArray(exprs) || exprs.length !== 1) {
      throw new SqlError('TRANSPILE_FAILED', `internal rewrite template does not parse: ${exprSql}`)
    }
    return exprs[0]
  }
}

function placeholderName(node: AstObject): string | undefined {
  const col = dataOf(node, 'column')
  if (!col || col.table) return undefined
  const id = col.name
  if (!isObject(id) || typeof id.name !== 'string' || !id.name.startsWith('__')) return undefined
  return id.name.slice(2)
}

function substitute(v: unknown, args: Readonly<Record<string, unknown>>, used: Set<string>): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = substitute(v[i], args, used)
    return v
  }
  if (!isObject(v)) return v
  const name = placeholderName(v)
  if (name !== undefined && name in args) {
    const arg = args[name]
    // A second use of the same argument must not share structure with the first.
    const out = used.has(name) ? cloneAst(arg) : arg
    used.add(name)
    return out
  }
  for (const k in v) v[k] = substitute(v[k], args, used)
  return v
}
