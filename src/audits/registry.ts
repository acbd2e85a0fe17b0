/**
 * The audit registry of a project (built-ins plus `audits/*.sql`) and the load-time check of a
 * model's `audits (...)` calls against it.
 */
import { ProjectError } from '../errors.js'
import type { MacroRegistry } from '../macros/index.js'
import type { AuditCall } from '../project/model.js'
import type { Dialect } from '../sql/dialect.js'
import { tokenize } from '../sql/lexer.js'
import { closest } from '../util/similar.js'
import { argFail, namedArgs } from './audit-args.js'
import type { AuditDefinition, AuditRegistry } from './audit.js'
import { BUILTIN_AUDITS } from './builtin-audits.js'
import { COMMON_PARAMS, locateAuditError, resolveAuditCall } from './resolve-call.js'
import { loadUserAudits } from './user-audits.js'

/**
 * A registry over `defs` (names are lower-case).
 * @throws ProjectError AUDIT_INVALID when two definitions share a name, located at the second one.
 */
export function createAuditRegistry(defs: Iterable<AuditDefinition>): AuditRegistry {
  const map = new Map<string, AuditDefinition>()
  for (const def of defs) {
    const twin = map.get(def.name)
    if (twin) {
      const first = twin.file ? `${twin.file}:${twin.line ?? 1}` : 'a built-in audit'
      throw new ProjectError('AUDIT_INVALID', `audit '${def.name}' is already defined (${first})`, {
        ...(def.file ? { location: { file: def.file, line: def.line ?? 1 } } : {}),
      })
    }
    map.set(def.name, def)
  }
  const names = [...map.keys()].sort()
  return { get: (name) => map.get(name.toLowerCase()), names: () => [...names] }
}

/**
 * The built-in audits plus the user audits of `projectDir/audits/**\/*.sql`; a missing folder is
 * fine. `opts.dialect` is the dialect of user audits without a `dialect` key (default trino).
 * @throws ProjectError (HEADER_INVALID / AUDIT_INVALID) for a bad audit file, a name defined twice
 *   or a user audit named like a built-in.
 * @example const registry = await loadAuditRegistry('/path/to/project')
 */
export async function loadAuditRegistry(projectDir: string, opts: { dialect?: Dialect } = {}): Promise<AuditRegistry> {
  return createAuditRegistry([...BUILTIN_AUDITS.values(), ...(await loadUserAudits(projectDir, opts))])
}

/** The error for a call of an audit that does not exist, with close names. */
export function unknownAuditError(name: string, registry: AuditRegistry, location?: { file: string; line: number }): ProjectError {
  const close = closest(name, registry.names(), { limit: 3 })
  const hint = close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''
  return new ProjectError('AUDIT_INVALID', `unknown audit '${name}'${hint}`, location ? { location } : {})
}

/** Names a call may set that the audit does not know about. */
function checkParams(call: AuditCall, def: AuditDefinition): void {
  if (!def.params) return
  const known = [...def.params, ...COMMON_PARAMS]
  for (const key of Object.keys(namedArgs(call.args).named)) {
    if (known.includes(key)) continue
    const close = closest(key, known, { limit: 1 })
    const hint = close.length > 0 ? `did you mean '${close[0]}'? ` : ''
    argFail(`unknown parameter '${key}' (${hint}parameters: ${known.join(', ')})`)
  }
}

function hasMacro(text: string): boolean {
  return tokenize(text).some((t) => t.type === 'macro')
}

/** Options of `validateAuditCalls`. */
export interface ValidateAuditOptions {
  /** Project variables: a user audit's `@name` that is a project variable needs no argument. */
  variables?: Readonly<Record<string, unknown>>
  /** User macros: a user audit's bare `@name` that is a macro needs no argument. */
  macros?: MacroRegistry
}

/**
 * Check a model's `audits (...)` calls: every audit exists, arguments are named, no parameter is
 * unknown, every required parameter is given (or defaulted), and built-ins' arguments have the
 * right shape (`column := (a, b)` is not one column; `accepted_range` needs `min_v` or `max_v`).
 * Arguments holding macros are shape-checked only when the audit renders.
 * @param location the model's file and line, where every error points.
 * @throws ProjectError AUDIT_INVALID naming the audit (with close names for an unknown one).
 * @example validateAuditCalls(model.audits, registry, { file: model.file, line: model.line })
 */
export function validateAuditCalls(
  calls: readonly AuditCall[],
  registry: AuditRegistry,
  location: { file: string; line: number },
  opts: ValidateAuditOptions = {},
): void {
  const vars = new Set(Object.keys(opts.variables ?? {}).map((k) => k.toLowerCase()))
  for (const call of calls) {
    const def = registry.get(call.name)
    if (!def) throw unknownAuditError(call.name, registry, location)
    try {
      const { args } = resolveAuditCall(call, def)
      checkParams(call, def)
      for (const p of def.required) {
        const given = args[p] !== undefined && args[p]!.trim() !== ''
        const ambient = !def.build && (vars.has(p) || opts.macros?.get(p) !== undefined)
        if (!given && !ambient) argFail(`missing required parameter '${p}'`)
      }
      if (def.build && !Object.values(args).some(hasMacro)) def.build(args, 'audit_rows', 'trino')
    } catch (e) {
      throw locateAuditError(e, call.name, location)
    }
  }
}
