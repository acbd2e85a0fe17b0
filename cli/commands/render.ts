import type { Command } from 'commander'
import { PlanError } from '../../src/errors.js'
import { renderOperation } from '../../src/operations/render.js'
import { isDialect } from '../../src/sql/dialect.js'
import { checkRange, parseEnd, parseStart } from '../options.js'
import { action, type CommandEnv } from '../program.js'

export function registerRender(program: Command, env: CommandEnv): void {
  program
    .command('render')
    .description("print the SQL a model runs for an interval, in a dialect")
    .argument('<model>', 'model name, e.g. oso.int_events_daily')
    .option('--dialect <dialect>', 'duckdb | trino (default: the model\'s dialect)')
    .option('--start <date>', 'interval start (default: yesterday)')
    .option('--end <date>', 'interval end, inclusive for a date (default: start + 1 day)')
    .action(
      action(env.io, async (model: string, o: { dialect?: string; start?: string; end?: string }) => {
        if (o.dialect !== undefined && !isDialect(o.dialect)) {
          throw new PlanError('OPTION_INVALID', `--dialect must be duckdb or trino, got '${o.dialect}'`)
        }
        const day = 86_400_000
        const start = parseStart(o.start) ?? Math.floor(Date.now() / day) * day - day
        const end = parseEnd(o.end) ?? start + day
        checkRange(start, end)
        const sql = await env.withContext(async (ctx) => {
          const m = ctx.project.models.get(model.toLowerCase())
          const dialect = (o.dialect as 'duckdb' | 'trino' | undefined) ?? m?.def.dialect ?? 'trino'
          return renderOperation(ctx, model, { dialect, start, end })
        })
        env.io.stdout.write(sql.trim() + '\n')
      }),
    )
}
