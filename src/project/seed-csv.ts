/**
 * RFC 4180 CSV reader for SEED models: `,` separated, `"` quoting with `""` escapes, newlines
 * inside quoted fields, LF or CRLF line ends, an optional UTF-8 BOM. Like pandas' `read_csv`
 * (which SQLMesh uses) completely empty lines are skipped. Values stay strings; typing is the
 * loader's job (from the model's `columns`).
 */
import { ProjectError } from '../errors.js'
import { readCsvRecords } from '../util/csv-records.js'

/** A parsed CSV file. */
export interface CsvData {
  /** Column names from the first row, trimmed of surrounding spaces. */
  header: string[]
  /** Data rows; each has exactly `header.length` values. */
  rows: string[][]
}

function csvFail(file: string, line: number, message: string): never {
  throw new ProjectError('SEED_INVALID', message, { location: { file, line } })
}

/**
 * Parse a seed CSV.
 * @param file project-relative path, used in errors.
 * @throws ProjectError SEED_INVALID for an empty file, an empty or duplicate header name, a row
 *   whose column count differs from the header (located at that row's line), or broken quoting.
 * @example parseCsv('a,b\n1,"x, y"\n', 'seeds/t.csv') // { header: ['a','b'], rows: [['1','x, y']] }
 */
export function parseCsv(text: string, file: string): CsvData {
  const rows = readCsvRecords(text, { fail: (line, msg) => csvFail(file, line, msg) }).map((r) => ({
    line: r.line,
    fields: r.fields.map((f) => f.value),
  }))
  const first = rows[0]
  if (first === undefined) csvFail(file, 1, 'empty CSV file: expected a header row')
  const header = first.fields.map((h) => h.trim())
  const seen = new Set<string>()
  header.forEach((h, k) => {
    if (h === '') csvFail(file, first.line, `column ${k + 1} of the header has no name`)
    if (seen.has(h)) csvFail(file, first.line, `column '${h}' appears twice in the header`)
    seen.add(h)
  })
  const data: string[][] = []
  for (const row of rows.slice(1)) {
    if (row.fields.length !== header.length) {
      csvFail(file, row.line, `row has ${row.fields.length} values but the header has ${header.length} columns`)
    }
    data.push(row.fields)
  }
  return { header, rows: data }
}
