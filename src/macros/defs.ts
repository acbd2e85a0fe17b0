/** Extraction of model-local `@DEF(name, expr)` statements. */
import { MacroError } from '../errors.js'
import { matchParen, splitArgs, tokenize, trimTrivia, unquoteString, type Token } from '../sql/lexer.js'
import type { MacroDef } from './types.js'

/**
 * Parse one statement that may be a `@DEF(name, expr)`. The name may be bare or quoted
 * (`@DEF("full_time_days", 10)` -> name `full_time_days`); `expr` is the raw SQL of the second
 * argument, not rendered. Leading/trailing whitespace, comments and one trailing `;` are ignored.
 * `location.line` is the file line of the statement's first line.
 * Returns undefined when the statement is not a `@DEF`.
 * @throws MacroError('MACRO_INVALID') for a malformed `@DEF` (wrong arity, text after the call, ...).
 */
export function extractDefs(statementSql: string, location: { file: string; line: number }): MacroDef | undefined {
  if (!statementSql.includes('@')) return undefined
  let toks = trimTrivia(tokenize(statementSql))
  const first = toks[0]
  if (!first || first.type !== 'macro' || first.text.toLowerCase() !== '@def') return undefined
  const last = toks[toks.length - 1]!
  if (last.type === 'punct' && last.text === ';') toks = trimTrivia(toks.slice(0, -1))
  const fail = (message: string, line: number): MacroError =>
    new MacroError('MACRO_INVALID', message, { location: { file: location.file, line: location.line + line - 1 } })
  const open = toks[1]?.type === 'punct' && toks[1].text === '(' ? 1 : -1
  if (open < 0) throw fail(`${first.text} must be followed by (name, expression)`, first.line)
  const close = matchParen(toks, open)
  if (close < 0) throw fail(`unclosed parenthesis after ${first.text}`, first.line)
  if (close !== toks.length - 1) throw fail(`unexpected text after ${first.text}(...)`, toks[close + 1]!.line)
  const parsed = parseDefArgs(splitArgs(toks, open, close))
  if (typeof parsed === 'string') throw fail(parsed, first.line)
  return { name: parsed.name, expr: parsed.expr }
}

/** Validate `@DEF` arguments: a name (bare, "quoted" or 'quoted') and a non-empty expression. */
export function parseDefArgs(args: readonly Token[][]): { name: string; expr: string; tokens: Token[] } | string {
  if (args.length !== 2) return `@DEF takes 2 arguments (name, expression), got ${args.length}`
  const nameToks = args[0]!
  const exprToks = args[1]!
  const n = nameToks[0]
  if (nameToks.length !== 1 || !n || (n.type !== 'ident' && n.type !== 'qident' && n.type !== 'string')) {
    return '@DEF needs a name as its first argument'
  }
  if (exprToks.length === 0) return '@DEF needs an expression as its second argument'
  const name = n.type === 'ident' ? n.text : unquoteString(n.text)
  let expr = ''
  for (const t of exprToks) expr += t.text
  return { name, expr, tokens: exprToks }
}
