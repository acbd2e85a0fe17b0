import { describe, expect, it } from 'vitest'
import { evaluateCondition } from '../../../src/macros/conditions.js'

describe('evaluateCondition', () => {
  it.each([
    ['TRUE', true],
    ['false', false],
    ['NULL', false],
    ["'a' = 'a'", true],
    ["'a' == 'b'", false],
    ["'a' <> 'b'", true],
    ['1 != 1', false],
    ['2 > 1', true],
    ['-2 < -1', true],
    ['1.5 >= 1.5', true],
    ['3 <= 2', false],
    ["DATE '2024-01-01' < DATE '2024-02-01'", true],
    ['NULL = NULL', false],
    ['NULL IS NULL', true],
    ["'x' IS NOT NULL", true],
    ['NOT FALSE', true],
    ['TRUE AND (1 = 2 OR 2 = 2)', true],
    ['NOT (1 = 1) OR FALSE', false],
    ['  /* c */ TRUE -- why\n', true],
  ])('%j -> %s', (sql, expected) => {
    expect(evaluateCondition(sql)).toBe(expected)
  })

  it.each(['', 'col = 1', "'a' = 1", '1', "'x'", 'TRUE TRUE', '(TRUE', 'f(1) = 1', 'TRUE AND 1', '1 + 1 = 2'])(
    '%j is not constant',
    (sql) => {
      expect(evaluateCondition(sql)).toBeUndefined()
    },
  )
})
