import type { Command } from 'commander'
import { infoOperation } from '../../src/operations/info.js'
import { printJson } from '../io.js'
import { action, type CommandEnv } from '../program.js'

export function registerInfo(program: Command, env: CommandEnv): void {
  program
    .command('info')
    .description('show the project: models by kind, tags, DAG size')
    .option('--json', 'print JSON')
    .action(
      action(env.io, async (o: { json?: boolean }) => {
        const info = await env.withContext(async (ctx) => infoOperation(ctx))
        if (o.json) return printJson(env.io, info)
        const lines = [
          `Project: ${info.project}`,
          `Gateway: ${info.gateway} (default dialect ${info.dialect})`,
          `Models: ${info.models} (+${info.externals} external tables), ${info.edges} dependencies`,
          ...Object.entries(info.byKind).map(([k, n]) => `  ${k}: ${n}`),
          `Tags:`,
          ...Object.entries(info.tags).map(([t, n]) => `  ${t}: ${n}`),
        ]
        env.io.stdout.write(lines.join('\n') + '\n')
      }),
    )
}
