import type { Command } from 'commander'
import { planOperation } from '../../src/operations/plan.js'
import { checkRange, collect, parseEnd, parseStart } from '../options.js'
import { printJson } from '../io.js'
import { planToJson, planToText } from '../render/plan-render.js'
import { action, type CommandEnv } from '../program.js'

export function registerPlan(program: Command, env: CommandEnv): void {
  program
    .command('plan')
    .description('show what changed against an environment and which intervals are missing (writes nothing)')
    .argument('[env]', 'environment', 'prod')
    .option('--start <date>', 'only intervals from this date')
    .option('--end <date>', 'only intervals up to this date (inclusive for a date)')
    .option('-s, --select <selector>', 'only these models (repeatable)', collect)
    .option('--json', 'print the plan as JSON')
    .action(
      action(env.io, async (envName: string, o: { start?: string; end?: string; select?: string[]; json?: boolean }) => {
        const start = parseStart(o.start)
        const end = parseEnd(o.end)
        checkRange(start, end)
        const plan = await env.withContext((ctx) => planOperation(ctx, { env: envName, start, end, select: o.select }))
        if (o.json) printJson(env.io, planToJson(plan))
        else env.io.stdout.write(planToText(plan) + '\n')
      }),
    )
}
