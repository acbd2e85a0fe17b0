import { SqlError, type ErrorCode } from '../errors.js'
import type { Dialect } from './dialect.js'
import { pg, type PolyglotApi } from './polyglot-api.js'
import { compactSql, fixTrailingCommas, tokenize, type Token } from './sql-tokens.js'

/** Pseudo file name of SQL errors; the caller re-wraps with the real file and line offset. */
export const SQL_FILE = '<sql>'

const POLYGLOT_PREFIX = /^Parse error at line \d+, column (\d+):\s*/

/** A `SqlError` whose `location.line` is the 1-based line inside the SQL string. */
export function sqlError(code: ErrorCode, message: string, line: number | undefined, cause?: unknown): SqlError {
  return new SqlError(code, message, {
    location: line === undefined ? { file: SQL_FILE } : { file: SQL_FILE, line },
    cause,
  })
}

/** Turns polyglot's "Parse error at line 3, column 7: Unexpected token: Where" into our wording. */
export function describeParseError(error: string | undefined, column: number | undefined): string {
  const text = error ?? 'unknown parse error'
  const m = POLYGLOT_PREFIX.exec(text)
  const col = column ?? (m ? Number(m[1]) : undefined)
  const detail = text.replace(POLYGLOT_PREFIX, '')
  return col === undefined ? `SQL parse error: ${detail}` : `SQL parse error at column ${col}: ${detail}`
}

/** Line (1-based) of the character at `offset`. */
export function lineAt(sql: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < sql.length; i++) if (sql.charCodeAt(i) === 10) line++
  return line
}

/** Parses SQL into its statements. Throws `SqlError(code)` with the line on a syntax error. */
export function parseStatements(api: PolyglotApi, sql: string, dialect: Dialect, code: ErrorCode): unknown[] {
  const r = api.parse(sql, pg(dialect))
  if (!r.success || !r.ast) {
    throw sqlError(code, describeParseError(r.error, r.errorColumn), r.errorLine ?? 1)
  }
  return r.ast as unknown[]
}

/** Statements parsed from `text` (the compact SQL, or the original when that failed). */
export interface Parsed {
  /** polyglot's statement nodes. */
  stmts: unknown[]
  /** The exact text polyglot parsed; AST spans point into it. */
  text: string
}

/**
 * Parses the compact form of `sql` (see `compactSql`), which is faster; only when that fails is
 * the original re-parsed, so the error carries the line number of the real text.
 */
export function parseCompactStatements(
  api: PolyglotApi,
  sql: string,
  tokens: readonly Token[],
  dialect: Dialect,
  code: ErrorCode,
): Parsed {
  const compact = compactSql(sql, tokens)
  const r = api.parse(compact, pg(dialect))
  if (r.success && r.ast) return { stmts: r.ast as unknown[], text: compact }
  // Either a real syntax error (reported with the original's line) or, should the scanner ever
  // disagree with polyglot, an original that parses: then that result is used.
  const text = fixTrailingCommas(sql, tokens)
  return { stmts: parseStatements(api, text, dialect, code), text }
}

/** The single statement of `sql`, parsed from its compact text (see `parseCompactStatements`). */
export function parseCompact(
  api: PolyglotApi,
  sql: string,
  tokens: readonly Token[],
  dialect: Dialect,
  code: ErrorCode,
): { stmt: unknown; text: string } {
  const { stmts, text } = parseCompactStatements(api, sql, tokens, dialect, code)
  // Exactly one statement: a model query. (A trailing `;` yields no extra statement.)
  if (stmts.length === 0) throw sqlError(code, 'SQL parse error: no statement found', 1)
  if (stmts.length > 1) {
    throw sqlError(code, `SQL parse error: expected one statement, found ${stmts.length}`, secondStatementLine(sql))
  }
  return { stmt: stmts[0], text }
}

/** Line of the first `;` that is followed by more SQL (best effort, for the error message). */
function secondStatementLine(sql: string): number | undefined {
  const tokens = tokenize(sql)
  const i = tokens.findIndex((t, k) => t.text === ';' && t.kind === 'punct' && k + 1 < tokens.length)
  const semi = tokens[i]
  return semi ? lineAt(sql, semi.start) : undefined
}
