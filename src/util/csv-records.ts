/**
 * The one CSV record reader (RFC 4180 plus a configurable delimiter and quote): `""` escapes,
 * newlines inside quoted fields, LF or CRLF line ends, an optional UTF-8 BOM; completely empty
 * lines are skipped, as pandas' `read_csv` (which SQLMesh uses) does. Used by SEED loading and by
 * unit-test data; each caller decides how to type, trim and validate the fields.
 */

/** One field as written: its text and whether it was quoted (an unquoted empty field is "no value"). */
export interface CsvField {
  value: string
  quoted: boolean
}

/** One record and the 1-based line it starts on. */
export interface CsvRecord {
  fields: CsvField[]
  line: number
}

export interface CsvReadOptions {
  /** Field separator; default `,`. */
  delimiter?: string
  /** Quote character; default `"`. */
  quote?: string
  /** Skip spaces after each delimiter. Default false. */
  skipInitialSpace?: boolean
  /** Line number of the text's first line in its file (for errors). Default 1. */
  firstLine?: number
  /** Raises the caller's typed error for broken quoting (never returns). */
  fail: (line: number, message: string) => never
}

function isLineEnd(text: string, i: number): boolean {
  return text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')
}

/** Split `text` into records of fields, tracking each record's first line. */
export function readCsvRecords(text: string, o: CsvReadOptions): CsvRecord[] {
  const delim = o.delimiter ?? ','
  const quote = o.quote ?? '"'
  const records: CsvRecord[] = []
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = o.firstLine ?? 1
  while (i < n) {
    if (isLineEnd(text, i)) {
      i += text[i] === '\r' ? 2 : 1
      line++
      continue
    }
    const recordLine = line
    const fields: CsvField[] = []
    for (;;) {
      if (o.skipInitialSpace) while (text[i] === ' ') i++
      if (text[i] === quote) {
        const quoteLine = line
        let value = ''
        i++
        for (;;) {
          if (i >= n) o.fail(quoteLine, `unterminated quoted field (a ${quote} is never closed)`)
          const c = text[i]!
          if (c === quote) {
            if (text[i + 1] === quote) {
              value += quote
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
        if (i < n && text[i] !== delim && !isLineEnd(text, i)) o.fail(line, `unexpected character '${text[i]}' after a closing quote`)
        fields.push({ value, quoted: true })
      } else {
        let j = i
        while (j < n && text[j] !== delim && !isLineEnd(text, j)) j++
        fields.push({ value: text.slice(i, j), quoted: false })
        i = j
      }
      if (text[i] === delim) {
        i++
        continue
      }
      if (text[i] === '\r') i++
      if (text[i] === '\n') {
        i++
        line++
      }
      break
    }
    records.push({ fields, line: recordLine })
  }
  return records
}
