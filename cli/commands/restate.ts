import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import { PlanError } from '../../src/errors.js'
import { restateOperation } from '../../src/operations/restate.js'
import { EXIT, printJson } from '../io.js'
import { checkRange, collect, parseEnd, parseStart } from '../options.js'
import { progressReporter, runToText } from '../render/run-render.js'
import { restatePreviewJson, restatePreviewText, restatementsText } from '../render/restate-render.js'
import { action, type CommandEnv } from '../program.js'

interface RestateFlags {
  category?: string[]
  model?: string[]
  start?: string
  end?: string
  env: string
  skipTests?: boolean
  reason?: string
  yes?: boolean
  dryRun?: boolean
  json?: boolean
  list?: boolean
}

export function registerRestate(program: Command, env: CommandEnv): void {
  program
    .command('restate')
    .description('recompute selected models and everything downstream of them (preview first; recorded)')
    .option('--category <cat>', 'models tagged entity_category=<cat> (repeatable)', collect)
    .option('--model <selector>', 'models matching a selector (repeatable)', collect)
    .option('--start <date>', 'restate intervals from this date')
    .option('--end <date>', 'restate intervals up to this date (inclusive for a date)')
    .option('--env <env>', 'environment', 'prod')
    .option('--skip-tests', "do not run the affected models' unit tests first")
    .option('--reason <text>', 'why (kept in the record)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the preview and stop')
    .option('--json', 'print JSON (preview, or preview and result)')
    .option('--list', 'list recorded restatements')
    .action(
      action(env.io, async (o: RestateFlags) => {
        if (o.list) {
          const list = await env.withContext(async (ctx) => (await ctx.state()).listRestatements({ env: o.env, limit: 50 }))
          return o.json ? printJson(env.io, list) : void env.io.stdout.write(restatementsText(list) + '\n')
        }
        const start = parseStart(o.start)
        const end = parseEnd(o.end)
        checkRange(start, end)
        const out = await env.withContext((ctx) =>
          restateOperation(ctx, {
            env: o.env,
            categories: o.category ?? [],
            selectors: o.model ?? [],
            start,
            end,
            reason: o.reason,
            skipTests: o.skipTests,
            dryRun: o.dryRun,
            reporter: o.json ? undefined : progressReporter(env.io),
            confirm: async (preview) => {
              if (!o.json) env.io.stdout.write(restatePreviewText(preview) + '\n')
              if (o.yes) return true
              if (!process.stdin.isTTY || !env.io.isTTY) {
                throw new PlanError('OPTION_INVALID', 'refusing to restate without --yes in a non-interactive session (use --dry-run to preview)')
              }
              const rl = createInterface({ input: process.stdin, output: process.stderr })
              const answer = await rl.question(`Restate these models in '${o.env}'? [y/N] `)
              rl.close()
              return /^y(es)?$/i.test(answer.trim())
            },
          }),
        )
        if (o.dryRun) {
          return o.json ? printJson(env.io, restatePreviewJson(out.preview)) : void env.io.stdout.write(restatePreviewText(out.preview) + '\n')
        }
        if (o.json) printJson(env.io, { preview: restatePreviewJson(out.preview), restatement: out.record, result: out.result })
        else if (out.result) env.io.stdout.write(runToText(out.result) + `\nRestatement ${out.record?.id}: ${out.record?.status}\n`)
        if (out.result && !out.result.ok) env.io.setExitCode(EXIT.MODELS_FAILED)
      }),
    )
}
