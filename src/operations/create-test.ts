import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { Context } from '../context.js'
import { PlanError, ProjectError } from '../errors.js'
import { closeNames } from '../macros/suggest.js'
import { formatDate, formatTimestamp } from '../util/dates.js'
import { prepareTests } from '../testing/prepare-tests.js'
import { MemoSqlService } from '../testing/memo-sql-service.js'
import { modelOutput, runTest } from '../testing/run-test.js'
import { SchemaCatalog, TypeTranslator } from '../testing/schema-catalog.js'
import { normalizeTableName, parseTestFile } from '../testing/test-file.js'
import { testFileYaml } from '../testing/test-writer.js'
import type { DataRow, ModelTestSpec, TestStatus } from '../testing/types.js'
import { toCells } from '../testing/yaml-cells.js'
import { queryOperation } from './query.js'
import { TestDatabasePool } from '../testing/test-databases.js'

/** Options of {@link createTestOperation}. */
export interface CreateTestOptions {
  /** The model to test. */
  model: string
  /** Query per upstream table (project dialect), instead of `SELECT * FROM <table> LIMIT <limit>`. */
  inputs?: Record<string, string>
  /** Rows sampled per upstream without an explicit query. Default 10. */
  limit?: number
  /** Environment the sample rows are read from. Default `prod`. */
  env?: string
  /** Output file (relative to the current folder); default `<project>/tests/test_<model table>.yaml`. */
  out?: string
  /** Test name; default `test_<model table>`. */
  name?: string
  /** `vars.start`; default the model's start. */
  start?: string
  /** `vars.end` (a date includes the whole day); default today (UTC). */
  end?: string
  /** Replace an existing file. Default false. */
  overwrite?: boolean
  /** Clock, epoch ms; default `Date.now()` (written as `vars.execution_time`). */
  now?: number
}

/** What {@link createTestOperation} wrote. */
export interface CreateTestResult {
  /** Path of the written file, relative to the project when inside it. */
  file: string
  test: string
  model: string
  inputs: Array<{ name: string; rows: number }>
  outputRows: number
  /** Result of running the new test once (`passed` unless the model is non-deterministic). */
  status: TestStatus
}

/**
 * `models create-test`: sample rows of every upstream table from an environment, run the model
 * on them in a fresh in-memory DuckDB, and write a test whose expected rows are that output.
 * @throws ProjectError MODEL_NOT_FOUND / MODEL_INVALID for an unknown model or one without a
 *   query; PlanError OPTION_INVALID for an `--input` table the model does not read or an existing
 *   file without `overwrite`; ENV_UNKNOWN when the environment was never built.
 */
export async function createTestOperation(ctx: Context, o: CreateTestOptions): Promise<CreateTestResult> {
  const project = ctx.project
  const name = normalizeTableName(o.model)
  const m = project.models.get(name)
  if (!m) {
    const near = closeNames(name, project.models.keys())
    throw new ProjectError('MODEL_NOT_FOUND', `unknown model '${o.model}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`)
  }
  if (m.def.kind.name === 'SEED' || m.def.kind.name === 'EXTERNAL') {
    throw new ProjectError('MODEL_INVALID', `model '${name}' is ${m.def.kind.name} and has no query to test`)
  }
  const queries = new Map<string, string>()
  for (const [table, sql] of Object.entries(o.inputs ?? {})) {
    const t = normalizeTableName(table)
    if (!m.parents.includes(t)) {
      throw new PlanError('OPTION_INVALID', `--input ${table}: model '${name}' does not read it (it reads ${m.parents.join(', ') || 'no tables'})`)
    }
    queries.set(t, sql)
  }
  const table = name.split('.').pop() ?? name
  const testName = o.name ?? `test_${table}`
  const path = o.out !== undefined ? resolve(o.out) : join(project.dir, 'tests', `test_${table}.yaml`)
  if (existsSync(path) && !o.overwrite) throw new PlanError('OPTION_INVALID', `${path} already exists (use --overwrite or --out)`)

  const now = o.now ?? Date.now()
  const limit = o.limit ?? 10
  const inputs: Array<{ name: string; rows: DataRow[] }> = []
  for (const parent of m.parents) {
    const sql = queries.get(parent) ?? `SELECT * FROM ${parent} LIMIT ${limit}`
    const rows = await queryOperation(ctx, sql, { env: o.env ?? 'prod' })
    inputs.push({ name: parent, rows: rows.map((r) => toCells(r) as DataRow) })
  }
  const vars = { start: o.start ?? m.def.start ?? '1970-01-01', end: o.end ?? formatDate(now), execution_time: formatTimestamp(now) }
  const rel = relative(project.dir, path).split(sep).join('/')
  const spec: ModelTestSpec = {
    name: testName,
    file: rel,
    line: 1,
    model: name,
    inputs: inputs.map((i) => ({ name: i.name, source: { kind: 'rows', rows: i.rows, fromCsv: false }, columns: {}, line: 1 })),
    outputs: [],
    vars,
  }
  await ctx.sql.ready()
  const sql = new MemoSqlService(ctx.sql)
  const catalog = new SchemaCatalog(project, sql, new TypeTranslator(sql), now)
  const databases = new TestDatabasePool(sql)
  const env = { project, sql, catalog, databases }
  try {
    const output = await modelOutput(env, prepareTests(project, [spec], now)[0]!)
    const text = testFileYaml({ name: testName, model: name, inputs, outputRows: output.rows, vars })
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
    // Read the written file back and run it: what was written must pass as written.
    const written = parseTestFile(text, { projectDir: project.dir, file: rel })
    const check = await runTest(env, prepareTests(project, written, now)[0]!)
    return {
      file: rel.startsWith('..') ? path : rel,
      test: testName,
      model: name,
      inputs: inputs.map((i) => ({ name: i.name, rows: i.rows.length })),
      outputRows: output.rows.length,
      status: check.status,
    }
  } finally {
    await catalog.close()
    await databases.close()
  }
}
