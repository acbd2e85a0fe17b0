import { describe, expect, it } from 'vitest'
import { ProjectError } from '../../../src/errors.js'
import { parseCsv } from '../../../src/project/seed-csv.js'

const FILE = 'seeds/chains.csv'

function errorOf(text: string): ProjectError {
  try {
    parseCsv(text, FILE)
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError)
    return e as ProjectError
  }
  throw new Error('expected parseCsv to throw')
}

describe('parseCsv', () => {
  it('reads a header and rows, values with spaces kept', () => {
    const csv = 'source,chain_alias,oso_chain_name\nsuperchain,op,OPTIMISM\ndefillama,op mainnet,OPTIMISM\n'
    expect(parseCsv(csv, FILE)).toEqual({
      header: ['source', 'chain_alias', 'oso_chain_name'],
      rows: [
        ['superchain', 'op', 'OPTIMISM'],
        ['defillama', 'op mainnet', 'OPTIMISM'],
      ],
    })
  })

  it('handles quotes, "" escapes, commas and newlines inside quotes, CRLF and a BOM', () => {
    const csv = '\uFEFFid,note\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,\r\n'
    expect(parseCsv(csv, FILE)).toEqual({
      header: ['id', 'note'],
      rows: [
        ['1', 'a, b'],
        ['2', 'say "hi"'],
        ['3', 'two\r\nlines'],
        ['4', ''],
      ],
    })
  })

  it('accepts a last row without a newline, skips empty lines, and trims header names', () => {
    expect(parseCsv(' a , b\n\n1,2\n\n3,"4"', FILE)).toEqual({ header: ['a', 'b'], rows: [['1', '2'], ['3', '4']] })
  })

  it('accepts a header-only file', () => {
    expect(parseCsv('a,b\n', FILE)).toEqual({ header: ['a', 'b'], rows: [] })
  })

  it('reports a row with too few or too many columns at its own line', () => {
    const few = errorOf('a,b,c\n1,2,3\n4,5\n')
    expect([few.code, few.location]).toEqual(['SEED_INVALID', { file: FILE, line: 3 }])
    expect(few.message).toMatch(/row has 2 values but the header has 3 columns/)
    // Lines: 1 header, 2-3 one quoted two-line row, 4 a row, 5 blank, 6 the bad row.
    const many = errorOf('a,b\n1,"x\ny"\n2,z\n\n3,4,5\n')
    expect([many.code, many.location?.line]).toEqual(['SEED_INVALID', 6])
  })

  it('reports an empty file or a file with only blank lines', () => {
    for (const text of ['', '\n\n']) {
      const e = errorOf(text)
      expect([e.code, e.location]).toEqual(['SEED_INVALID', { file: FILE, line: 1 }])
      expect(e.message).toMatch(/empty CSV/)
    }
  })

  it('reports an unterminated quote at the line where it opened', () => {
    const e = errorOf('a,b\n1,2\n3,"open\nstill open\n')
    expect([e.code, e.location?.line]).toEqual(['SEED_INVALID', 3])
    expect(e.message).toMatch(/unterminated quoted field/)
  })

  it('reports text after a closing quote and duplicate or empty header names', () => {
    expect(errorOf('a,b\n"x"y,2\n').location?.line).toBe(2)
    expect(errorOf('a,a\n1,2\n').message).toMatch(/column 'a' appears twice/)
    expect(errorOf('a,,c\n1,2,3\n').message).toMatch(/column 2 of the header has no name/)
  })
})
