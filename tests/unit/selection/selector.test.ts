import { describe, expect, it } from 'vitest'
import { EngineError, PlanError } from '../../../src/errors.js'
import { formatSelector, parseSelector } from '../../../src/selection/selector.js'

/** The EngineError `fn` throws; fails the test if it throws nothing or something else. */
function errorOf(fn: () => unknown): EngineError {
  try {
    fn()
  } catch (e) {
    if (e instanceof EngineError) return e
    throw e
  }
  throw new Error('expected an EngineError')
}

const fmt = (s: string): string => formatSelector(parseSelector(s))

describe('parseSelector: atoms', () => {
  it('parses a model name with its position', () => {
    expect(parseSelector('  oso.stg_github__events')).toEqual({
      kind: 'model',
      pattern: 'oso.stg_github__events',
      text: 'oso.stg_github__events',
      pos: 2,
    })
  })

  it('parses tag atoms, keeping the pattern after tag:', () => {
    expect(parseSelector('tag:entity_category=project')).toEqual({
      kind: 'tag',
      pattern: 'entity_category=project',
      text: 'tag:entity_category=project',
      pos: 0,
    })
    expect(parseSelector('TAG:github*')).toMatchObject({ kind: 'tag', pattern: 'github*' })
  })

  it('keeps operator characters and spaces inside double quotes and drops the quotes', () => {
    expect(parseSelector('"my schema"."a+b"')).toMatchObject({ kind: 'model', pattern: 'my schema.a+b' })
    expect(parseSelector('"tag:x"')).toMatchObject({ kind: 'model', pattern: 'tag:x' })
  })
})

describe('parseSelector: operators and precedence', () => {
  it('reads + before and after an atom as upstream and downstream', () => {
    expect(parseSelector('+a')).toEqual({
      kind: 'lineage',
      upstream: true,
      downstream: false,
      operand: { kind: 'model', pattern: 'a', text: 'a', pos: 1 },
    })
    expect(parseSelector('a+')).toMatchObject({ kind: 'lineage', upstream: false, downstream: true })
    expect(parseSelector('+tag:x+')).toMatchObject({
      kind: 'lineage',
      upstream: true,
      downstream: true,
      operand: { kind: 'tag', pattern: 'x' },
    })
  })

  it('applies + to parenthesised groups', () => {
    expect(fmt('+(a | b)+')).toBe('+(a | b)+')
    expect(parseSelector('(a|b)+')).toMatchObject({ kind: 'lineage', downstream: true, operand: { kind: 'or' } })
  })

  it('binds ^ tighter than &, and & tighter than |', () => {
    expect(fmt('a | b & ^c')).toBe('(a | (b & ^c))')
    expect(fmt('^a & b | c')).toBe('((^a & b) | c)')
    expect(fmt('a & b | c & d')).toBe('((a & b) | (c & d))')
  })

  it('lets parentheses override precedence, nested to any depth', () => {
    expect(fmt('(a | b) & c')).toBe('((a | b) & c)')
    expect(fmt('((a))')).toBe('a')
    expect(fmt('a & (b | (c & ^(d | e)))')).toBe('(a & (b | (c & ^(d | e))))')
  })

  it('negates a whole group and reads ^x+ as ^(x+)', () => {
    expect(parseSelector('^(a | b)')).toMatchObject({ kind: 'not', operand: { kind: 'or' } })
    expect(parseSelector('^a+')).toMatchObject({ kind: 'not', operand: { kind: 'lineage', downstream: true } })
    expect(fmt('^^a')).toBe('^^a')
  })

  it('flattens chains of the same operator', () => {
    const node = parseSelector('a | b | c')
    expect(node.kind === 'or' && node.operands.length).toBe(3)
  })

  it('ignores whitespace between tokens', () => {
    expect(fmt('+ a &b|c')).toBe(fmt('+a & b | c'))
    expect(fmt('( tag:x&^ tag:y )')).toBe('(tag:x & ^tag:y)')
  })

  it('parses the documented example', () => {
    expect(fmt('(tag:entity_category=project & ^tag:deprecated)')).toBe('(tag:entity_category=project & ^tag:deprecated)')
  })
})

describe('parseSelector: errors', () => {
  it('reports a missing closing parenthesis at the end', () => {
    const e = errorOf(() => parseSelector('(a & b'))
    expect(e).toBeInstanceOf(PlanError)
    expect(e.code).toBe('OPTION_INVALID')
    expect(e.message).toBe(`invalid selector "(a & b": missing ')' at position 6`)
  })

  it.each([
    ['a & b)', 5, "unexpected ')'"],
    ['a &', 3, "after '&'"],
    ['a | ', 4, "after '|'"],
    ['& a', 0, "found '&'"],
    ['^', 1, "after '^'"],
    ['+', 1, "after '+'"],
    ['()', 1, "found ')'"],
    ['a b', 2, `found "b"`],
    ['(a b)', 3, `found "b"`],
    ['a++', 2, "unexpected '+'"],
    ['+^a', 1, "found '^'"],
    ['tag:', 4, 'empty tag'],
    ['x | git:main', 4, 'git:'],
    ['tags:x', 0, "unknown selection method 'tags:'"],
    ['"abc', 0, 'unterminated'],
    ['oso.[z-a]', 0, 'character class'],
    ['""', 0, 'empty model name'],
  ])('rejects %j at position %i', (selector, pos, what) => {
    const e = errorOf(() => parseSelector(selector))
    expect(e.code).toBe('OPTION_INVALID')
    expect(e.message).toContain(`invalid selector "${selector}"`)
    expect(e.message).toContain(what)
    expect(e.message).toMatch(new RegExp(`at position ${pos}$`))
  })

  it('rejects an empty or blank selector', () => {
    for (const s of ['', '   ']) {
      const e = errorOf(() => parseSelector(s))
      expect(e.code).toBe('OPTION_INVALID')
      expect(e.message).toContain('empty selector')
    }
  })
})
