import { describe, expect, it } from 'vitest'
import { matchParen, splitArgs, splitStatements, tokenize, tokensText } from '../../../src/sql/lexer.js'

describe('lexer', () => {
  it('round-trips any input', () => {
    const src = "SELECT 'a''b', \"x\"\"y\" -- c\n/* d */ FROM t WHERE @start_ds <= x AND y := 1e18;"
    expect(tokensText(tokenize(src))).toBe(src)
  })
  it('keeps strings, comments and macros as single tokens with lines', () => {
    const toks = tokenize("a\n'x;y' -- ;\n@VAR('v') @{name}")
    const kinds = toks.filter((t) => t.type !== 'ws').map((t) => [t.type, t.text, t.line])
    expect(kinds).toEqual([
      ['ident', 'a', 1],
      ['string', "'x;y'", 2],
      ['comment', '-- ;', 2],
      ['macro', '@VAR', 3],
      ['punct', '(', 3],
      ['string', "'v'", 3],
      ['punct', ')', 3],
      ['macro', '@{name}', 3],
    ])
  })
  it('splits statements only at top level', () => {
    const stmts = splitStatements(tokenize("@DEF(x, 'a;b'); SELECT (1;2) ; ;"))
    expect(stmts.map((s) => tokensText(s).trim())).toEqual(["@DEF(x, 'a;b')", 'SELECT (1;2)'])
  })
  it('splits arguments and drops a trailing comma', () => {
    const toks = tokenize('f(a, (b, c), [d, e],)')
    const open = toks.findIndex((t) => t.text === '(')
    const close = matchParen(toks, open)
    expect(close).toBe(toks.length - 1)
    expect(splitArgs(toks, open, close).map(tokensText)).toEqual(['a', '(b, c)', '[d, e]'])
  })
})
