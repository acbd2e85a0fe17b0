import type { Command } from 'commander'
import { PlanError } from '../../src/errors.js'
import { createTestOperation } from '../../src/operations/create-test.js'
import { printJson } from '../io.js'
import { collect, parsePositiveInt } from '../options.js'
import { action, type CommandEnv } from '../program.js'

interface CreateTestFlags {
  input?: string[]
  limit?: string
  env: string
  out?: string
  name?: string
  start?: string
  end?: string
  overwrite?: boolean
  json?: boolean
}

/** `--input TABLE=SQL` values -> table -> SQL. */
function parseInputs(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const v of values ?? []) {
    const eq = v.indexOf('=')
    if (eq <= 0 || v.slice(eq + 1).trim() === '') throw new PlanError('OPTION_INVALID', `--input '${v}': expected TABLE=SQL`)
    out[v.slice(0, eq).trim()] = v.slice(eq + 1)
  }
  return out
}

/** `models create-test MODEL [--input TABLE=SQL ...] [--limit N] [--env E] [--out FILE] ...`: write a test from sample rows. */
export function registerCreateTest(program: Command, env: CommandEnv): void {
  program
    .command('create-test')
    .description("write a unit test for a model from sample rows of its upstream tables (the model's output on them is the expected rows)")
    .argument('<model>', 'the model to test')
    .option('--input <table=sql>', 'query for one upstream table, in the project dialect (repeatable)', collect)
    .option('--limit <n>', 'rows sampled per upstream table without --input', '10')
    .option('--env <env>', 'environment to read the sample rows from', 'prod')
    .option('--out <file>', 'file to write (default: tests/test_<model>.yaml in the project)')
    .option('--name <name>', 'test name (default: test_<model>)')
    .option('--start <date>', 'vars.start of the test (default: the model start)')
    .option('--end <date>', 'vars.end of the test (default: today)')
    .option('--overwrite', 'replace an existing file')
    .option('--json', 'print what was written as JSON')
    .action(
      action(env.io, async (model: string, o: CreateTestFlags) => {
        const r = await env.withContext((ctx) =>
          createTestOperation(ctx, {
            model,
            inputs: parseInputs(o.input),
            limit: parsePositiveInt('--limit', o.limit),
            env: o.env,
            out: o.out,
            name: o.name,
            start: o.start,
            end: o.end,
            overwrite: o.overwrite,
          }),
        )
        if (o.json) return printJson(env.io, r)
        const rows = r.inputs.map((i) => `${i.name} (${i.rows} rows)`).join(', ')
        env.io.stdout.write(`Wrote ${r.file}: test ${r.test} for ${r.model}\n  inputs: ${rows || 'none'}\n  expected rows: ${r.outputRows}\n`)
        env.io.stdout.write(r.status === 'passed' ? '  the new test passes\n' : `  warning: the new test does not pass as written (${r.status}); the model may be non-deterministic\n`)
      }),
    )
}
