import type { Command } from 'commander'
import { auditOperation } from '../../src/operations/audit.js'
import { EXIT, printJson } from '../io.js'
import { collect } from '../options.js'
import { action, type CommandEnv } from '../program.js'

export function registerAudit(program: Command, env: CommandEnv): void {
  program
    .command('audit')
    .description("re-run models' audits on an environment's current tables and report each")
    .argument('[selector...]', 'models to audit (default: every model with audits)')
    .option('--env <env>', 'environment', 'prod')
    .option('-s, --select <selector>', 'models to audit (repeatable)', collect)
    .option('--json', 'print the results as JSON')
    .action(
      action(env.io, async (selectors: string[], o: { env: string; select?: string[]; json?: boolean }) => {
        const select = [...selectors, ...(o.select ?? [])]
        const reports = await env.withContext((ctx) => auditOperation(ctx, { env: o.env, select: select.length ? select : undefined }))
        const failed = reports.flatMap((r) => r.results.filter((a) => a.status === 'failed' && a.blocking))
        if (o.json) printJson(env.io, reports)
        else {
          for (const r of reports) {
            for (const a of r.results) {
              const what = a.status === 'passed' ? 'passed' : `FAILED: ${a.count} bad row${a.count === 1 ? '' : 's'}${a.blocking ? '' : ' (non-blocking)'}`
              env.io.stdout.write(`${r.model} ${a.audit}: ${what}\n`)
              for (const row of a.status === 'failed' ? a.sample : []) env.io.stdout.write(`    ${JSON.stringify(row)}\n`)
            }
          }
          const n = reports.reduce((k, r) => k + r.results.length, 0)
          env.io.stdout.write(`${n} audits on ${reports.length} models: ${failed.length} blocking failures\n`)
        }
        if (failed.length > 0) env.io.setExitCode(EXIT.AUDITS_FAILED)
      }),
    )
}
