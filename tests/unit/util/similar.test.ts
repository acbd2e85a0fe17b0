import { describe, expect, it } from 'vitest'
import { closest, levenshtein, substringDistance } from '../../../src/util/similar.js'

describe('levenshtein', () => {
  it('computes the classic distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3)
    expect(levenshtein('', 'abc')).toBe(3)
    expect(levenshtein('abc', '')).toBe(3)
    expect(levenshtein('same', 'same')).toBe(0)
    expect(levenshtein('flaw', 'lawn')).toBe(2)
  })

  it('stops at max + 1 when the distance is larger', () => {
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2)
    expect(levenshtein('a', 'abcdefgh', 2)).toBe(3)
    expect(levenshtein('kitten', 'sitting', 3)).toBe(3)
  })
})

describe('substringDistance', () => {
  it('is 0 when the text contains the pattern and counts edits to the closest substring otherwise', () => {
    expect(substringDistance('github', 'oso.stg_github__events')).toBe(0)
    expect(substringDistance('githb', 'oso.stg_github__events')).toBe(1)
    expect(substringDistance('abcdef', 'abc')).toBe(3)
    expect(substringDistance('xyz', 'oso.stg_github__events', 1)).toBe(2)
  })
})

describe('closest', () => {
  const names = ['oso.stg_github__events', 'oso.stg_github__repos', 'oso.int_events_daily', 'oso.mart_projects']

  it('finds typos by edit distance, best first', () => {
    expect(closest('oso.stg_githb__events', names)[0]).toBe('oso.stg_github__events')
    expect(closest('oso.mart_project', names)).toEqual(['oso.mart_projects'])
  })

  it('finds candidates containing the target', () => {
    expect(closest('stg_github', names)).toEqual(['oso.stg_github__repos', 'oso.stg_github__events'])
  })

  it('is case-insensitive, returns candidates as given, and skips exact matches and duplicates', () => {
    expect(closest('MART_PROJECTS', ['oso.Mart_Projects', 'oso.mart_projects'])).toEqual(['oso.Mart_Projects'])
    expect(closest('abc', ['ABC', 'abd'])).toEqual(['abd'])
  })

  it('returns nothing when no candidate is close and respects the limit', () => {
    expect(closest('zzzzzz', names)).toEqual([])
    const many = Array.from({ length: 20 }, (_, i) => `oso.model_${String(i).padStart(2, '0')}`)
    expect(closest('model', many)).toHaveLength(5)
    expect(closest('model', many, { limit: 2 })).toEqual(['oso.model_00', 'oso.model_01'])
  })
})
