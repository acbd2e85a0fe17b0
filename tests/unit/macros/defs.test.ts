import { describe, expect, it } from 'vitest'
import { MacroError } from '../../../src/errors.js'
import { extractDefs } from '../../../src/macros/index.js'

const loc = { file: 'models/m.sql', line: 5 }

describe('extractDefs', () => {
  it.each([
    ["@DEF(event_date_threshold, DATE('2024-01-01'))", 'event_date_threshold', "DATE('2024-01-01')"],
    ['@DEF("full_time_days", 10);', 'full_time_days', '10'],
    ["@def('quoted', 'a,b')", 'quoted', "'a,b'"],
    ['  -- lead\n@DEF(to_artifact_name, LOWER(all_tvl_events.slug)) ; ', 'to_artifact_name', 'LOWER(all_tvl_events.slug)'],
    ['@DEF(x, @start_ds)', 'x', '@start_ds'],
    ['@DEF(\n  span,\n  CASE WHEN a THEN (1, 2) END\n)', 'span', 'CASE WHEN a THEN (1, 2) END'],
  ])('%j -> %s', (sql, name, expr) => {
    expect(extractDefs(sql, loc)).toEqual({ name, expr })
  })

  it.each(['SELECT 1', "SELECT '@DEF(a, 1)'", '@VAR(x)', '-- @DEF(a, 1)\nSELECT 1', ''])(
    'returns undefined for %j',
    (sql) => {
      expect(extractDefs(sql, loc)).toBeUndefined()
    },
  )

  it.each([
    ['@DEF(a)', 5],
    ['@DEF(a, 1, 2)', 5],
    ['@DEF(f(x), 1)', 5],
    ['@DEF(a, )', 5],
    ['@DEF', 5],
    ['\n\n@DEF(a, 1) + 2', 7],
    ['@DEF(a, (1)', 5],
  ])('rejects %j at line %i', (sql, line) => {
    try {
      extractDefs(sql, loc)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(MacroError)
      expect((e as MacroError).code).toBe('MACRO_INVALID')
      expect((e as MacroError).location).toEqual({ file: 'models/m.sql', line })
    }
  })
})
