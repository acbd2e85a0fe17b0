/**
 * Built-in function macros (`@VAR`, `@IF`, `@AND`, `@OR`). Each receives its arguments as raw
 * token slices and renders only what it needs, so `@IF` never renders the branch it drops.
 * Add a macro by adding an entry to `BUILTIN_MACROS`. `@DEF` is handled by the renderer itself.
 */
import type { ErrorCode, MacroError } from '../errors.js'
import type { Dialect } from '../sql/dialect.js'
import { isTrivia, unquoteString, type Token } from '../sql/lexer.js'
import { evaluateCondition } from './conditions.js'
import { valueLiteral } from './literals.js'

/** What a built-in macro gets from the renderer for one call. */
export interface BuiltinCall {
  /** The macro name as written (`VAR`, `if`, ...). */
  name: string
  /** Raw arguments, each trimmed of surrounding whitespace and comments. */
  args: readonly (readonly Token[])[]
  dialect: Dialect
  /** Render a token slice (an argument or part of one), nested macros included. */
  render(tokens: readonly Token[]): string
  /** A MacroError located at the call. */
  fail(code: ErrorCode, message: string): MacroError
  /** Look up a project variable case-insensitively. */
  projectVariable(name: string): { found: boolean; value: unknown }
}

/** A built-in function macro: returns the SQL that replaces the call. */
export type BuiltinMacro = (call: BuiltinCall) => string

function argCount(call: BuiltinCall, min: number, max: number): void {
  const n = call.args.length
  if (n < min || n > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`
    throw call.fail('MACRO_INVALID', `@${call.name} takes ${want} argument(s), got ${n}`)
  }
}

/** `@VAR('name'[, default])`: a project variable as a literal; missing -> default, else NULL. */
function varMacro(call: BuiltinCall): string {
  argCount(call, 1, 2)
  const raw = call.render(call.args[0]!).trim()
  const name = raw.startsWith("'") || raw.startsWith('"') ? unquoteString(raw) : raw
  if (!/^[A-Za-z_][\w$.-]*$/.test(name)) {
    throw call.fail('MACRO_INVALID', `@${call.name} needs a variable name, got ${raw || 'nothing'}`)
  }
  const v = call.projectVariable(name)
  if (!v.found) return call.args[1] ? call.render(call.args[1]) : 'NULL'
  const lit = valueLiteral(v.value, call.dialect)
  if (lit === undefined) throw call.fail('MACRO_INVALID', `variable '${name}' has a value with no SQL form`)
  return lit
}

/** `@IF(cond, then[, else])`: cond must be constant after rendering; false without else -> nothing. */
function ifMacro(call: BuiltinCall): string {
  argCount(call, 2, 3)
  const cond = call.render(call.args[0]!)
  const truth = evaluateCondition(cond)
  if (truth === undefined) {
    throw call.fail(
      'MACRO_INVALID',
      `@${call.name} condition must be TRUE/FALSE or a comparison of literals after rendering, got: ${cond.trim()}`,
    )
  }
  if (truth) return call.render(call.args[1]!)
  return call.args[2] ? call.render(call.args[2]) : ''
}

/** `@AND(a, b, ...)` / `@OR(...)`: join the non-empty, non-NULL arguments; none -> TRUE / FALSE. */
function joiner(op: 'AND' | 'OR'): BuiltinMacro {
  return (call) => {
    const parts: string[] = []
    for (const a of call.args) {
      if (a.every(isTrivia)) continue
      const sql = call.render(a).trim()
      if (sql === '' || sql.toUpperCase() === 'NULL') continue
      parts.push(sql)
    }
    if (parts.length === 0) return op === 'AND' ? 'TRUE' : 'FALSE'
    if (parts.length === 1) return parts[0]!
    return parts.map((p) => `(${p})`).join(` ${op} `)
  }
}

/** Built-in function macros by lower-case name. */
export const BUILTIN_MACROS: ReadonlyMap<string, BuiltinMacro> = new Map<string, BuiltinMacro>([
  ['var', varMacro],
  ['if', ifMacro],
  ['and', joiner('AND')],
  ['or', joiner('OR')],
])

/** Names reserved by the renderer (built-ins plus `def`), lower-case. */
export const RESERVED_MACRO_NAMES: ReadonlySet<string> = new Set([...BUILTIN_MACROS.keys(), 'def'])

