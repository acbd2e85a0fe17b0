/**
 * Time-relative cells for seed and test data: `now`, `now-3d`, `now+2h`, `today`, `today-1d`,
 * `now-1d-6h`. A cell that is exactly such an expression (surrounding spaces and case ignored) is
 * replaced, when the data is loaded, by a date or timestamp relative to the run's execution time,
 * so a small seed file of "recent" rows stays recent and incremental models keep seeing it.
 *
 * Units: `s` seconds, `m` minutes, `h` hours, `d` days, `w` weeks. `now` resolves to a timestamp
 * (`YYYY-MM-DD HH:MM:SS`, UTC, whole seconds); `today` is midnight UTC of the execution day and
 * resolves to a date (`YYYY-MM-DD`), unless the offset has an `h`, `m` or `s` part, in which case
 * it resolves to a timestamp (`today+6h` -> `2024-05-02 06:00:00`). Anything else is left alone.
 */
import { formatDate, formatTimestamp, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../util/dates.js'

const CELL_RE = /^\s*(now|today)((?:\s*[+-]\s*\d+\s*[smhdw])*)\s*$/i
const TERM_RE = /([+-])\s*(\d+)\s*([smhdw])/gi

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: MS_PER_MINUTE,
  h: MS_PER_HOUR,
  d: MS_PER_DAY,
  w: 7 * MS_PER_DAY,
}

/**
 * Resolve one time-relative cell against `nowMs` (epoch ms, UTC).
 * @returns `'YYYY-MM-DD HH:MM:SS'` for `now±…` (and `today±` with a sub-day offset),
 *   `'YYYY-MM-DD'` for `today` / `today±Nd|Nw`; `undefined` when `cell` is not a relative cell.
 * @example resolveRelativeCell('now-3d', Date.UTC(2024, 4, 10, 12)) // '2024-05-07 12:00:00'
 * @example resolveRelativeCell('today-1d', Date.UTC(2024, 4, 10, 12)) // '2024-05-09'
 * @example resolveRelativeCell('nowhere', 0) // undefined
 */
export function resolveRelativeCell(cell: string, nowMs: number): string | undefined {
  // Cheap reject before the regex: most cells do not start with n/t.
  const first = cell.trimStart().charAt(0).toLowerCase()
  if (first !== 'n' && first !== 't') return undefined
  const m = CELL_RE.exec(cell)
  if (!m) return undefined
  const base = m[1]!.toLowerCase()
  let offset = 0
  let subDay = false
  for (const t of (m[2] ?? '').matchAll(TERM_RE)) {
    const unit = t[3]!.toLowerCase()
    const n = Number(t[2]) * UNIT_MS[unit]!
    offset += t[1] === '-' ? -n : n
    if (unit === 's' || unit === 'm' || unit === 'h') subDay = true
  }
  if (base === 'today') {
    const midnight = Math.floor(nowMs / MS_PER_DAY) * MS_PER_DAY
    return subDay ? formatTimestamp(midnight + offset) : formatDate(midnight + offset)
  }
  const seconds = Math.floor(nowMs / 1000) * 1000
  return formatTimestamp(seconds + offset)
}

/**
 * Resolve every time-relative cell of a CSV text (`,` separated, `"` quoted with `""` escapes),
 * leaving everything else byte-for-byte: other cells, quoting, line ends, the header row (never
 * resolved). A quoted relative cell stays quoted.
 * @returns the new text and whether any cell changed (`text` is the input itself when not).
 * @example resolveRelativeCsv('id,ts\n1,now-1h\n', Date.UTC(2024, 0, 2)) // { text: 'id,ts\n1,2024-01-01 23:00:00\n', changed: true }
 */
export function resolveRelativeCsv(text: string, nowMs: number): { text: string; changed: boolean } {
  const edits: Array<{ start: number; end: number; text: string }> = []
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  // The header is the first non-empty line (empty lines are skipped, as the seed reader does).
  let headerSeen = false
  let lineStart = i
  while (i < n) {
    // One field starts at i.
    const start = i
    let value: string
    let quoted = false
    if (text[i] === '"') {
      quoted = true
      let j = i + 1
      value = ''
      while (j < n) {
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            value += '"'
            j += 2
            continue
          }
          j++
          break
        }
        value += text[j]
        j++
      }
      i = j
      // Anything after the closing quote up to the delimiter belongs to the field (malformed; kept).
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++
      value = text.slice(start, i)
    }
    if (headerSeen) {
      const resolved = resolveRelativeCell(value, nowMs)
      if (resolved !== undefined) edits.push({ start, end: i, text: quoted ? `"${resolved}"` : resolved })
    }
    if (text[i] === ',') {
      i++
      continue
    }
    // End of a line (or of the text): CRLF, LF or a lone CR.
    if (i > lineStart) headerSeen = true
    if (text[i] === '\r') i++
    if (text[i] === '\n') i++
    lineStart = i
  }
  if (edits.length === 0) return { text, changed: false }
  let out = ''
  let last = 0
  for (const e of edits) {
    out += text.slice(last, e.start) + e.text
    last = e.end
  }
  return { text: out + text.slice(last), changed: true }
}
