import type { Command } from 'commander'
import { EngineError } from '../../src/errors.js'
import { ingestCheckOperation, ingestOperation, type CheckResult } from '../../src/operations/ingest.js'
import type { TableOutcome } from '../../src/ingest/ingest.js'
import { collect } from '../options.js'
import { EXIT, printJson } from '../io.js'
import { action, type CommandEnv } from '../program.js'

export function registerIngest(program: Command, env: CommandEnv): void {
  program
    .command('ingest')
    .description('replicate source tables (sources/*.yaml) into the warehouse: full refresh or incremental by cursor')
    .argument('[check]', "'check': verify the change-data-capture prerequisites of --source instead of syncing")
    .option('--source <name>', 'only this source')
    .option('--apply', 'with check: run the SQL that fixes what is missing (needs the rights)')
    .option('--table <name>', 'only this table: my_database.lookup or the table name (repeatable)', collect)
    .option('--full-refresh', 'reload the selected tables in full and reset their cursors')
    .option('--follow', 'CDC sources: keep streaming changes until Ctrl-C (stops cleanly after the current batch)')
    .option('--resnapshot', 'CDC sources: drop the replication slot and copy every table again (after a lost slot)')
    .option('--json', 'print the per-table summary as JSON (no progress output)')
    .action(
      action(env.io, async (what: string | undefined, o: { source?: string; table?: string[]; fullRefresh?: boolean; json?: boolean; apply?: boolean; follow?: boolean; resnapshot?: boolean }) => {
        if (what !== undefined) {
          if (what !== 'check') throw new EngineError('OPTION_INVALID', `unknown argument '${what}': the only one is 'check'`)
          const r = await env.withContext((ctx) => ingestCheckOperation(ctx, { source: o.source, apply: o.apply }))
          if (o.json) printJson(env.io, r)
          else env.io.stdout.write(checkText(r) + '\n')
          if (!r.ok) env.io.setExitCode(EXIT.CHECK_FAILED)
          return
        }
        let last = 0
        const controller = new AbortController()
        const onSigint = (): void => controller.abort()
        process.once('SIGINT', onSigint)
        try {
          const result = await env.withContext((ctx) =>
            ingestOperation(ctx, {
              source: o.source,
              tables: o.table,
              fullRefresh: o.fullRefresh,
              follow: o.follow,
              resnapshot: o.resnapshot,
              signal: controller.signal,
              onProgress: o.json
                ? undefined
                : (p) => {
                    const now = Date.now()
                    if (now - last < 1000) return
                    last = now
                    env.io.stderr.write(`  ${p.node}: ${p.rows.toLocaleString('en-US')} rows (${p.rowsPerSecond.toLocaleString('en-US')} rows/s) — tables done ${p.tablesDone}/${p.tablesTotal}\n`)
                  },
              onTableDone: o.json ? undefined : (t) => env.io.stderr.write(`${line(t)}\n`),
            }),
          )
          if (o.json) printJson(env.io, result)
          else {
            const loaded = result.tables.filter((t) => t.status === 'loaded')
            const failed = result.tables.filter((t) => t.status === 'failed')
            const rows = loaded.reduce((n, t) => n + t.rows, 0)
            env.io.stdout.write(
              [...result.tables.map(line), `Ingest ${failed.length === 0 ? 'succeeded' : 'finished with failures'}: ${loaded.length} loaded (${rows.toLocaleString('en-US')} rows), ${failed.length} failed (${(result.durationMs / 1000).toFixed(1)} s)`].join('\n') + '\n',
            )
          }
          if (!result.ok) env.io.setExitCode(EXIT.INGEST_FAILED)
        } finally {
          process.removeListener('SIGINT', onSigint)
        }
      }),
    )
}

function line(t: TableOutcome): string {
  if (t.status === 'failed') return `  FAILED ${t.node}: ${t.message}`
  const cursor = t.cursor ? `, ${t.cursor.column} ${t.cursor.from ?? '(start)'} -> ${t.cursor.to ?? '(no rows)'}` : ''
  const added = t.columnsAdded ? `, new columns ${t.columnsAdded.join(', ')}` : ''
  return `  ok ${t.node}: ${t.rows.toLocaleString('en-US')} rows, ${t.mode} ${t.disposition} (${(t.durationMs / 1000).toFixed(1)} s${cursor}${added})`
}

function checkText(r: CheckResult): string {
  const lines = [`CDC prerequisites of source '${r.source}':`]
  for (const c of r.checks) {
    const applied = c.applied === 'done' ? ' (fixed by --apply)' : c.applied === 'failed' ? ` (--apply failed: ${c.applyError})` : ''
    lines.push(`  ${c.ok ? 'ok     ' : 'MISSING'} ${c.detail}${applied}`)
    for (const sql of c.fix) lines.push(`          fix: ${sql}`)
    if (c.note) lines.push(`          note: ${c.note}`)
  }
  lines.push(r.ok ? 'All prerequisites are met.' : 'Some prerequisites are missing: run the SQL above as a user with the rights, or `models ingest check --apply`.')
  return lines.join('\n')
}
