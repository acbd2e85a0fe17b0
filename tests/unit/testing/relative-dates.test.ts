import { describe, expect, it } from 'vitest'
import { resolveRelativeCell, resolveRelativeCsv } from '../../../src/project/relative-dates.js'

const NOW = Date.UTC(2024, 4, 10, 12, 34, 56, 789) // 2024-05-10 12:34:56.789 UTC

describe('resolveRelativeCell', () => {
  it('resolves now and today with offsets in every unit', () => {
    expect(resolveRelativeCell('now', NOW)).toBe('2024-05-10 12:34:56')
    expect(resolveRelativeCell('now-3d', NOW)).toBe('2024-05-07 12:34:56')
    expect(resolveRelativeCell('now+2h', NOW)).toBe('2024-05-10 14:34:56')
    expect(resolveRelativeCell('now-30m', NOW)).toBe('2024-05-10 12:04:56')
    expect(resolveRelativeCell('now-56s', NOW)).toBe('2024-05-10 12:34:00')
    expect(resolveRelativeCell('now-1w', NOW)).toBe('2024-05-03 12:34:56')
    expect(resolveRelativeCell('today', NOW)).toBe('2024-05-10')
    expect(resolveRelativeCell('today-1d', NOW)).toBe('2024-05-09')
    expect(resolveRelativeCell('today+2w', NOW)).toBe('2024-05-24')
  })

  it('chains terms, ignores case and spaces, and gives a timestamp for today with a sub-day offset', () => {
    expect(resolveRelativeCell(' NOW - 1d - 6h ', NOW)).toBe('2024-05-09 06:34:56')
    expect(resolveRelativeCell('Today+6h', NOW)).toBe('2024-05-10 06:00:00')
    expect(resolveRelativeCell('today-10d', NOW)).toBe('2024-04-30')
  })

  it('leaves every other cell alone', () => {
    for (const cell of ['', 'nowhere', 'now-3', 'now-3y', 'today1d', 'tomorrow', '2024-01-01', 'now()', 'snow', 'now-d']) {
      expect(resolveRelativeCell(cell, NOW), cell).toBeUndefined()
    }
  })
})

describe('resolveRelativeCsv', () => {
  it('rewrites relative cells, keeps the header, quoting, other cells and line ends', () => {
    const csv = 'id,ts,day,note\r\n1,now-1h,today,"now"\r\n2,"now-1d",2024-01-01,"a, now"\r\n'
    const r = resolveRelativeCsv(csv, NOW)
    expect(r.changed).toBe(true)
    expect(r.text).toBe('id,ts,day,note\r\n1,2024-05-10 11:34:56,2024-05-10,"2024-05-10 12:34:56"\r\n2,"2024-05-09 12:34:56",2024-01-01,"a, now"\r\n')
  })

  it('never resolves the header, even after leading empty lines, and handles quoted newlines', () => {
    const csv = '\nnow,today\nnow,"line one\nline two"\n'
    expect(resolveRelativeCsv(csv, NOW).text).toBe('\nnow,today\n2024-05-10 12:34:56,"line one\nline two"\n')
  })

  it('returns the same text and changed=false when there is nothing to resolve', () => {
    const csv = 'a,b\n1,2\n'
    const r = resolveRelativeCsv(csv, NOW)
    expect(r).toEqual({ text: csv, changed: false })
  })
})
