import type { Command } from 'commander'
import { stateExportOperation, stateImportOperation, stateMigrateOperation, stateShowOperation } from '../../src/operations/state.js'
import { printJson } from '../io.js'
import { action, type CommandEnv } from '../program.js'
import { rowsToTable } from '../render/table.js'

export function registerState(program: Command, env: CommandEnv): void {
  const state = program.command('state').description('inspect, migrate, export and import the state store (see docs/state.md)')

  state
    .command('show')
    .description('backend, schema version, record counts, environments and held locks')
    .option('--json', 'print JSON')
    .action(
      action(env.io, async (o: { json?: boolean }) => {
        const s = await env.withContext((ctx) => stateShowOperation(ctx))
        if (o.json) return printJson(env.io, s)
        const out: string[] = [
          `State store: ${s.backend} ${s.location}${s.schema ? ` (schema ${s.schema})` : ''}`,
          `Schema version: ${s.schemaVersion} (this tool: ${s.latestVersion})`,
          `Records: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        ]
        if (s.environments.length > 0) {
          out.push('', rowsToTable(s.environments.map((e) => ({ environment: e.name, revision: e.revision, models: e.models, updated: new Date(e.updatedAt).toISOString(), 'last run': e.lastRunId ?? '' }))))
        }
        out.push('', s.locks.length === 0 ? 'Locks: none held' : rowsToTable(s.locks.map((l) => ({ lock: l.name, command: l.command, pid: l.pid, host: l.host, user: l.user, since: new Date(l.since).toISOString() }))))
        env.io.stdout.write(out.join('\n') + '\n')
      }),
    )

  state
    .command('migrate')
    .description("bring the state store to this tool's schema version (also done automatically on first use)")
    .option('--json', 'print JSON')
    .action(
      action(env.io, async (o: { json?: boolean }) => {
        const r = await env.withContext((ctx) => stateMigrateOperation(ctx))
        if (o.json) return printJson(env.io, r)
        const where = `${r.location}${r.schema ? ` schema ${r.schema}` : ''}`
        if (r.applied.length === 0) env.io.stdout.write(`State store ${where} is at version ${r.to}: up to date.\n`)
        else env.io.stdout.write(`State store ${where} migrated from version ${r.from} to ${r.to}:\n${r.applied.map((m) => `  ${m.version}  ${m.description}`).join('\n')}\n`)
      }),
    )

  state
    .command('export')
    .description('write every state record to FILE as JSON (`-` for stdout)')
    .argument('<file>', 'output file, or - for stdout')
    .option('--json', 'print a JSON summary (with FILE; with `-` the export itself is the JSON)')
    .action(
      action(env.io, async (file: string, o: { json?: boolean }) => {
        const r = await env.withContext((ctx) => stateExportOperation(ctx, file))
        if (file === '-') return printJson(env.io, r.dump)
        if (o.json) return printJson(env.io, { file: r.file, counts: r.counts })
        env.io.stdout.write(`Exported state to ${r.file}: ${summary(r.counts)}.\n`)
      }),
    )

  state
    .command('import')
    .description('load a state export into this store in one transaction (the store must be empty unless --replace)')
    .argument('<file>', 'a file written by `models state export`')
    .option('--replace', 'replace everything in the store with the file')
    .option('--json', 'print JSON')
    .action(
      action(env.io, async (file: string, o: { replace?: boolean; json?: boolean }) => {
        const r = await env.withContext((ctx) => stateImportOperation(ctx, file, { replace: o.replace === true }))
        if (o.json) return printJson(env.io, { file, replaced: o.replace === true, counts: r.counts })
        env.io.stdout.write(`Imported ${file}${o.replace ? ' (replacing the previous state)' : ''}: ${summary(r.counts)}.\n`)
      }),
    )
}

function summary(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')
}
