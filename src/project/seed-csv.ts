/**
 * RFC 4180 CSV reader for SEED models: `,` separated, `"` quoting with `""` escapes, newlines
 * inside quoted fields, LF or CRLF line ends, an optional UTF-8 BOM. Like pandas' `read_csv`
 * (which SQLMesh uses) completely empty lines are skipped. Values stay strings; typing is the
 * loader's job (from the model's `columns`).
 */
import { ProjectError } from '../errors.js'

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

interface RawRow {
  fields: string[]
  /** 1-based line the row starts on. */
  line: number
}

/** Split `text` into rows of fields, tracking each row's first line. */
function readRows(text: string, file: string): RawRow[] {
  const rows: RawRow[] = []
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  while (i < n) {
    const rowLine = line
    // A completely empty line is skipped.
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1
      line++
      continue
    }
    const fields: string[] = []
    for (;;) {
      let value = ''
      if (text[i] === '"') {
        const quoteLine = line
        i++
        for (;;) {
          if (i >= n) csvFail(file, quoteLine, 'unterminated quoted field (a \'"\' is never closed)')
          const c = text[i]!
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"'
              i += 2
              continue
            }
            i++
            break
          }
          if (c === '\n') line++
          value += c
          i++
        }
        const after = text[i]
        if (after !== undefined && after !== ',' && after !== '\n' && !(after === '\r' && text[i + 1] === '\n')) {
          csvFail(file, line, `unexpected character '${after}' after a closing quote`)
        }
      } else {
        let j = i
        while (j < n && text[j] !== ',' && text[j] !== '\n' && !(text[j] === '\r' && text[j + 1] === '\n')) j++
        value = text.slice(i, j)
        i = j
      }
      fields.push(value)
      if (text[i] === ',') {
        i++
        continue
      }
      // end of line or end of input
      if (text[i] === '\r') i++
      if (text[i] === '\n') {
        i++
        line++
      }
      break
    }
    rows.push({ fields, line: rowLine })
  }
  return rows
}

/**
 * Parse a seed CSV.
 * @param file project-relative path, used in errors.
 * @throws ProjectError SEED_INVALID for an empty file, an empty or duplicate header name, a row
 *   whose column count differs from the header (located at that row's line), or broken quoting.
 * @example parseCsv('a,b\n1,"x, y"\n', 'seeds/t.csv') // { header: ['a','b'], rows: [['1','x, y']] }
 */
export function parseCsv(text: string, file: string): CsvData {
  const rows = readRows(text, file)
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
