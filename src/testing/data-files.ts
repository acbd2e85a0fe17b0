/**
 * Test data from text: CSV rows (`format: csv`, or a `.csv` file given by `path:`) and YAML
 * data files. Values stay as written; typing happens when the table is created.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { ProjectError } from '../errors.js'
import { readCsvRecords } from '../util/csv-records.js'
import type { Cell, DataRow, DataSource } from './types.js'
import { toCells } from './yaml-cells.js'

/** `csv_settings` of a test input or output (pandas names, as SQLMesh passes them to read_csv). */
export interface CsvSettings {
  /** Field separator; default `,`. `sep` is an alias. */
  delimiter?: string
  sep?: string
  /** Quote character; default `"`. A doubled quote inside a quoted field is a literal quote. */
  quotechar?: string
  /** Strip spaces after each delimiter. Default false. */
  skipinitialspace?: boolean
}

function fail(file: string, line: number, message: string): never {
  throw new ProjectError('CONFIG_INVALID', message, { location: { file, line } })
}

/**
 * Parse CSV text into rows keyed by the header. Empty lines are skipped; an empty field is NULL.
 * @param file file named in errors; `firstLine` is the line of the text's first line in it.
 * @throws ProjectError CONFIG_INVALID for a missing or duplicate header name, a row with another
 *   number of fields than the header, or an unterminated quote (with the line).
 * @example parseCsvRows('a,b\n1,\n', 'tests/t.yaml', 4) // { header: ['a','b'], rows: [{ a: '1', b: null }] }
 */
export function parseCsvRows(
  text: string,
  file: string,
  firstLine = 1,
  settings: CsvSettings = {},
): { header: string[]; rows: DataRow[] } {
  const lines = readCsvRecords(text, {
    delimiter: settings.delimiter ?? settings.sep ?? ',',
    quote: settings.quotechar ?? '"',
    skipInitialSpace: settings.skipinitialspace,
    firstLine,
    fail: (line, msg) => fail(file, line, `CSV: ${msg}`),
  }).map((r) => ({
    line: r.line,
    // An empty unquoted field is NULL; unquoted values are trimmed.
    fields: r.fields.map((f) => (f.quoted ? f.value : f.value.trim() === '' ? null : f.value.trim())),
  }))
  const head = lines[0]
  if (!head) fail(file, firstLine, 'CSV data has no header row')
  const header = head.fields.map((h) => (h ?? '').trim())
  const seen = new Set<string>()
  header.forEach((h, k) => {
    if (h === '') fail(file, head.line, `CSV column ${k + 1} of the header has no name`)
    if (seen.has(h.toLowerCase())) fail(file, head.line, `CSV column '${h}' appears twice in the header`)
    seen.add(h.toLowerCase())
  })
  const rows: DataRow[] = []
  for (const r of lines.slice(1)) {
    if (r.fields.length !== header.length) {
      fail(file, r.line, `CSV row has ${r.fields.length} values but the header has ${header.length} columns`)
    }
    const row: DataRow = {}
    header.forEach((h, k) => (row[h] = r.fields[k] ?? null))
    rows.push(row)
  }
  return { header, rows }
}

/**
 * Load the data file of a `path:` entry: `.csv` (header row) or `.yaml`/`.yml` (a list of row
 * maps, or a map with `rows:`). The path is resolved against the test file's folder first, then
 * against the project root.
 * @param at test file and line of the `path:` key, for errors.
 * @throws ProjectError CONFIG_INVALID when the file is missing, has another extension, or does not parse.
 */
export function loadDataFile(
  path: string,
  at: { projectDir: string; testDir: string; file: string; line: number },
  settings?: CsvSettings,
): Extract<DataSource, { kind: 'rows' }> {
  const candidates = isAbsolute(path) ? [path] : [resolve(at.testDir, path), resolve(at.projectDir, path)]
  const found = candidates.find((p) => existsSync(p))
  if (!found) fail(at.file, at.line, `data file not found: ${path} (looked relative to the test file and to the project)`)
  const rel = relative(at.projectDir, found).split(sep).join('/')
  const text = readFileSync(found, 'utf8')
  const lower = found.toLowerCase()
  if (lower.endsWith('.csv')) {
    const { header, rows } = parseCsvRows(text, rel, 1, settings)
    return { kind: 'rows', rows, fromCsv: true, header }
  }
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return { kind: 'rows', rows: parseYamlRows(text, rel), fromCsv: false }
  return fail(at.file, at.line, `data file ${path} must be .csv, .yaml or .yml`)
}

/** Rows of a YAML data file: a list of maps, or `{ rows: [...] }`. */
function parseYamlRows(text: string, file: string): DataRow[] {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, intAsBigInt: true, prettyErrors: false })
  const err = doc.errors[0]
  if (err) fail(file, lineCounter.linePos(err.pos[0]).line, `invalid YAML: ${err.message.split('\n')[0]}`)
  const data = toCells(doc.toJS())
  const list = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data['rows']) ? data['rows'] : undefined
  if (!list) fail(file, 1, 'expected a list of rows (- {col: value}) or a map with rows:')
  return list.map((r, k) => {
    if (!isRecord(r)) fail(file, 1, `row ${k + 1} is not a map of column: value`)
    return r
  })
}

function isRecord(v: Cell | undefined): v is { [key: string]: Cell } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
