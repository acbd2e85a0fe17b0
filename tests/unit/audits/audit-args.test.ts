import { describe, expect, it } from 'vitest'
import { booleanArg, columnText, isNullArg, listItems, namedArgs, paren, singleColumn } from '../../../src/audits/audit-args.js'
import { BUILTIN_AUDITS } from '../../../src/audits/builtin-audits.js'

describe('audit argument readers', () => {
  it('splits lists written with parentheses, brackets or ARRAY, and single values', () => {
    expect(listItems('(a, b)', 'x')).toEqual(['a', 'b'])
    expect(listItems("[ 'a', 'b', ]", 'x')).toEqual(["'a'", "'b'"])
    expect(listItems('ARRAY[1, 2]', 'x')).toEqual(['1', '2'])
    expect(listItems('(f(a, b), (c))', 'x')).toEqual(['f(a, b)', '(c)'])
    expect(listItems('a', 'x')).toEqual(['a'])
    expect(listItems('(a + 1) * 2', 'x')).toEqual(['(a + 1) * 2'])
    expect(() => listItems('(a,,b)', 'x')).toThrow(/empty item/)
  })

  it('turns a string where a column is meant into a quoted identifier', () => {
    expect(columnText("'My Col'")).toBe('"My Col"')
    expect(columnText('"Q"')).toBe('"Q"')
    expect(singleColumn('(a)', 'c')).toBe('a')
  })

  it('reads booleans and NULL', () => {
    expect([booleanArg('TRUE', 'b'), booleanArg("'false'", 'b')]).toEqual([true, false])
    expect(() => booleanArg('1', 'b')).toThrow(/true or false/)
    expect([isNullArg(undefined), isNullArg('null'), isNullArg('0')]).toEqual([true, true, false])
  })

  it('parenthesises only compound expressions', () => {
    expect([paren('a'), paren('t."A"'), paren('10'), paren("'x'"), paren('a + 1'), paren('-1')]).toEqual([
      'a',
      't."A"',
      '10',
      "'x'",
      '(a + 1)',
      '(-1)',
    ])
  })

  it('reads quoted parameter names from positional arguments', () => {
    expect(namedArgs({ '0': '"values" := (1, 2)', Column: 'a', '1': 'b' })).toEqual({
      named: { values: '(1, 2)', column: 'a' },
      positional: ['1'],
    })
  })
})

describe('built-in SQL', () => {
  const build = (name: string, args: Record<string, string>, dialect: 'trino' | 'duckdb' = 'trino'): string =>
    BUILTIN_AUDITS.get(name)!.build!({ ...BUILTIN_AUDITS.get(name)!.defaults, ...args }, 'T', dialect)

  it('generates one predicate per listed column', () => {
    expect(build('not_null', { columns: '(a, "B")' })).toBe('SELECT * FROM T WHERE (a IS NULL) OR ("B" IS NULL)')
    expect(build('forall', { criteria: '(a > 0, b IN (1, 2))' })).toBe('SELECT * FROM T WHERE NOT (a > 0) OR NOT (b IN (1, 2))')
  })

  it('flips the range comparisons when not inclusive', () => {
    expect(build('accepted_range', { column: 'x', min_v: '0', max_v: '10' })).toBe('SELECT * FROM T WHERE x < 0 OR x > 10')
    expect(build('accepted_range', { column: 'x', max_v: '10', inclusive: 'false' })).toBe('SELECT * FROM T WHERE x >= 10')
  })

  it('stops scanning early for a literal row threshold only', () => {
    expect(build('number_of_rows', { threshold: '10' })).toContain('LIMIT 11')
    expect(build('number_of_rows', { threshold: '5 * 2' })).not.toContain('LIMIT')
  })

  it('uses the dialect regex function', () => {
    expect(build('valid_uuid', { column: 'u' })).toContain('regexp_like(lower(u), ')
    expect(build('valid_uuid', { column: 'u' }, 'duckdb')).toContain('regexp_matches(lower(u), ')
  })

  it('accepts partition_clause as columns or as PARTITION BY text', () => {
    const cols = build('mutually_exclusive_ranges', { lower_bound_column: 'lo', upper_bound_column: 'hi', partition_clause: '(g, h)' })
    const text = build('mutually_exclusive_ranges', { lower_bound_column: 'lo', upper_bound_column: 'hi', partition_clause: 'PARTITION BY g, h' })
    expect(cols).toContain('OVER (PARTITION BY g, h ORDER BY lo, hi)')
    expect(text).toBe(cols)
  })
})
