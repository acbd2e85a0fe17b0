import { describe, expect, it } from 'vitest'
import { BUILTIN_AUDITS } from '../../../src/audits/builtin-audits.js'
import { createAuditRegistry, validateAuditCalls } from '../../../src/audits/registry.js'
import { parseAuditFile } from '../../../src/audits/user-audits.js'
import { ProjectError } from '../../../src/errors.js'
import { createMacroRegistry } from '../../../src/macros/index.js'
import { builtinRegistry, callsOf, MODEL_FILE } from './audit-fixtures.js'

const AT = { file: MODEL_FILE, line: 7 }
const userRegistry = createAuditRegistry([
  ...BUILTIN_AUDITS.values(),
  ...parseAuditFile(
    'AUDIT (name over_threshold, defaults (threshold = 10));\nSELECT * FROM @this_model WHERE @column > @threshold AND amount > @min_amount',
    'audits/a.sql',
  ),
])

function errorOf(audits: string, registry = builtinRegistry, opts = {}): ProjectError {
  try {
    validateAuditCalls(callsOf(audits), registry, AT, opts)
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError)
    return e as ProjectError
  }
  throw new Error('expected validateAuditCalls to throw')
}

function expectInvalid(audits: string, message: RegExp, registry = builtinRegistry): void {
  const e = errorOf(audits, registry)
  expect({ code: e.code, location: e.location }).toEqual({ code: 'AUDIT_INVALID', location: AT })
  expect(e.message).toMatch(message)
  expect(e.format()).toBe(`${MODEL_FILE}:7: ${e.message}`)
}

describe('validateAuditCalls', () => {
  it('accepts valid calls, including condition, blocking and macro arguments', () => {
    const ok = `not_null(columns := (a, "B")),
      unique_values(columns := a),
      accepted_range(column := x, min_v := 0, inclusive := false, condition := y > 0),
      accepted_range(column := x, max_v := @max_x),
      number_of_rows_non_blocking(threshold := 0, blocking := true),
      forall(criteria := (a > 0, b IS NOT NULL)),
      sequential_values(column := id)`
    expect(() => validateAuditCalls(callsOf(ok), builtinRegistry, AT)).not.toThrow()
  })

  it('names close audits for an unknown one', () => {
    expectInvalid('not_nul(columns := (a))', /unknown audit 'not_nul'; did you mean not_null, /)
    expectInvalid('uniqe_values(columns := (a))', /did you mean unique_values/)
    expectInvalid('zzzzqqq(a := 1)', /^unknown audit 'zzzzqqq'$/)
  })

  it('reports a missing required parameter', () => {
    expectInvalid('accepted_values(column := a)', /^audit 'accepted_values': missing required parameter 'is_in'$/)
    expectInvalid('not_null', /audit 'not_null': missing required parameter 'columns'/)
  })

  it('reports an unknown parameter with the closest known one', () => {
    expectInvalid('not_null(column := a)', /audit 'not_null': unknown parameter 'column' \(did you mean 'columns'\? parameters: columns, condition, blocking\)/)
  })

  it('rejects positional arguments, as SQLMesh does', () => {
    expectInvalid('not_null((a, b))', /arguments must be named, e\.g\. not_null\(columns := \.\.\.\)/)
  })

  it('checks argument shapes of built-ins', () => {
    expectInvalid('accepted_range(column := x)', /needs min_v or max_v/)
    expectInvalid('accepted_range(column := x, min_v := NULL)', /needs min_v or max_v/)
    expectInvalid('accepted_range(column := x, min_v := 1, inclusive := maybe)', /parameter 'inclusive' must be true or false/)
    expectInvalid('at_least_one(column := (a, b))', /parameter 'column' takes one column, got a list of 2/)
    expectInvalid('not_null(columns := ())', /parameter 'columns' is an empty list/)
    expectInvalid('not_null(columns := (a, b), blocking := sometimes)', /'blocking' must be true or false/)
  })

  it('checks user audits: unknown and missing parameters, defaults count as given', () => {
    expect(() => validateAuditCalls(callsOf('over_threshold(column := a, min_amount := 0)'), userRegistry, AT)).not.toThrow()
    expectInvalid('over_threshold(column := a)', /audit 'over_threshold': missing required parameter 'min_amount'/, userRegistry)
    expectInvalid('over_threshold(column := a, min_amount := 0, treshold := 3)', /unknown parameter 'treshold' \(did you mean 'threshold'\?/, userRegistry)
  })

  it('lets project variables and macros satisfy a user audit parameter', () => {
    const calls = callsOf('over_threshold(column := a)')
    expect(() => validateAuditCalls(calls, userRegistry, AT, { variables: { MIN_AMOUNT: 3 } })).not.toThrow()
    const macros = createMacroRegistry({ min_amount: () => '1' })
    expect(() => validateAuditCalls(calls, userRegistry, AT, { macros })).not.toThrow()
  })
})
