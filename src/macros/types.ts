/** Public types of the macro renderer. */
import type { Interval } from '../snapshot/interval.js'
import type { Dialect } from '../sql/dialect.js'

/** `'loading'` while a project is loaded (no interval yet), `'evaluating'` when rendering for a run. */
export type RuntimeStage = 'loading' | 'evaluating'

/** What a user macro sees about the render it is called from. */
export interface MacroContext {
  /** Dialect the model is written in; emit SQL for it. */
  dialect: Dialect
  /** Project variables from config.yaml, as given (keys not normalized). */
  variables: Readonly<Record<string, unknown>>
  /** Interval being rendered; the placeholder `[1970-01-01, 1970-01-02)` while loading. */
  interval: Interval
  /** Execution time, epoch ms. */
  executionTime: number
  /** SQL text of the model's own table (what `@this_model` renders to). */
  thisModel: string
  /** `'loading'` when no interval was given, so macros can return a cheap stub (SQLMesh's `runtime_stage`). */
  runtimeStage: RuntimeStage
}

/**
 * A user macro: receives the context and the SQL text of each argument (nested macros already
 * rendered, surrounding whitespace trimmed) and returns SQL spliced in place of the call.
 * Example: `export function oso_id(ctx, ...args) { return \`sha256(concat(${args.join(', ')}))\` }`.
 * Must be synchronous; the returned SQL is not rendered again.
 */
export type UserMacro = (ctx: MacroContext, ...args: string[]) => string

/** Lookup of user macros by name (case-insensitive). */
export interface MacroRegistry {
  /** The macro called `name` (any case), or undefined. */
  get(name: string): UserMacro | undefined
  /** All macro names, lower-cased, sorted. */
  names(): string[]
}

/** A model-local `@DEF(name, expr)`: `expr` is raw SQL, rendered where `@name` is used. */
export interface MacroDef {
  name: string
  expr: string
}

/** Options of `renderSql`. */
export interface RenderOptions {
  /** Dialect the SQL is written in; literals are rendered for it. */
  dialect: Dialect
  /** Project variables from config.yaml; `@name` and `@VAR('name')` match keys case-insensitively. */
  variables: Readonly<Record<string, unknown>>
  /** Model-local `@DEF` definitions (already extracted); they win over project variables. */
  defs?: ReadonlyArray<MacroDef>
  /** SQL text substituted for `@this_model`, e.g. `"db"."schema"."tbl__123"`. */
  thisModel: string
  /** Interval to render; undefined = load-time placeholder `[1970-01-01, 1970-01-02)`. */
  interval?: Interval
  /** Execution time, epoch ms (drives `@execution_*`). */
  executionTime: number
  /** User macros; default: none. */
  macros?: MacroRegistry
  /** File and 1-based line of the SQL's first line, for errors. */
  location: { file: string; line: number }
}

