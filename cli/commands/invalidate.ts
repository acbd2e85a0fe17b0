import type { Command } from 'commander'
import { invalidateOperation } from '../../src/operations/invalidate.js'
import { printJson } from '../io.js'
import { action, type CommandEnv } from '../program.js'

export function registerInvalidate(program: Command, env: CommandEnv): void {
  program
    .command('invalidate')
    .description('remove a development environment (its views, or on Trino its Nessie branch and catalog) and its record')
    .argument('<env>', 'environment to remove (not prod)')
    .option('--json', 'print JSON')
    .action(
      action(env.io, async (envName: string, o: { json?: boolean }) => {
        const out = await env.withContext((ctx) => invalidateOperation(ctx, { env: envName }))
        if (o.json) return printJson(env.io, out)
        env.io.stdout.write(`Environment '${out.env}' removed (${out.models.length} models no longer published there; their physical tables are kept).\n`)
      }),
    )
}
