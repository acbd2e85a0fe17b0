/** Calling a user macro safely: its result must be SQL text, and its errors are located. */
import { EngineError, type MacroError } from '../errors.js'
import type { MacroContext, UserMacro } from './types.js'

/**
 * Call `macro` with `ctx` and the rendered argument SQL. Numbers are accepted as SQL; a Promise,
 * another non-string result or a thrown non-engine error becomes `fail(message, cause)`. An
 * EngineError thrown by the macro passes through unchanged.
 */
export function callUserMacro(
  name: string,
  macro: UserMacro,
  ctx: MacroContext,
  args: readonly string[],
  fail: (message: string, cause?: unknown) => MacroError,
): string {
  let result: unknown
  try {
    result = macro(ctx, ...args)
  } catch (e) {
    if (e instanceof EngineError) throw e
    const msg = e instanceof Error ? e.message : String(e)
    throw fail(`macro @${name} failed: ${msg}`, e)
  }
  if (typeof result === 'string') return result
  if (typeof result === 'number' || typeof result === 'bigint') return String(result)
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw fail(`macro @${name} must be synchronous (it returned a Promise)`)
  }
  throw fail(`macro @${name} must return SQL text, got ${result === null ? 'null' : typeof result}`)
}
