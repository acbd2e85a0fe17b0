import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { Context } from '../context.js'
import { StateError } from '../errors.js'
import type { LockHolder } from '../state/locks.js'
import { PostgresStateStore } from '../state/postgres/pg-state-store.js'
import { dumpCounts, StateDumpSchema, type StateDump } from '../state/state-dump.js'
import type { StateInfo } from '../state/state-store.js'

export interface StateShow extends StateInfo {
  environments: Array<{ name: string; revision: number; models: number; updatedAt: number; lastRunId?: string }>
  locks: Array<LockHolder & { name: string }>
}

/** `models state show`: backend, schema version, counts, environments, live locks. */
export async function stateShowOperation(ctx: Context): Promise<StateShow> {
  const store = await ctx.state()
  const info = await store.describe()
  const environments = (await store.listEnvironments()).map((e) => ({
    name: e.name,
    revision: e.revision,
    models: Object.keys(e.snapshots).length,
    updatedAt: e.updatedAt,
    ...(e.lastRunId === undefined ? {} : { lastRunId: e.lastRunId }),
  }))
  return { ...info, environments, locks: await (await ctx.locks()).list() }
}

export interface StateMigrateResult {
  backend: StateInfo['backend']
  location: string
  schema?: string
  from: number
  to: number
  applied: Array<{ version: number; description: string }>
}

/**
 * `models state migrate`: bring the store to this tool's schema version (opening does it; this
 * reports what was applied). The embedded store upgrades its file in place on open.
 */
export async function stateMigrateOperation(ctx: Context): Promise<StateMigrateResult> {
  const store = await ctx.state()
  const info = await store.describe()
  if (store instanceof PostgresStateStore) {
    const m = store.migration
    return { backend: info.backend, location: info.location, schema: info.schema, from: m.from, to: info.schemaVersion, applied: m.applied }
  }
  return { backend: info.backend, location: info.location, from: info.schemaVersion, to: info.schemaVersion, applied: [] }
}

/** `models state export FILE` (`-` = the returned JSON goes to stdout). Written atomically. */
export async function stateExportOperation(ctx: Context, file: string): Promise<{ dump: StateDump; counts: Record<string, number>; file?: string }> {
  const dump = await (await ctx.state()).exportState()
  if (file === '-') return { dump, counts: dumpCounts(dump) }
  const path = resolve(file)
  const tmp = `${path}.tmp-${process.pid}`
  try {
    writeFileSync(tmp, JSON.stringify(dump, null, 2) + '\n', { mode: 0o600 })
    renameSync(tmp, path)
  } catch (e) {
    throw new StateError('STATE_ERROR', `cannot write ${file}: ${(e as Error).message}`, { cause: e })
  }
  return { dump, counts: dumpCounts(dump), file: path }
}

/**
 * `models state import FILE [--replace]`: validate the whole file first, then load it in one
 * transaction while holding the locks of every environment it touches (nothing runs meanwhile).
 */
export async function stateImportOperation(ctx: Context, file: string, o: { replace: boolean; text?: string }): Promise<{ counts: Record<string, number> }> {
  const dump = parseDump(file, o.text ?? readDumpFile(file))
  const store = await ctx.state()
  const envs = new Set<string>(['prod', 'sources', ...dump.environments.map((e) => e.name), ...(await store.listEnvironments()).map((e) => e.name)])
  for (const env of [...envs].sort()) await ctx.lockEnvironment(env, 'state import')
  await store.importState(dump, { replace: o.replace })
  return { counts: dumpCounts(dump) }
}

/** Line of a JSON syntax error: from the message's position, else from a YAML parse (a JSON superset) of the text. */
function errorLine(text: string, msg: string): number | undefined {
  const pos = /position (\d+)/.exec(msg)
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length
  const err = parseDocument(text, { prettyErrors: true }).errors[0]
  return err?.linePos?.[0].line
}

function readDumpFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    throw new StateError('OPTION_INVALID', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/** Parse and check a dump; errors name the file (and line, for JSON syntax) or the bad field. */
export function parseDump(file: string, text: string): StateDump {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    const msg = (e as Error).message
    const line = errorLine(text, msg)
    throw new StateError('OPTION_INVALID', `not a state export (invalid JSON): ${msg}`, { location: { file, ...(line ? { line } : {}) } })
  }
  const r = StateDumpSchema.safeParse(raw)
  if (!r.success) {
    const issue = r.error.issues[0]!
    throw new StateError('OPTION_INVALID', `not a valid state export: ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`, { location: { file } })
  }
  return r.data as unknown as StateDump
}
