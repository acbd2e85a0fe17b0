/**
 * Rendering one audit call to the SELECT that returns its bad rows, in the engine's dialect.
 *
 * The audit is first built (built-ins) or macro-rendered (user audits) in its source dialect with a
 * placeholder table, then transpiled to the engine dialect, and only then is the placeholder
 * replaced by the engine-side table text (`ctx.thisModel`, restricted by `ctx.where`), which is
 * already in the engine's dialect and must not be transpiled again.
 */
import { SqlError } from '../errors.js'
import { renderSql, type RenderOptions } from '../macros/index.js'
import type { AuditCall } from '../project/model.js'
import type { Dialect } from '../sql/dialect.js'
import { SQL_FILE } from '../sql/parse.js'
import { isNullArg } from './audit-args.js'
import type { AuditDefinition, AuditRenderContext } from './audit.js'
import { locateAuditError, resolveAuditCall } from './resolve-call.js'

/** Stands for the rows to check until the SQL is in the engine dialect. */
const ROWS = '__tributary_audit_rows__'
const ROWS_RE = new RegExp(`"?${ROWS}"?`, 'g')

/** True when a `condition` restricts nothing (absent, NULL or TRUE). */
function noCondition(text: string | undefined): boolean {
  return isNullArg(text) || text!.trim().toLowerCase() === 'true'
}

function baseOptions(ctx: AuditRenderContext): Omit<RenderOptions, 'dialect' | 'location'> {
  return {
    variables: ctx.variables,
    macros: ctx.macros,
    thisModel: ROWS,
    executionTime: ctx.executionTime ?? Date.now(),
    ...(ctx.interval ? { interval: ctx.interval } : {}),
  }
}

type Built = { sql: string; dialect: Dialect }

/** A built-in: render macros in each argument, then build the SQL in the model's dialect. */
function buildBuiltin(call: AuditCall, def: AuditDefinition, ctx: AuditRenderContext): Built {
  const dialect = ctx.modelDialect ?? 'trino'
  const opts: RenderOptions = { ...baseOptions(ctx), dialect, location: ctx.location ?? { file: '<model>', line: 1 } }
  const args: Record<string, string> = {}
  for (const [k, v] of Object.entries(resolveAuditCall(call, def).args)) args[k] = renderSql(v, opts)
  const table = noCondition(args['condition']) ? ROWS : `(SELECT * FROM ${ROWS} WHERE ${args['condition']}) AS audit_rows`
  return { sql: def.build!(args, table, dialect), dialect }
}

/** A user audit: its parameters become `@DEF`s of the query; `@this_model` is the placeholder. */
function renderUser(call: AuditCall, def: AuditDefinition, ctx: AuditRenderContext): Built {
  const { args } = resolveAuditCall(call, def)
  const base = baseOptions(ctx)
  let thisModel = ROWS
  // An audit that does not read @condition itself still honours it: it sees only matching rows.
  if (!def.params?.includes('condition') && !noCondition(args['condition'])) {
    const where = renderSql(args['condition']!, {
      ...base,
      dialect: ctx.modelDialect ?? 'trino',
      location: ctx.location ?? { file: '<model>', line: 1 },
    })
    thisModel = `(SELECT * FROM ${ROWS} WHERE ${where})`
  }
  const sql = renderSql(def.query, {
    ...base,
    thisModel,
    dialect: def.dialect,
    defs: Object.entries(args).map(([name, expr]) => ({ name, expr })),
    location: { file: def.file ?? '<audits>', line: def.queryLine ?? def.line ?? 1 },
  })
  return { sql, dialect: def.dialect }
}

/**
 * The SELECT returning the bad rows of `ctx.thisModel` for one call, in `ctx.engineDialect`. With
 * `ctx.where`, the audit sees only `(SELECT * FROM <thisModel> WHERE <where>)` (the rows a batch
 * wrote); the call's `condition` restricts the rows further. Built-ins and their arguments are read
 * in `ctx.modelDialect`, user audits in their own dialect; both are transpiled to the engine's.
 * @throws ProjectError AUDIT_INVALID for bad arguments (located at `ctx.location`), MacroError for
 *   an unknown `@name`, SqlError TRANSPILE_FAILED when the SQL does not transpile.
 * @example renderAuditQuery({ name: 'not_null', args: { columns: '(id)' } }, def, ctx)
 *   // -> 'SELECT * FROM "db"."t" WHERE id IS NULL'
 */
export function renderAuditQuery(call: AuditCall, def: AuditDefinition, ctx: AuditRenderContext): string {
  try {
    const { sql, dialect } = def.build ? buildBuiltin(call, def, ctx) : renderUser(call, def, ctx)
    const engineSql = ctx.sql.transpile(sql, dialect, ctx.engineDialect).trim().replace(/;+$/, '')
    const table = ctx.where ? `(SELECT * FROM ${ctx.thisModel} WHERE ${ctx.where})` : ctx.thisModel
    return engineSql.replace(ROWS_RE, () => table)
  } catch (e) {
    if (e instanceof SqlError && e.location?.file === SQL_FILE) {
      // A transpile error points into the generated SQL: map it to the audit file, or the model.
      const at = def.file ? { file: def.file, line: (def.queryLine ?? 1) + (e.location.line ?? 1) - 1 } : ctx.location
      throw new SqlError(e.code, `audit '${call.name}': ${e.message}`, { ...(at ? { location: at } : {}), cause: e })
    }
    throw locateAuditError(e, call.name, ctx.location)
  }
}
