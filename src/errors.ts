/**
 * Typed errors. Every error the engine raises on purpose is an `EngineError` with a stable `code`;
 * the CLI maps it to a one-line message and exit code 1. Anything else is a bug (exit 2).
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'HEADER_INVALID'
  | 'MODEL_INVALID'
  | 'MODEL_DUPLICATE'
  | 'MODEL_NOT_FOUND'
  | 'SQL_PARSE'
  | 'MACRO_UNKNOWN'
  | 'MACRO_INVALID'
  | 'CRON_INVALID'
  | 'DAG_CYCLE'
  | 'DAG_UNKNOWN_TABLE'
  | 'SEED_INVALID'
  | 'EXTERNAL_INVALID'
  | 'ENV_UNKNOWN'
  | 'ENV_INVALID'
  | 'OPTION_INVALID'
  | 'PLAN_INVALID'
  | 'QUERY_FAILED'
  | 'STATE_ERROR'
  | 'STATE_LOCKED'
  | 'TRANSPILE_FAILED'
  | 'AUDIT_INVALID'
  | 'AUDIT_FAILED'
  | 'CATALOG_ERROR'
  | 'SOURCE_INVALID'
  | 'SECRET_UNAVAILABLE'
  | 'INGEST_FAILED'
  | 'PROMOTION_REFUSED'
  | 'PROMOTION_CONFLICT'

export interface SourceLocation {
  /** Path of the file, relative to the project root where possible. */
  file: string
  /** 1-based line number, when known. */
  line?: number
}

export class EngineError extends Error {
  readonly code: ErrorCode
  readonly location: SourceLocation | undefined

  constructor(code: ErrorCode, message: string, opts: { location?: SourceLocation; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.location = opts.location
  }

  /** `file:line: message`, the one-line form the CLI prints. */
  format(): string {
    if (!this.location) return this.message
    const where = this.location.line ? `${this.location.file}:${this.location.line}` : this.location.file
    return `${where}: ${this.message}`
  }
}

export class ConfigError extends EngineError {}
export class ProjectError extends EngineError {}
export class SqlError extends EngineError {}
export class MacroError extends EngineError {}
export class DagError extends EngineError {}
export class PlanError extends EngineError {}
export class StateError extends EngineError {}

/** An engine query failed; keeps the SQL that failed. */
export class QueryError extends EngineError {
  readonly sql: string
  constructor(message: string, sql: string, cause?: unknown) {
    super('QUERY_FAILED', message, { cause })
    this.sql = sql
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError
}
