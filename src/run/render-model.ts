import type { EngineAdapter } from '../engines/engine-adapter.js'
import { renderSql, type MacroRegistry } from '../macros/index.js'
import type { ModelDefinition } from '../project/model.js'
import type { Dialect } from '../sql/dialect.js'
import type { SqlService } from '../sql/sql-service.js'
import type { Interval } from '../snapshot/interval.js'
import { dropTrailingCommas } from '../sql/trailing-commas.js'

/** How names in a model resolve when it is rendered for an engine. */
export interface RenderTarget {
  engine: Pick<EngineAdapter, 'dialect' | 'quoteIdent' | 'timestampLiteral'>
  sql: SqlService
  variables: Readonly<Record<string, unknown>>
  macros: MacroRegistry
  /** SQL text to read for a referenced table name (model or external); undefined = leave as written. */
  resolve: (name: string) => string | undefined
  /** SQL text for `@this_model`. */
  thisModel: string
}

/**
 * Render a model's query for one interval, ready to run on the target engine: macros expanded,
 * transpiled from the model's dialect, references pointed at the tables to read, and for
 * INCREMENTAL_BY_TIME_RANGE the automatic output filter on the time column applied.
 */
export function renderModelQuery(
  def: ModelDefinition,
  parents: readonly string[],
  interval: Interval,
  executionTime: number,
  target: RenderTarget,
): string {
  const rendered = renderStatement(def, def.query, def.queryLine, interval, executionTime, target)
  const mapping = new Map<string, string>()
  for (const p of parents) {
    const to = target.resolve(p)
    if (to !== undefined) mapping.set(p, to)
  }
  let out = mapping.size > 0 ? target.sql.replaceTables(rendered, target.engine.dialect, mapping) : rendered
  if (def.kind.name === 'INCREMENTAL_BY_TIME_RANGE') {
    const col = target.engine.quoteIdent(unquoteIdent(def.kind.timeColumn))
    const lo = target.engine.timestampLiteral(interval[0])
    const hi = target.engine.timestampLiteral(interval[1])
    out = `SELECT * FROM (\n${out}\n) AS __tributary_q WHERE ${col} >= ${lo} AND ${col} < ${hi}`
  }
  return out
}

/** Render + transpile one statement of a model (pre-statements, queries). */
export function renderStatement(
  def: ModelDefinition,
  sql: string,
  line: number,
  interval: Interval,
  executionTime: number,
  target: RenderTarget,
): string {
  const rendered = renderSql(sql, {
    dialect: def.dialect,
    variables: target.variables,
    defs: def.defs,
    thisModel: target.thisModel,
    interval,
    executionTime,
    macros: target.macros,
    location: { file: def.file, line },
  })
  const out = transpileTo(target.sql, rendered, def.dialect, target.engine.dialect)
  return target.engine.dialect === 'trino' ? dropTrailingCommas(out) : out
}

export function transpileTo(sql: SqlService, text: string, from: Dialect, to: Dialect): string {
  return from === to ? text : sql.transpile(text, from, to)
}

/** `"Ts"` -> `Ts`, `ts` -> `ts`. */
export function unquoteIdent(s: string): string {
  const t = s.trim()
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith('`') && t.endsWith('`'))) return t.slice(1, -1)
  return t.toLowerCase()
}
