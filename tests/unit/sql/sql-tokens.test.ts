import { describe, expect, it } from 'vitest'
import { jodaToStrftime } from '../../../src/sql/joda-format.js'
import { fixTrailingCommas, tokenize } from '../../../src/sql/sql-tokens.js'

describe('tokenize', () => {
  it('skips comments and whitespace, keeps literals whole', () => {
    const t = tokenize(`SELECT 'a -- b', "x""y", 1.5e3 -- c\n/* d */ FROM t WHERE a->>'k' <> 2`)
    expect(t.map((x) => x.text)).toEqual(['SELECT', "'a -- b'", ',', '"x""y"', ',', '1.5e3', 'FROM', 't', 'WHERE', 'a', '->>', "'k'", '<>', '2'])
    expect(t.map((x) => x.kind).slice(0, 5)).toEqual(['word', 'string', 'punct', 'ident', 'punct'])
  })

  it('reads E-strings with backslash escapes and dollar-quoted strings', () => {
    expect(tokenize("SELECT E'it\\'s', $$a'b$$").map((x) => x.text)).toEqual(['SELECT', "E'it\\'s'", ',', "$$a'b$$"])
  })
})

describe('fixTrailingCommas', () => {
  it('blanks a comma before ) and keeps every offset', () => {
    const q = 'WITH t AS (SELECT 1 AS a,) SELECT * FROM (VALUES (1, 2),) v(x, y)'
    const fixed = fixTrailingCommas(q)
    expect(fixed).toBe('WITH t AS (SELECT 1 AS a ) SELECT * FROM (VALUES (1, 2) ) v(x, y)')
    expect(fixed.length).toBe(q.length)
  })

  it('leaves commas in strings and comments alone', () => {
    const q = "SELECT ',)' AS s /* ,) */ FROM t"
    expect(fixTrailingCommas(q)).toBe(q)
  })
})

describe('jodaToStrftime', () => {
  it('maps the usual pattern letters and quoted text', () => {
    expect(jodaToStrftime("yyyy-MM-dd'T'HH:mm:ss.SSS")).toBe('%Y-%m-%dT%H:%M:%S.%g')
    expect(jodaToStrftime('EEE, d MMM yyyy h:mm a')).toBe('%a, %-d %b %Y %-I:%M %p')
  })

  it('gives up on letters it does not know', () => {
    expect(jodaToStrftime('yyyy-ww')).toBeUndefined()
  })
})
