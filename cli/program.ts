import { Command } from 'commander'
import { Context } from '../src/context.js'
import { EngineError } from '../src/errors.js'
import { VERSION } from '../src/version.js'
import { registerAudit } from './commands/audit.js'
import { registerCreateTest } from './commands/create-test.js'
import { registerDag } from './commands/dag.js'
import { registerInfo } from './commands/info.js'
import { registerInit } from './commands/init.js'
import { registerPlan } from './commands/plan.js'
import { registerPromote } from './commands/promote.js'
import { registerInvalidate } from './commands/invalidate.js'
import { registerIngest } from './commands/ingest.js'
import { registerQuery } from './commands/query.js'
import { registerRender } from './commands/render.js'
import { registerRestate } from './commands/restate.js'
import { registerRun } from './commands/run.js'
import { registerState } from './commands/state.js'
import { registerTest } from './commands/test.js'
import { EXIT, type CliIo } from './io.js'
import type { GlobalOptions } from './options.js'

/** What a command body receives. */
export interface CommandEnv {
  io: CliIo
  globals(): GlobalOptions
  /** Open the project (loads and validates it), run `fn`, always close. */
  withContext<T>(fn: (ctx: Context) => Promise<T>): Promise<T>
}

/** Build the `models` CLI. Tests call `parseAsync(argv, { from: 'user' })` and read the CliIo. */
export function createProgram(io: CliIo): Command {
  const program = new Command('models')
  program
    .description('Tributary: plan, run, test and restate SQL models on DuckDB or Trino/Iceberg')
    .version(VERSION, '-V, --version', 'print the version')
    .option('-p, --project <dir>', 'project folder', '.')
    .option('--gateway <name>', 'gateway from config.yaml (default: default_gateway)')
    .option('--wait', 'when another process holds the lock of the environment (or is using the state a migration needs), wait for it instead of failing')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    // Inherited by every subcommand: commander throws instead of exiting; main.ts sets the code.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
  const env: CommandEnv = {
    io,
    globals: () => program.opts<GlobalOptions>(),
    withContext: async (fn) => {
      const g = program.opts<GlobalOptions>()
      const ctx = await Context.create({ projectDir: g.project, gateway: g.gateway, wait: g.wait === true, notice: (m) => io.stderr.write(`${m}\n`) })
      try {
        return await fn(ctx)
      } finally {
        await ctx.close()
      }
    },
  }
  registerInit(program, env)
  registerInfo(program, env)
  registerDag(program, env)
  registerRender(program, env)
  registerPlan(program, env)
  registerRun(program, env)
  registerQuery(program, env)
  registerTest(program, env)
  registerCreateTest(program, env)
  registerAudit(program, env)
  registerRestate(program, env)
  registerPromote(program, env)
  registerInvalidate(program, env)
  registerIngest(program, env)
  registerState(program, env)
  return program
}

/** Wrap a command body: typed errors become one message and exit 1; anything else exit 2. */
export function action<A extends unknown[]>(io: CliIo, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args)
    } catch (e) {
      if (e instanceof EngineError) {
        io.stderr.write(`error: ${e.format()}\n`)
        io.setExitCode(e.code === 'STATE_LOCKED' ? EXIT.LOCKED : EXIT.ERROR)
      } else {
        io.stderr.write(`internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
        io.setExitCode(EXIT.INTERNAL)
      }
    }
  }
}
