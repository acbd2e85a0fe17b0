import type { Command } from 'commander'
import { runOperation } from '../../src/operations/run.js'
import { EXIT, printJson } from '../io.js'
import { checkRange, collect, parseEnd, parsePositiveInt, parseStart } from '../options.js'
import { planToJson } from '../render/plan-render.js'
import { progressReporter, runToText } from '../render/run-render.js'
import { action, type CommandEnv } from '../program.js'

export function registerRun(program: Command, env: CommandEnv): void {
  program
    .command('run')
    .description('apply the plan: build changed models and missing intervals, then update the environment')
    .argument('[env]', 'environment', 'prod')
    .option('--start <date>', 'only intervals from this date')
    .option('--end <date>', 'only intervals up to this date (inclusive for a date)')
    .option('-s, --select <selector>', 'only these models (repeatable)', collect)
    .option('--concurrency <n>', 'models run at once (default: gateway concurrent_tasks or 4)')
    .option('--no-ingest', 'do not sync the replicated sources the selected models read first')
    .option('--json', 'print the plan and the result as JSON (no progress output)')
    .action(
      action(env.io, async (envName: string, o: { start?: string; end?: string; select?: string[]; concurrency?: string; json?: boolean; ingest?: boolean }) => {
        const start = parseStart(o.start)
        const end = parseEnd(o.end)
        checkRange(start, end)
        const concurrency = parsePositiveInt('--concurrency', o.concurrency)
        const controller = new AbortController()
        const onSigint = (): void => controller.abort()
        process.once('SIGINT', onSigint)
        try {
          const { plan, result } = await env.withContext((ctx) =>
            runOperation(ctx, {
              env: envName,
              start,
              end,
              select: o.select,
              concurrency,
              reporter: o.json ? undefined : progressReporter(env.io),
              signal: controller.signal,
              command: 'run',
              noIngest: o.ingest === false,
              onIngest: o.json ? undefined : (t) => env.io.stderr.write(t.status === 'loaded' ? `  synced ${t.node}: ${t.rows} rows\n` : `  FAILED sync ${t.node}: ${t.message}\n`),
            }),
          )
          if (o.json) printJson(env.io, { plan: planToJson(plan), result })
          else env.io.stdout.write(runToText(result) + '\n')
          if (!result.ok) env.io.setExitCode(EXIT.MODELS_FAILED)
        } finally {
          process.off('SIGINT', onSigint)
        }
      }),
    )
}
