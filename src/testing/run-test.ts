/**
 * Run one prepared test on its own fresh in-memory DuckDB: create the inputs, render the model for
 * the test's interval (macros, transpile to DuckDB, references to the input tables, time filter),
 * run the query and each checked CTE, and compare with the expected rows.
 */
import type { DuckDbAdapter } from '../engines/duckdb/duckdb-adapter.js'
import type { Row } from '../engines/engine-adapter.js'
import { EngineError, ProjectError } from '../errors.js'
import type { TestDatabase, TestDatabasePool } from './test-databases.js'
import type { Project } from '../project/load-project.js'
import { renderModelQuery, renderStatement, type RenderTarget } from '../run/render-model.js'
import type { SqlService } from '../sql/sql-service.js'
import { compareRows, type ResultColumn } from './compare.js'
import { failureSummary } from './format-diff.js'
import { createInput, resolveRows, TableNamer, type InputContext } from './inputs.js'
import type { SchemaCatalog } from './schema-catalog.js'
import { cteQuery, freezeTime } from './sql-rewrite.js'
import type { OutputCheck, PreparedTest, TestOutput, TestResult } from './types.js'

/** What every test of a run shares. */
export interface TestEnvironment {
  project: Project
  /** A ready SQL service (parser loaded). */
  sql: SqlService
  catalog: SchemaCatalog
  /** Where each test gets its fresh database. */
  databases: TestDatabasePool
}

/** The rows and column types a query produced in a test database. */
export interface QueryResult {
  columns: ResultColumn[]
  rows: Row[]
}

/**
 * Run one test. Never throws for a problem of the test or the model: those come back as status
 * `error` with a message naming the file, line and test.
 */
export async function runTest(env: TestEnvironment, test: PreparedTest): Promise<TestResult> {
  const started = performance.now()
  const base = { name: test.name, file: test.file, line: test.line, model: test.model }
  let lease: TestDatabase | undefined
  try {
    lease = await env.databases.acquire()
    const db = lease.db
    const checks: OutputCheck[] = []
    const model = await buildModel(env, db, test)
    for (const output of test.outputs) {
      const sql = atLine(test, output.line, () => (output.cte ? cteQuery(model.body, output.name) : model.query))
      const actual = await collect(db, sql)
      const expected = await expectedRows(env, db, test, output)
      const label = output.cte ? `cte ${output.name}` : 'query'
      checks.push(atLine(test, output.line, () => compareRows({ output: label, expected, actual: actual.rows, columns: actual.columns, partial: output.partial })))
    }
    const failed = checks.some((c) => !c.ok)
    return {
      ...base,
      status: failed ? 'failed' : 'passed',
      durationMs: Math.round(performance.now() - started),
      message: failed ? failureSummary(checks) : undefined,
      checks,
    }
  } catch (e) {
    if (!(e instanceof Error)) throw e
    return { ...base, status: 'error', durationMs: Math.round(performance.now() - started), message: errorMessage(test, e), checks: [] }
  } finally {
    await lease?.release()
  }
}

/**
 * The rows the model produces for `test`'s inputs and vars, on a fresh database (what
 * `create-test` records as the expected output). Outputs of `test` are ignored.
 * @throws EngineError when an input cannot be created or the model fails.
 */
export async function modelOutput(env: TestEnvironment, test: PreparedTest): Promise<QueryResult> {
  const lease = await env.databases.acquire()
  try {
    return await collect(lease.db, (await buildModel(env, lease.db, test)).query)
  } finally {
    await lease.release()
  }
}

/** The model's SQL for the test: `query` (with the time filter) and `body` (for CTE checks). */
async function buildModel(env: TestEnvironment, db: DuckDbAdapter, test: PreparedTest): Promise<{ query: string; body: string }> {
  const m = env.project.models.get(test.model)!
  const namer = new TableNamer(db)
  const ctx: InputContext = {
    db,
    sql: env.sql,
    types: env.catalog.types,
    dialect: env.project.config.config.model_defaults.dialect,
    now: test.executionTime,
  }
  const refs = new Map<string, string>()
  for (const parent of m.parents) {
    const input = test.inputs.find((i) => i.name === parent)
    const known = await env.catalog.columnsOf(parent)
    if (!input && (!known || known.some((c) => c.type === undefined))) {
      throw new EngineError(
        'MODEL_INVALID',
        `the model reads ${parent}, which the test gives no input for, and its column types are unknown; ` +
          `add it to inputs (an empty table: \`${parent}: {rows: [], columns: {col: type}}\`)`,
      )
    }
    const ref = await namer.prepare(parent)
    try {
      await createInput(ctx, ref, input, known)
    } catch (e) {
      throw input && e instanceof EngineError && !e.location ? locate(test, e, input.line) : e
    }
    refs.set(parent, ref)
  }
  const target: RenderTarget = {
    engine: db,
    sql: env.sql,
    variables: test.variables,
    macros: env.project.macros,
    thisModel: test.model.split('.').map((p) => db.quoteIdent(p)).join('.'),
    resolve: (name) => refs.get(name),
  }
  const freeze = (sql: string): string => (test.frozenTime ? freezeTime(sql, test.executionTime) : sql)
  const query = freeze(renderModelQuery(m.def, m.parents, test.interval, test.executionTime, target))
  let body = query
  if (test.outputs.some((o) => o.cte)) {
    const rendered = renderStatement(m.def, m.def.query, m.def.queryLine, test.interval, test.executionTime, target)
    body = freeze(refs.size > 0 ? env.sql.replaceTables(rendered, db.dialect, refs) : rendered)
  }
  return { query, body }
}

let resultSeq = 0

/** Run `sql` into a temp table, then read its column types and rows. */
export async function collect(db: DuckDbAdapter, sql: string): Promise<QueryResult> {
  const t = db.quoteIdent(`__tributary_result_${++resultSeq}`)
  await db.execute(`CREATE TEMP TABLE ${t} AS\n${sql.trimEnd().replace(/;+$/, '')}\n`)
  const described = await db.query(`DESCRIBE ${t}`)
  const columns = described.map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }))
  const rows = await db.query(`SELECT * FROM ${t}`)
  return { columns, rows }
}

async function expectedRows(env: TestEnvironment, db: DuckDbAdapter, test: PreparedTest, output: TestOutput): Promise<Array<Record<string, unknown>>> {
  if (output.source.kind === 'rows') return resolveRows(output.source.rows, test.executionTime)
  const dialect = env.project.config.config.model_defaults.dialect
  return (await collect(db, env.sql.transpile(output.source.sql, dialect, 'duckdb'))).rows
}

function locate(test: PreparedTest, e: EngineError, line: number): EngineError {
  return new ProjectError(e.code, e.message, { location: { file: test.file, line }, cause: e })
}

/** Run `fn`; an engine error without a location (a test mistake) is located at `line` of the test file. */
function atLine<T>(test: PreparedTest, line: number, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw e instanceof EngineError && !e.location ? locate(test, e, line) : e
  }
}

/** `file:line: test 'name' (model m): message`; an error located in another file keeps its location. */
function errorMessage(test: PreparedTest, e: Error): string {
  const line = e instanceof EngineError && e.location?.file === test.file ? (e.location.line ?? test.line) : test.line
  const inner = e instanceof EngineError && e.location && e.location.file !== test.file ? e.format() : e.message
  return `${test.file}:${line}: test '${test.name}' (model ${test.model}): ${inner}`
}
