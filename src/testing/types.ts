/** Data types of model unit tests: parsed test files, prepared tests and their results. */

/** One cell of test data, as YAML or CSV gives it (before typing). */
export type Cell = null | boolean | number | bigint | string | Cell[] | { [key: string]: Cell }

/** One row of test data: column name -> cell. A column missing from the map is NULL. */
export type DataRow = Record<string, Cell>

/** Where the rows of an input table or of an expected output come from. */
export type DataSource =
  | {
      kind: 'rows'
      /** Rows as written (YAML maps, CSV text or a file), relative cells not yet resolved. */
      rows: DataRow[]
      /** True when the cells are raw CSV text (so `'1'` may be a number); false for YAML values. */
      fromCsv: boolean
      /** Column names in file order (CSV header), when the source has one. */
      header?: string[]
    }
  | {
      kind: 'query'
      /** SQL in the project's default dialect, run in the test's database. */
      sql: string
    }

/** One `inputs` entry of a test. */
export interface TestInput {
  /** Table name, normalized like model names (`oso.stg_events`). */
  name: string
  source: DataSource
  /** `columns:` type hints (column name -> SQL type in the project's dialect). */
  columns: Record<string, string>
  /** 1-based line of the entry in the test file. */
  line: number
}

/** One expected output: the model query or one of its CTEs. */
export interface TestOutput {
  /** `'query'`, or the CTE name for `outputs.ctes.<name>`. */
  name: string
  /** True for `outputs.ctes.<name>`. */
  cte: boolean
  source: DataSource
  /** Compare only the columns the expected rows give. */
  partial: boolean
  line: number
}

/** A test as written in a test file, validated but not yet checked against the project. */
export interface ModelTestSpec {
  /** Test name (the top-level key). */
  name: string
  /** Project-relative path of the test file (`/` separators). */
  file: string
  /** 1-based line of the test name. */
  line: number
  /** Model under test, lower-cased as written. */
  model: string
  description?: string
  inputs: TestInput[]
  outputs: TestOutput[]
  /** `vars` as written, keys lower-cased. */
  vars: Record<string, unknown>
}

/** A test checked against the project, ready to run. */
export interface PreparedTest extends ModelTestSpec {
  /** Interval the model is rendered for, `[start, end)` epoch ms. */
  interval: readonly [number, number]
  /** Execution time, epoch ms; also the base of time-relative cells. */
  executionTime: number
  /** True when `vars.execution_time` was given (then `CURRENT_TIMESTAMP` & co. are frozen to it). */
  frozenTime: boolean
  /** Project variables with the test's overrides, keys lower-cased. */
  variables: Record<string, unknown>
}

/** A value difference within a near-matching pair of rows. */
export interface ColumnDifference {
  column: string
  expected: unknown
  actual: unknown
}

/** An expected row that was not produced, paired with the produced row closest to it. */
export interface NearMatch {
  /** 1-based index of the expected row. */
  expectedIndex: number
  expected: Record<string, unknown>
  actual: Record<string, unknown>
  differences: ColumnDifference[]
}

/** Result of checking one output (the query or one CTE). */
export interface OutputCheck {
  /** `'query'` or `'cte <name>'`. */
  output: string
  ok: boolean
  /** Columns compared (expected column names, in order). */
  columns: string[]
  expectedCount: number
  actualCount: number
  /** Expected rows that were not produced (near matches included). */
  missing: Array<Record<string, unknown>>
  /** Produced rows that were not expected (near matches included). */
  unexpected: Array<Record<string, unknown>>
  nearMatches: NearMatch[]
  /** Output columns the expected rows do not give (a failure unless `partial`). */
  extraColumns: string[]
}

/** Outcome of one test: `error` means it could not be evaluated (bad test or broken model). */
export type TestStatus = 'passed' | 'failed' | 'error'

/** Result of one test. */
export interface TestResult {
  name: string
  file: string
  line: number
  model: string
  status: TestStatus
  durationMs: number
  /** For `error`: the error, one line with file and test; for `failed`: a one-line summary. */
  message?: string
  /** One entry per checked output (empty for `error`). */
  checks: OutputCheck[]
}

/** Result of a test run. */
export interface TestRunResult {
  total: number
  passed: number
  failed: number
  errors: number
  durationMs: number
  /** In file order, then test order within a file. */
  tests: TestResult[]
}
