import { describe, expect, it } from 'vitest'
import { MacroError } from '../../../src/errors.js'
import { renderSql, type RenderOptions } from '../../../src/macros/index.js'
import { tokenize } from '../../../src/sql/lexer.js'

const opts: RenderOptions = {
  dialect: 'duckdb',
  variables: { v: 7 },
  thisModel: 't',
  interval: [0, 86_400_000],
  executionTime: 0,
  location: { file: 'm.sql', line: 1 },
}

/** Reference renderer built on the lexer: replace each `@v` macro token by `7`. */
function viaLexer(sql: string): string {
  return tokenize(sql)
    .map((t) => (t.type === 'macro' && t.text === '@v' ? '7' : t.text))
    .join('')
}

const PIECES = [
  '@v', ' ', '\n', "'", "''", '"', '""', '`', '--', '/*', '*/', '@', '(', ')', ',', 'x', '1e5', '-', '/', '{', '}', '@v(', "'@v'", ';',
]

describe('macro scanner agrees with the lexer', () => {
  it.each([
    "SELECT '@v' || @v",
    "'it''s @v' @v",
    '"col""@v" @v `b@v` @v',
    '-- @v at the end without newline',
    '-- @v\n@v',
    '/* @v /* @v */ @v',
    "/* unterminated @v\n'",
    "'unterminated @v",
    'a-@v - -@v/@v*@v',
    'x@v@v',
    'a @ v @v',
  ])('%j', (sql) => {
    expect(renderSql(sql, opts)).toBe(viaLexer(sql))
  })

  it('agrees on 2000 random token soups', () => {
    let seed = 12345
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    let checked = 0
    for (let i = 0; i < 2000; i++) {
      let sql = ''
      const len = 1 + rand(12)
      for (let k = 0; k < len; k++) sql += PIECES[rand(PIECES.length)]
      let got: string | undefined
      try {
        got = renderSql(sql, opts)
      } catch (e) {
        // Unbalanced `@v(` is an error in both views; everything else must render.
        expect(e).toBeInstanceOf(MacroError)
        continue
      }
      expect(got, sql).toBe(viaLexer(sql))
      checked++
    }
    expect(checked).toBeGreaterThan(1000)
  })
})

describe('lines of macros inside calls', () => {
  it('reports a nested unknown macro on its own line', () => {
    try {
      renderSql('SELECT\n  @VAR(\n    @nope\n  )', { ...opts, location: { file: 'm.sql', line: 20 } })
      expect.unreachable()
    } catch (e) {
      expect((e as MacroError).location).toEqual({ file: 'm.sql', line: 22 })
    }
  })
})
