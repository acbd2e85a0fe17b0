import type { Command } from 'commander'
import { testOperation } from '../../src/operations/test.js'
import { EXIT, printJson } from '../io.js'
import { parsePositiveInt } from '../options.js'
import { testRunToText } from '../render/test-render.js'
import { action, type CommandEnv } from '../program.js'

/** `models test [selector...] [--json] [--junit FILE] [--concurrency N]`: exit 0 all passed, 4 some failed, 1 bad input. */
export function registerTest(program: Command, env: CommandEnv): void {
  program
    .command('test')
    .description('run the unit tests (tests/**/test_*.yaml) on an in-memory DuckDB')
    .argument('[selector...]', 'model selectors (oso.stg_*, tag:x, +m), test-name globs, or test files (file.yaml[::name])')
    .option('--json', 'print the results as JSON')
    .option('--junit <file>', 'also write a JUnit XML report to this file')
    .option('--concurrency <n>', 'tests run at once (default 4)')
    .action(
      action(env.io, async (selectors: string[], o: { json?: boolean; junit?: string; concurrency?: string }) => {
        const concurrency = parsePositiveInt('--concurrency', o.concurrency)
        const run = await env.withContext((ctx) => testOperation(ctx, { selectors, junit: o.junit, concurrency }))
        if (o.json) printJson(env.io, run)
        else env.io.stdout.write(testRunToText(run))
        if (run.errors > 0) env.io.setExitCode(EXIT.ERROR)
        else if (run.failed > 0) env.io.setExitCode(EXIT.TESTS_FAILED)
      }),
    )
}
