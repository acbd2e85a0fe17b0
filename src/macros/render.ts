/**
 * The macro renderer. One pass over the text finds each macro outside strings, quoted identifiers
 * and comments (scan.ts); everything between macros is copied byte for byte, and only the text of
 * a macro call is tokenized, to split and render its arguments.
 */
import { MacroError, type ErrorCode } from '../errors.js'
import type { Interval } from '../snapshot/interval.js'
import { isTrivia, matchParen, splitArgs, tokenize, type Token } from '../sql/lexer.js'
import { BUILTIN_MACROS, RESERVED_MACRO_NAMES } from './builtins.js'
import { identifierText, stringLiteral, unquoteIfString, valueLiteral } from './literals.js'
import { emptyMacroRegistry } from './registry.js'
import { parseDefArgs } from './defs.js'
import { closeNames } from './suggest.js'
import { callUserMacro } from './user-call.js'
import { countNewlines, identEnd, interpolationEnd, matchingParen, nextMacro, skipTrivia } from './scan.js'
import { PLACEHOLDER_INTERVAL, TIME_VARIABLE_NAMES, timeVariable } from './time-variables.js'
import type { MacroContext, MacroRegistry, RenderOptions, RuntimeStage, UserMacro } from './types.js'

/**
 * Render the macros of `sql` (one statement or several). Resolution of a bare `@name`, first match
 * wins: model `@DEF`s, `@this_model`, `@runtime_stage`, time variables (`@start_ds`, `@end_dt`, ...),
 * project variables, then a user macro called with no arguments. `@name(...)` calls a built-in
 * (`@VAR`, `@IF`, `@AND`, `@OR`) or a user macro; `@DEF(name, expr)` inside `sql` defines a local
 * for the rest of the text and is removed together with its `;`.
 * Example: `renderSql('WHERE ds BETWEEN @start_ds AND @end_ds', opts)`.
 * @throws MacroError('MACRO_UNKNOWN') for an unknown name, located at its file line, with suggestions.
 * @throws MacroError('MACRO_INVALID') for a malformed call, a non-constant `@IF` condition, a
 *   variable with no SQL form, or a user macro that throws or returns a non-string.
 */
export function renderSql(sql: string, opts: RenderOptions): string {
  if (!sql.includes('@')) return sql
  return new Renderer(opts).renderText(sql)
}

/** How token lines map to file lines: `base + token.line - 1`, or always `base` when `fixed`. */
interface Lines {
  base: number
  fixed: boolean
}

interface DefEntry {
  expr: string
  /** Tokens of an inline `@DEF` and their line mapping; opts defs are tokenized on first use. */
  tokens?: readonly Token[]
  lines?: Lines
  value?: string
  busy: boolean
}

const lowerVarsCache = new WeakMap<object, Map<string, unknown>>()

function lowerVars(vars: Readonly<Record<string, unknown>>): Map<string, unknown> {
  let m = lowerVarsCache.get(vars)
  if (!m) {
    m = new Map()
    for (const [k, v] of Object.entries(vars)) m.set(k.toLowerCase(), v)
    lowerVarsCache.set(vars, m)
  }
  return m
}

class Renderer {
  private readonly defs = new Map<string, DefEntry>()
  private readonly vars: Map<string, unknown>
  private readonly macros: MacroRegistry
  private readonly interval: Interval
  private readonly stage: RuntimeStage
  private readonly timeCache = new Map<string, string | undefined>()
  private ctx: MacroContext | undefined

  constructor(private readonly opts: RenderOptions) {
    this.vars = lowerVars(opts.variables)
    this.macros = opts.macros ?? emptyMacroRegistry
    this.interval = opts.interval ?? PLACEHOLDER_INTERVAL
    this.stage = opts.interval ? 'evaluating' : 'loading'
    for (const d of opts.defs ?? []) this.defs.set(d.name.toLowerCase(), { expr: d.expr.trim(), busy: false })
  }

  /** Render a whole SQL text: scan for macros, copy the rest verbatim. */
  renderText(sql: string): string {
    let out = ''
    let last = 0
    let line = this.opts.location.line
    let counted = 0
    for (let i = nextMacro(sql, 0); i >= 0; i = nextMacro(sql, last)) {
      line += countNewlines(sql, counted, i)
      counted = i
      out += sql.slice(last, i)
      if (sql.charCodeAt(i + 1) === 123) {
        last = interpolationEnd(sql, i)
        out += this.interpolate(sql.slice(i, last), line)
        continue
      }
      const nameEnd = identEnd(sql, i + 1)
      const name = sql.slice(i + 1, nameEnd)
      const lower = name.toLowerCase()
      const open = this.callOpenInText(sql, nameEnd, lower)
      if (open < 0) {
        out += this.variable(name, lower, line)
        last = nameEnd
        continue
      }
      const close = matchingParen(sql, open)
      if (close < 0) throw this.error('MACRO_INVALID', `unclosed parenthesis after @${name}`, line)
      const tokens = tokenize(sql.slice(i, close + 1))
      const tokOpen = tokens.findIndex((t) => t.type === 'punct' && t.text === '(')
      const args = splitArgs(tokens, tokOpen, tokens.length - 1)
      const lines: Lines = { base: line, fixed: false }
      last = close + 1
      if (lower === 'def') {
        this.define(args, line, lines)
        const semi = skipTrivia(sql, last, false)
        if (sql[semi] === ';') last = semi + 1
        continue
      }
      out += this.call(name, lower, args, line, lines)
    }
    return out + sql.slice(last)
  }

  /** Index of the `(` opening a call of `@name` whose name ends at `j`, or -1 for a variable use. */
  private callOpenInText(sql: string, j: number, lower: string): number {
    if (sql[j] === '(') return j
    if (!this.isFunctionOnly(lower)) return -1
    const p = skipTrivia(sql, j, true)
    return sql[p] === '(' ? p : -1
  }

  /** Render a token slice (call arguments, def expressions). */
  render(tokens: readonly Token[], lines: Lines): string {
    let out = ''
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!
      if (t.type !== 'macro') {
        out += t.text
        continue
      }
      const line = lines.fixed ? lines.base : lines.base + t.line - 1
      if (t.text.startsWith('@{')) {
        out += this.interpolate(t.text, line)
        continue
      }
      const name = t.text.slice(1)
      const lower = name.toLowerCase()
      const open = this.callOpenInTokens(tokens, k, lower)
      if (open < 0) {
        out += this.variable(name, lower, line)
        continue
      }
      const close = matchParen(tokens, open)
      if (close < 0) throw this.error('MACRO_INVALID', `unclosed parenthesis after @${name}`, line)
      const args = splitArgs(tokens, open, close)
      k = close
      if (lower === 'def') this.define(args, line, lines)
      else out += this.call(name, lower, args, line, lines)
    }
    return out
  }

  /** Like `callOpenInText`, on tokens. */
  private callOpenInTokens(tokens: readonly Token[], k: number, lower: string): number {
    const next = tokens[k + 1]
    if (next?.type === 'punct' && next.text === '(') return k + 1
    if (!this.isFunctionOnly(lower)) return -1
    let p = k + 1
    while (p < tokens.length && isTrivia(tokens[p]!)) p++
    const t = tokens[p]
    return t?.type === 'punct' && t.text === '(' ? p : -1
  }

  /** `@IF (a, b)`: whitespace before the parenthesis is fine for names that are only functions. */
  private isFunctionOnly(lower: string): boolean {
    const isFunction = RESERVED_MACRO_NAMES.has(lower) || this.macros.get(lower) !== undefined
    return isFunction && !this.isVariable(lower)
  }

  private isVariable(lower: string): boolean {
    return (
      this.defs.has(lower) ||
      lower === 'this_model' ||
      lower === 'runtime_stage' ||
      this.time(lower) !== undefined ||
      this.vars.has(lower)
    )
  }

  private time(lower: string): string | undefined {
    if (this.timeCache.has(lower)) return this.timeCache.get(lower)
    const v = timeVariable(lower, {
      interval: this.interval,
      executionTime: this.opts.executionTime,
      dialect: this.opts.dialect,
    })
    this.timeCache.set(lower, v)
    return v
  }

  /** SQL for a bare `@name`. */
  private variable(name: string, lower: string, line: number): string {
    const def = this.defs.get(lower)
    if (def) return this.defValue(def, lower, line)
    if (lower === 'this_model') return this.opts.thisModel
    if (lower === 'runtime_stage') return stringLiteral(this.stage)
    const tv = this.time(lower)
    if (tv !== undefined) return tv
    if (this.vars.has(lower)) {
      const lit = valueLiteral(this.vars.get(lower), this.opts.dialect)
      if (lit === undefined) throw this.error('MACRO_INVALID', `variable @${name} has a value with no SQL form`, line)
      return lit
    }
    const macro = this.macros.get(lower)
    if (macro) return this.invoke(name, macro, [], line)
    if (RESERVED_MACRO_NAMES.has(lower)) {
      throw this.error('MACRO_INVALID', `@${name} must be called with arguments: @${name}(...)`, line)
    }
    throw this.unknown(name, line, this.variableNames())
  }

  /** Raw text for `@{name}`. */
  private interpolate(text: string, line: number): string {
    if (!text.endsWith('}')) throw this.error('MACRO_INVALID', `unterminated ${text.split('\n')[0]}`, line)
    const name = text.slice(2, -1).trim()
    const lower = name.toLowerCase()
    if (!/^[A-Za-z_]\w*$/.test(name)) throw this.error('MACRO_INVALID', `@{${name}} must name a variable`, line)
    const def = this.defs.get(lower)
    if (def) return unquoteIfString(this.defValue(def, lower, line))
    if (lower === 'this_model') return this.opts.thisModel
    if (lower === 'runtime_stage') return this.stage
    const tv = this.time(lower)
    if (tv !== undefined) return unquoteIfString(tv)
    if (this.vars.has(lower)) {
      const text = identifierText(this.vars.get(lower))
      if (text === undefined) throw this.error('MACRO_INVALID', `variable @{${name}} cannot be an identifier`, line)
      return text
    }
    throw this.unknown(name, line, this.variableNames(), `@{${name}}`)
  }

  private defValue(def: DefEntry, lower: string, line: number): string {
    if (def.value !== undefined) return def.value
    if (def.busy) throw this.error('MACRO_INVALID', `@DEF ${lower} refers to itself`, line)
    def.busy = true
    try {
      def.value = def.tokens
        ? this.render(def.tokens, def.lines ?? { base: line, fixed: true })
        : this.render(tokenize(def.expr), { base: line, fixed: true })
    } finally {
      def.busy = false
    }
    return def.value
  }

  /** An inline `@DEF(name, expr)`. */
  private define(args: readonly Token[][], line: number, lines: Lines): void {
    const parsed = parseDefArgs(args)
    if (typeof parsed === 'string') throw this.error('MACRO_INVALID', parsed, line)
    this.defs.set(parsed.name.toLowerCase(), { expr: parsed.expr, tokens: parsed.tokens, lines, busy: false })
  }

  private call(name: string, lower: string, args: Token[][], line: number, lines: Lines): string {
    const builtin = BUILTIN_MACROS.get(lower)
    if (builtin) {
      return builtin({
        name,
        args,
        dialect: this.opts.dialect,
        render: (ts) => this.render(ts, lines),
        fail: (code, message) => this.error(code, message, line),
        projectVariable: (n) => {
          const key = n.toLowerCase()
          return { found: this.vars.has(key), value: this.vars.get(key) }
        },
      })
    }
    const macro = this.macros.get(lower)
    if (!macro) throw this.unknown(name, line, [...BUILTIN_MACROS.keys(), ...this.macros.names()])
    return this.invoke(
      name,
      macro,
      args.map((a) => this.render(a, lines)),
      line,
    )
  }

  private invoke(name: string, macro: UserMacro, args: string[], line: number): string {
    const fail = (message: string, cause?: unknown): MacroError => this.error('MACRO_INVALID', message, line, cause)
    return callUserMacro(name, macro, this.context(), args, fail)
  }

  private context(): MacroContext {
    this.ctx ??= {
      dialect: this.opts.dialect,
      variables: this.opts.variables,
      interval: this.interval,
      executionTime: this.opts.executionTime,
      thisModel: this.opts.thisModel,
      runtimeStage: this.stage,
    }
    return this.ctx
  }

  private variableNames(): string[] {
    return [
      ...this.defs.keys(),
      'this_model',
      'runtime_stage',
      ...TIME_VARIABLE_NAMES,
      ...this.vars.keys(),
      ...this.macros.names(),
    ]
  }

  private unknown(name: string, line: number, candidates: Iterable<string>, shown = `@${name}`): MacroError {
    const close = closeNames(name, candidates)
    const hint = close.length > 0 ? `; did you mean ${close.map((c) => `@${c}`).join(', ')}?` : ''
    return this.error('MACRO_UNKNOWN', `unknown macro ${shown}${hint}`, line)
  }

  private error(code: ErrorCode, message: string, line: number, cause?: unknown): MacroError {
    return new MacroError(code, message, { location: { file: this.opts.location.file, line }, cause })
  }
}
