/**
 * The unit-test runner: find the project's test files, select tests, check them against the
 * project, and run them in parallel (each on its own in-memory DuckDB).
 */
import { TestDatabasePool } from './test-databases.js'
import { PlanError } from '../errors.js'
import type { Project } from '../project/load-project.js'
import { globToRegExp } from '../selection/glob.js'
import { selectModels } from '../selection/select-models.js'
import type { SqlService } from '../sql/sql-service.js'
import { loadTestSpecs } from './discover.js'
import { MemoSqlService } from './memo-sql-service.js'
import { prepareTests } from './prepare-tests.js'
import { runTest, type TestEnvironment } from './run-test.js'
import { SchemaCatalog, TypeTranslator } from './schema-catalog.js'
import { normalizeTableName } from './test-file.js'
import type { ModelTestSpec, TestResult, TestRunResult } from './types.js'

/** Options of {@link runModelTests}. */
export interface RunTestsOptions {
  /**
   * Which tests: each entry is a test file (`tests/test_x.yaml`, optionally `::test_name_glob`),
   * a test-name glob (`test_stg_*`), or else a model selector (`oso.stg_*`, `tag:github`,
   * `+oso.x`). Empty or undefined: every test.
   */
  selectors?: readonly string[]
  /** Tests run at once, each with its own DuckDB. Default 4. */
  concurrency?: number
  /** The run's clock (epoch ms); default `Date.now()`. */
  now?: number
  /** Called as each test finishes (in completion order). */
  onTestEnd?: (result: TestResult) => void
}

/**
 * Run the project's unit tests. Test failures and per-test errors are results, not exceptions.
 * @param sql a ready SQL service (call `LazySqlService.ready()` first).
 * @throws ProjectLoadError when a test file is invalid or a test names an unknown model or an
 *   input the model does not read (nothing runs); PlanError when a selector is invalid or matches
 *   nothing.
 */
export async function runModelTests(project: Project, sql: SqlService, opts: RunTestsOptions = {}): Promise<TestRunResult> {
  const started = performance.now()
  const now = opts.now ?? Date.now()
  const specs = selectTests(project, loadTestSpecs(project.dir), opts.selectors ?? [])
  const tests = prepareTests(project, specs, now)
  const memo = new MemoSqlService(sql)
  const catalog = new SchemaCatalog(project, memo, new TypeTranslator(memo), now)
  const databases = new TestDatabasePool(memo)
  const env: TestEnvironment = { project, sql: memo, catalog, databases }
  let results: TestResult[]
  try {
    results = await mapBounded(tests, opts.concurrency ?? 4, async (t) => {
      const r = await runTest(env, t)
      opts.onTestEnd?.(r)
      return r
    })
  } finally {
    await catalog.close()
    await databases.close()
  }
  const count = (s: TestResult['status']): number => results.filter((r) => r.status === s).length
  return {
    total: results.length,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    durationMs: Math.round(performance.now() - started),
    tests: results,
  }
}

/** The tests `selectors` pick (see {@link RunTestsOptions.selectors}), in their original order. */
export function selectTests(project: Project, specs: readonly ModelTestSpec[], selectors: readonly string[]): ModelTestSpec[] {
  if (selectors.length === 0) return [...specs]
  const picked = new Set<ModelTestSpec>()
  for (const raw of selectors) {
    const s = raw.trim()
    const sepAt = s.indexOf('::')
    const filePart = sepAt >= 0 ? s.slice(0, sepAt) : /\.ya?ml$/i.test(s) ? s : undefined
    if (filePart !== undefined) {
      const file = filePart.replace(/\\/g, '/').replace(/^\.\//, '')
      const name = sepAt >= 0 ? globToRegExp(s.slice(sepAt + 2) || '*') : undefined
      const hits = specs.filter((t) => (t.file === file || t.file.endsWith(`/${file}`)) && (!name || name.test(t.name)))
      if (hits.length === 0) throw new PlanError('OPTION_INVALID', `no tests match '${s}'`)
      hits.forEach((t) => picked.add(t))
      continue
    }
    const byName = specs.filter((t) => globToRegExp(s).test(t.name))
    if (byName.length > 0) {
      byName.forEach((t) => picked.add(t))
      continue
    }
    const models = new Map<string, { name: string; tags: readonly string[] }>()
    for (const [name, m] of project.models) models.set(name, { name, tags: m.def.tags })
    const selected = selectModels([s], models, project.dag)
    for (const t of specs) if (selected.has(normalizeTableName(t.model))) picked.add(t)
  }
  return specs.filter((t) => picked.has(t))
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}
