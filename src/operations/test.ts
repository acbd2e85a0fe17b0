import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Context } from '../context.js'
import { toJUnitXml } from '../testing/junit.js'
import { runModelTests, type RunTestsOptions } from '../testing/runner.js'
import type { TestRunResult } from '../testing/types.js'

/** Options of {@link testOperation}. */
export interface TestOperationOptions extends RunTestsOptions {
  /** Write a JUnit XML report to this file (relative to the current folder); parents are created. */
  junit?: string
}

/**
 * `models test`: run the project's unit tests (`tests/**\/test_*.yaml`), each on its own
 * in-memory DuckDB; never touches the warehouse or the state.
 * @throws ProjectLoadError / PlanError for invalid test files or selectors (nothing runs).
 */
export async function testOperation(ctx: Context, o: TestOperationOptions = {}): Promise<TestRunResult> {
  await ctx.sql.ready()
  const run = await runModelTests(ctx.project, ctx.sql, o)
  if (o.junit !== undefined) {
    const path = resolve(o.junit)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, toJUnitXml(run))
  }
  return run
}
