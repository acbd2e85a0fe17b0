/**
 * Splits what follows a `MODEL (...)` header into `@DEF` definitions, pre-statements, the model
 * query, post-statements and inline `AUDIT (...)` blocks. Macros are not rendered here.
 */
import { isTrivia, matchParen, splitArgs, splitStatements, trimTrivia, unquoteString, type Token } from '../sql/lexer.js'
import { describeToken, fail, isPunct, rawText, significant, verbatimText } from './header-values.js'

/** The parts of a model file after its header. */
export interface ModelBody {
  /** `@DEF(name, expr)` definitions in file order; names lower-cased and unquoted. */
  defs: Array<{ name: string; expr: string }>
  /** Statements before the query (not `@DEF`), verbatim. */
  preStatements: string[]
  /** The query, verbatim without surrounding trivia; '' when there is none. */
  query: string
  /** 1-based line of the query's first token; 0 when there is no query. */
  queryLine: number
  /** Statements after the query (and before any `AUDIT`), verbatim. */
  postStatements: string[]
  /** Inline `AUDIT (...)` blocks with the statements that follow them, verbatim. */
  inlineAudits: string[]
  /** Line of the first non-`@DEF` statement, 0 when there is none (for "SEED has a query"). */
  firstStatementLine: number
}

const QUERY_KEYWORDS = new Set(['select', 'with', 'values', 'from'])

function firstSignificant(stmt: readonly Token[]): Token | undefined {
  return stmt.find((t) => !isTrivia(t))
}

function isDef(stmt: readonly Token[]): boolean {
  const t = firstSignificant(stmt)
  return t !== undefined && t.type === 'macro' && t.text.toLowerCase() === '@def'
}

function isAuditBlock(stmt: readonly Token[]): boolean {
  const sig = significant(stmt)
  return sig[0]?.type === 'ident' && sig[0].text.toLowerCase() === 'audit' && isPunct(sig[1], '(')
}

/** 2: starts like a query (SELECT/WITH/VALUES/FROM/'('); 1: a macro call (may be a whole query); 0: other. */
function queryRank(stmt: readonly Token[]): number {
  const t = firstSignificant(stmt)
  if (t === undefined) return 0
  if ((t.type === 'ident' && QUERY_KEYWORDS.has(t.text.toLowerCase())) || isPunct(t, '(')) return 2
  if (t.type === 'macro' && t.text.toLowerCase() !== '@def') return 1
  return 0
}

/**
 * Parse one `@DEF(name, expr)` statement. The name may be bare, double- or single-quoted.
 * @throws ProjectError MODEL_INVALID when it is not of that shape.
 */
export function parseDef(stmt: readonly Token[], file: string): { name: string; expr: string } {
  const toks = trimTrivia(stmt)
  const head = toks[0]!
  const shape = '@DEF must be written @DEF(name, expression)'
  let open = 1
  while (open < toks.length && isTrivia(toks[open]!)) open++
  if (!isPunct(toks[open], '(')) fail('MODEL_INVALID', file, head.line, shape)
  const close = matchParen(toks, open)
  if (close !== toks.length - 1) {
    const bad = toks[close + 1] ?? head
    fail('MODEL_INVALID', file, bad.line, `${shape}; unexpected ${describeToken(bad)}`)
  }
  const args = splitArgs(toks, open, close)
  if (args.length !== 2 || args.some((a) => a.length === 0)) fail('MODEL_INVALID', file, head.line, shape)
  const nameToks = significant(args[0]!)
  const nameTok = nameToks[0]!
  if (nameToks.length !== 1 || !['ident', 'qident', 'string'].includes(nameTok.type)) {
    fail('MODEL_INVALID', file, nameTok.line, `${shape}; the name must be a single identifier`)
  }
  const name = nameTok.type === 'ident' ? nameTok.text : unquoteString(nameTok.text)
  return { name: name.toLowerCase(), expr: rawText(args[1]!) }
}

/** Split the tokens after the header (from `bodyStart`) into a `ModelBody`. */
export function parseModelBody(tokens: readonly Token[], file: string): ModelBody {
  const body: ModelBody = {
    defs: [],
    preStatements: [],
    query: '',
    queryLine: 0,
    postStatements: [],
    inlineAudits: [],
    firstStatementLine: 0,
  }
  const others: Token[][] = []
  let inAudits = false
  for (const stmt of splitStatements(tokens)) {
    if (inAudits || isAuditBlock(stmt)) {
      // Everything from the first AUDIT block on belongs to the audits, including their queries.
      inAudits = true
      body.inlineAudits.push(verbatimText(stmt))
    } else if (isDef(stmt)) {
      body.defs.push(parseDef(stmt, file))
    } else {
      others.push(stmt)
    }
  }
  if (others.length === 0) return body
  body.firstStatementLine = firstSignificant(others[0]!)!.line
  const ranks = others.map(queryRank)
  const best = Math.max(...ranks)
  const queryAt = best === 0 ? -1 : ranks.lastIndexOf(best)
  others.forEach((stmt, k) => {
    if (k === queryAt) {
      body.query = verbatimText(stmt)
      body.queryLine = firstSignificant(stmt)!.line
    } else if (queryAt < 0 || k < queryAt) {
      body.preStatements.push(verbatimText(stmt))
    } else {
      body.postStatements.push(verbatimText(stmt))
    }
  })
  return body
}
