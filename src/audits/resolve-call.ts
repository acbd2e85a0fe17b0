/** Turning one `audits (...)` call into the arguments and blocking flag an audit runs with. */
import { EngineError, ProjectError, type SourceLocation } from '../errors.js'
import type { AuditCall } from '../project/model.js'
import { argFail, booleanArg, namedArgs } from './audit-args.js'
import type { AuditDefinition } from './audit.js'

/** Parameters every audit accepts besides its own. */
export const COMMON_PARAMS: readonly string[] = ['condition', 'blocking']

/** A call resolved against its definition. */
export interface ResolvedAuditCall {
  /** The call's named arguments (lower-case keys, `blocking` removed) over the audit's defaults, as SQL text. */
  args: Record<string, string>
  /** The call's `blocking := true|false` when given, else the definition's. */
  blocking: boolean
}

/**
 * Merge a call's arguments over the definition's defaults and read `blocking := false`.
 * Example: `resolveAuditCall({ name: 'accepted_range', args: { column: 'x', min_v: '0' } }, def).args`
 * -> `{ min_v: '0', inclusive: 'true', column: 'x' }`.
 * @throws ProjectError AUDIT_INVALID (no location) for positional arguments or a non-boolean `blocking`.
 */
export function resolveAuditCall(call: AuditCall, def: AuditDefinition): ResolvedAuditCall {
  const { named, positional } = namedArgs(call.args)
  if (positional.length > 0) {
    argFail(`arguments must be named, e.g. ${call.name}(${def.required[0] ?? 'column'} := ...)`)
  }
  let blocking = def.blocking
  if (named['blocking'] !== undefined) blocking = booleanArg(named['blocking'], "parameter 'blocking'")
  delete named['blocking']
  return { args: { ...def.defaults, ...named }, blocking }
}

/**
 * `e` with the audit's name in front of its message and `location` attached, when it is one of our
 * errors without a location; anything else is returned unchanged.
 */
export function locateAuditError(e: unknown, audit: string, location: SourceLocation | undefined): unknown {
  if (!(e instanceof EngineError) || e.location !== undefined) return e
  return new ProjectError(e.code, `audit '${audit}': ${e.message}`, { ...(location ? { location } : {}), cause: e })
}
