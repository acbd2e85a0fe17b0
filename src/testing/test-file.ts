/**
 * Reads SQLMesh unit-test files (`tests/**\/test_*.yaml`): one or more tests per file, each a
 * top-level key holding `model`, `inputs`, `outputs`, `vars`, ... Validated with zod; every error
 * names the file, the line and the test.
 *
 * ```yaml
 * test_orders_daily:
 *   model: shop.orders_daily
 *   inputs:
 *     shop.orders: [{id: 1, amount: 5, ts: '2024-01-01 10:00:00'}]
 *   outputs:
 *     query: [{day: 2024-01-01, amount: 5}]
 *   vars: {start: 2024-01-01, end: 2024-01-01}
 * ```
 */
import { dirname, resolve } from 'node:path'
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { z } from 'zod'
import { ProjectError } from '../errors.js'
import { loadDataFile, parseCsvRows, type CsvSettings } from './data-files.js'
import type { DataRow, DataSource, ModelTestSpec, TestInput, TestOutput } from './types.js'
import { toCells } from './yaml-cells.js'

const CsvSettingsSchema = z.strictObject({
  delimiter: z.string().length(1).optional(),
  sep: z.string().length(1).optional(),
  quotechar: z.string().length(1).optional(),
  skipinitialspace: z.boolean().optional(),
})

const sourceFields = {
  /** Rows as YAML maps, or CSV text with `format: csv`. */
  rows: z.union([z.array(z.record(z.string(), z.unknown())), z.string()]).optional(),
  format: z.enum(['csv', 'yaml']).optional(),
  csv_settings: CsvSettingsSchema.optional(),
  /** SQL (project dialect) whose result is the data. */
  query: z.string().min(1).optional(),
  /** A `.csv` / `.yaml` data file, relative to the test file (or the project). */
  path: z.string().min(1).optional(),
  /** Column type hints, `{ created_at: 'timestamp(6)' }`. */
  columns: z.record(z.string(), z.string()).optional(),
}

/** A bare list is shorthand for `{ rows: [...] }`; an empty entry is no rows. */
const asSource = (v: unknown): unknown => (Array.isArray(v) ? { rows: v } : v === null ? { rows: [] } : v)

const InputSchema = z.preprocess(asSource, z.strictObject(sourceFields))
const OutputSchema = z.preprocess(asSource, z.strictObject({ ...sourceFields, partial: z.boolean().optional() }))

/** Schema of one test (the value of a top-level key). Unknown keys are rejected. */
export const ModelTestSchema = z.strictObject({
  model: z.string().min(1),
  description: z.string().optional(),
  /** Accepted for SQLMesh compatibility; tests always run on an in-memory DuckDB. */
  gateway: z.string().optional(),
  /** Accepted for SQLMesh compatibility (its fixture schema name); ignored. */
  schema: z.string().optional(),
  inputs: z.record(z.string(), InputSchema).optional(),
  outputs: z.strictObject({
    query: OutputSchema.optional(),
    ctes: z.record(z.string(), OutputSchema).optional(),
    partial: z.boolean().optional(),
  }),
  vars: z.record(z.string(), z.unknown()).optional(),
})

type RawSource = z.infer<typeof OutputSchema>

/** Where a test file lives. */
export interface TestFileLocation {
  /** Absolute project root. */
  projectDir: string
  /** Project-relative path of the file, used in errors and results. */
  file: string
}

/**
 * Parse and validate one test file.
 * @throws ProjectError CONFIG_INVALID naming `file:line` (and the test) for YAML that does not
 *   parse, a test that is not a map, an unknown or mistyped key, rows given in the wrong form, or a
 *   data file (`path:`) that is missing or malformed.
 */
export function parseTestFile(text: string, loc: TestFileLocation): ModelTestSpec[] {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, intAsBigInt: true, prettyErrors: false, uniqueKeys: true })
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line
  const err = doc.errors[0]
  if (err) fail(loc.file, lineAt(err.pos[0]), `invalid YAML: ${err.message.split('\n')[0]}`)
  const root = doc.contents
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return []
  if (!isMap(root)) fail(loc.file, nodeLine(root, lineAt) ?? 1, 'a test file must be a map of test name -> test')
  const tests: ModelTestSpec[] = []
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null
    const line = nodeLine(keyNode, lineAt) ?? 1
    const name = isScalar(keyNode) ? String(keyNode.value ?? '') : ''
    if (name === '') fail(loc.file, line, 'a test name must be a non-empty string')
    if (!isMap(pair.value)) fail(loc.file, line, `test '${name}': expected a map with model, inputs and outputs`)
    const lines = new Lines(doc, lineAt, name, line)
    const raw = toCells(pair.value.toJS(doc))
    const parsed = ModelTestSchema.safeParse(raw)
    if (!parsed.success) {
      // A misspelled key also makes the key it stands for missing: report the misspelling.
      const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!
      const path = issue.path.map(String)
      if (issue.code === 'unrecognized_keys') {
        const key = issue.keys[0] ?? ''
        fail(loc.file, lines.key([...path, key]), `test '${name}': unknown key '${[...path, key].join('.')}'`)
      }
      const where = path.length > 0 ? `'${path.join('.')}'` : 'test'
      fail(loc.file, lines.key(path), `test '${name}': invalid ${where}: ${issue.message}`)
    }
    tests.push(buildSpec(parsed.data, name, line, loc, lines))
  }
  return tests
}

function buildSpec(t: z.infer<typeof ModelTestSchema>, name: string, line: number, loc: TestFileLocation, lines: Lines): ModelTestSpec {
  const ctxFor = (path: string[]): SourceContext => ({ loc, test: name, line: lines.key(path), lines, path })
  const inputs: TestInput[] = []
  const seen = new Map<string, string>()
  for (const [written, src] of Object.entries(t.inputs ?? {})) {
    const at = ctxFor(['inputs', written])
    const table = normalizeTableName(written)
    const dup = seen.get(table)
    if (dup !== undefined) fail(loc.file, at.line, `test '${name}': input '${written}' is the same table as '${dup}'`)
    seen.set(table, written)
    inputs.push({ name: table, source: toSource(src, at, true), columns: src.columns ?? {}, line: at.line })
  }
  const outputs: TestOutput[] = []
  const partialAll = t.outputs.partial ?? false
  if (t.outputs.query !== undefined) {
    const at = ctxFor(['outputs', 'query'])
    outputs.push({ name: 'query', cte: false, source: toSource(t.outputs.query, at, false), partial: t.outputs.query.partial ?? partialAll, line: at.line })
  }
  for (const [cte, src] of Object.entries(t.outputs.ctes ?? {})) {
    const at = ctxFor(['outputs', 'ctes', cte])
    outputs.push({ name: cte, cte: true, source: toSource(src, at, false), partial: src.partial ?? partialAll, line: at.line })
  }
  if (outputs.length === 0) fail(loc.file, lines.key(['outputs']), `test '${name}': outputs needs query or ctes`)
  const vars: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(t.vars ?? {})) vars[k.toLowerCase()] = v
  return { name, file: loc.file, line, model: t.model.trim().toLowerCase(), description: t.description, inputs, outputs, vars }
}

interface SourceContext {
  loc: TestFileLocation
  test: string
  line: number
  lines: Lines
  path: string[]
}

/** Turn a validated `rows` / `format: csv` / `query` / `path` entry into a DataSource. */
function toSource(src: RawSource, at: SourceContext, isInput: boolean): DataSource {
  const what = `test '${at.test}': ${at.path.join('.')}`
  const given = (['rows', 'query', 'path'] as const).filter((k) => src[k] !== undefined)
  if (given.length > 1) fail(at.loc.file, at.line, `${what}: give only one of rows, query and path (got ${given.join(', ')})`)
  if (src.query !== undefined) return { kind: 'query', sql: src.query }
  const settings: CsvSettings | undefined = src.csv_settings
  if (src.path !== undefined) {
    const testDir = dirname(resolve(at.loc.projectDir, at.loc.file))
    return loadDataFile(src.path, { projectDir: at.loc.projectDir, testDir, file: at.loc.file, line: at.lines.key([...at.path, 'path']) }, settings)
  }
  if (src.rows === undefined) {
    if (isInput && src.columns !== undefined) return { kind: 'rows', rows: [], fromCsv: false }
    fail(at.loc.file, at.line, `${what}: needs rows, query or path`)
  }
  const rowsLine = at.lines.key([...at.path, 'rows'])
  if (typeof src.rows === 'string') {
    if (src.format !== 'csv') fail(at.loc.file, rowsLine, `${what}: rows is text; add format: csv to read it as CSV`)
    // A `rows: |` block starts on the line after the key.
    const { header, rows } = parseCsvRows(src.rows, at.loc.file, rowsLine + 1, settings)
    return { kind: 'rows', rows, fromCsv: true, header }
  }
  if (src.format === 'csv') fail(at.loc.file, rowsLine, `${what}: format: csv needs rows as CSV text (rows: |)`)
  return { kind: 'rows', rows: src.rows as DataRow[], fromCsv: false }
}

/** Lines of keys inside one test, by path (`['inputs', 'oso.x', 'rows']`). */
class Lines {
  constructor(
    private readonly doc: Document,
    private readonly lineAt: (offset: number) => number,
    private readonly test: string,
    private readonly testLine: number,
  ) {}

  /** Line of the key at `path` (or of its closest existing ancestor). */
  key(path: readonly string[]): number {
    for (let n = path.length; n > 0; n--) {
      const parent = this.doc.getIn([this.test, ...path.slice(0, n - 1)], true)
      if (!isMap(parent)) continue
      const last = path[n - 1]
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === last)
      const line = nodeLine(pair?.key as Node | undefined, this.lineAt)
      if (line !== undefined) return line
    }
    return this.testLine
  }
}

function nodeLine(node: Node | null | undefined, lineAt: (offset: number) => number): number | undefined {
  const range = node?.range
  return range ? lineAt(range[0]) : undefined
}

/**
 * `OSO."Stg_X"` -> `oso.stg_x`: parts split on dots outside double quotes, quotes removed,
 * lower-cased (model names are case-insensitive, as in Trino).
 */
export function normalizeTableName(name: string): string {
  const parts: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!
    if (c === '"') {
      if (quoted && name[i + 1] === '"') {
        cur += '"'
        i++
      } else quoted = !quoted
    } else if (c === '.' && !quoted) {
      parts.push(cur.trim())
      cur = ''
    } else cur += c
  }
  parts.push(cur.trim())
  return parts.map((p) => p.toLowerCase()).join('.')
}

function fail(file: string, line: number, message: string): never {
  throw new ProjectError('CONFIG_INVALID', message, { location: { file, line } })
}
