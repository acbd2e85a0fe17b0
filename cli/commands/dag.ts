import type { Command } from 'commander'
import { PlanError } from '../../src/errors.js'
import { dagOperation, dagToDot } from '../../src/operations/dag.js'
import { collect } from '../options.js'
import { printJson } from '../io.js'
import { action, type CommandEnv } from '../program.js'

export function registerDag(program: Command, env: CommandEnv): void {
  program
    .command('dag')
    .description('show the model dependency graph')
    .option('-s, --select <selector>', 'models to show (repeatable; e.g. "+oso.marts_x", "tag:github")', collect)
    .option('--format <format>', 'text | json | dot', 'text')
    .action(
      action(env.io, async (o: { select?: string[]; format: string }) => {
        if (!['text', 'json', 'dot'].includes(o.format)) {
          throw new PlanError('OPTION_INVALID', `--format must be text, json or dot, got '${o.format}'`)
        }
        const nodes = await env.withContext(async (ctx) => dagOperation(ctx, o.select))
        if (o.format === 'json') return printJson(env.io, nodes)
        if (o.format === 'dot') return void env.io.stdout.write(dagToDot(nodes) + '\n')
        for (const n of nodes) {
          env.io.stdout.write(`${n.name} [${n.kind}]${n.parents.length ? ` <- ${n.parents.join(', ')}` : ''}\n`)
        }
      }),
    )
}
