import { describe, expect, it } from 'vitest'
import { dropTrailingCommas } from '../../../src/sql/trailing-commas.js'

describe('dropTrailingCommas', () => {
  it('drops a comma before FROM', () => {
    expect(dropTrailingCommas('SELECT a, b,\nFROM t')).toBe('SELECT a, b\nFROM t')
    expect(dropTrailingCommas('SELECT a, FROM t')).toBe('SELECT a FROM t')
  })

  it('matches FROM in any case', () => {
    expect(dropTrailingCommas('select a,\nfrom t')).toBe('select a\nfrom t')
    expect(dropTrailingCommas('Select a,\n  FrOm t')).toBe('Select a\n  FrOm t')
  })

  it('looks through whitespace and comments between the comma and FROM', () => {
    expect(dropTrailingCommas('SELECT a,\n\t\n  FROM t')).toBe('SELECT a\n\t\n  FROM t')
    expect(dropTrailingCommas('SELECT a, -- last column\nFROM t')).toBe('SELECT a -- last column\nFROM t')
    expect(dropTrailingCommas('SELECT a,\n-- one\n  -- two\r\nFROM t')).toBe('SELECT a\n-- one\n  -- two\r\nFROM t')
    expect(dropTrailingCommas('SELECT a, /* c */ FROM t')).toBe('SELECT a /* c */ FROM t')
    expect(dropTrailingCommas('SELECT a,\n/* c\n d */\n-- e\nFROM t')).toBe('SELECT a\n/* c\n d */\n-- e\nFROM t')
  })

  it('keeps commas inside strings, quoted identifiers and comments', () => {
    const cases = [
      "SELECT 'x, from y' AS s FROM t",
      "SELECT 'x,' || 'from' AS s FROM t",
      'SELECT "a, from" FROM t',
      'SELECT a, "from" FROM t',
      'SELECT a -- b, from\nFROM t',
      'SELECT a /* , FROM */ FROM t',
      'SELECT a, /* , from */ b FROM t',
    ]
    for (const sql of cases) expect(dropTrailingCommas(sql)).toBe(sql)
  })

  it('keeps normal commas and words that only start with "from"', () => {
    const cases = ['SELECT a, b FROM t, u', 'SELECT a, fromage FROM t', 'SELECT f(a, b), c FROM t', 'SELECT a FROM t WHERE x IN (1, 2)', '']
    for (const sql of cases) expect(dropTrailingCommas(sql)).toBe(sql)
  })

  it('drops every trailing comma (subqueries)', () => {
    expect(dropTrailingCommas('SELECT x, (SELECT y, FROM u) AS z, FROM t')).toBe('SELECT x, (SELECT y FROM u) AS z FROM t')
    const sql = 'WITH a AS (\n  SELECT id,\n  FROM s\n)\nSELECT id, n,\nFROM a JOIN (SELECT id, count(*) AS n, FROM b GROUP BY id) USING (id)'
    expect(dropTrailingCommas(sql)).toBe('WITH a AS (\n  SELECT id\n  FROM s\n)\nSELECT id, n\nFROM a JOIN (SELECT id, count(*) AS n FROM b GROUP BY id) USING (id)')
  })

  it('fixes the trailing comma but leaves a quoted one on the same line', () => {
    expect(dropTrailingCommas("SELECT 'a, from' , \"b\", FROM t")).toBe("SELECT 'a, from' , \"b\" FROM t")
  })

  it('a comma touching FROM does not glue the last column to FROM', () => {
    expect(dropTrailingCommas('SELECT a,from t')).toMatch(/^SELECT a\s+from t$/)
  })

  it('a line comment then a block comment before FROM', () => {
    expect(dropTrailingCommas('SELECT a,\n-- c\n/* d */\nFROM t')).toBe('SELECT a\n-- c\n/* d */\nFROM t')
  })
})
