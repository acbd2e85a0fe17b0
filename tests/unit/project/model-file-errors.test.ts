import { describe, expect, it } from 'vitest'
import { ProjectError } from '../../../src/errors.js'
import { parseModelFile } from '../../../src/project/model-file.js'

const FILE = 'models/bad.sql'

/** Parse `text`, expect a ProjectError and return it for assertions. */
function errorOf(text: string): ProjectError {
  try {
    parseModelFile(text, FILE, { dialect: 'trino', cron: '@daily' })
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError)
    return e as ProjectError
  }
  throw new Error('expected parseModelFile to throw')
}

function expectError(text: string, code: string, line: number, message: RegExp): void {
  const e = errorOf(text)
  expect({ code: e.code, file: e.location?.file, line: e.location?.line }).toEqual({ code, file: FILE, line })
  expect(e.message).toMatch(message)
  expect(e.format()).toBe(`${FILE}:${line}: ${e.message}`)
}

describe('parseModelFile errors: malformed headers', () => {
  it('reports a kind whose ( is never closed at the swallowed property line', () => {
    const text = `MODEL (
  name oso.x,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column ts,
    batch_size 10,
  cron '@daily'
);
SELECT 1`
    expectError(text, 'HEADER_INVALID', 6, /'\(' opened on line 3 is not closed before property 'cron'/)
  })

  it('reports a MODEL ( never closed before ; at the ; line', () => {
    expectError('MODEL (\n  name oso.x,\n  kind FULL\n;\nSELECT 1', 'HEADER_INVALID', 4, /on line 1 is not closed before ';'/)
  })

  it('reports a MODEL ( never closed at all at the last line', () => {
    expectError('-- c\nMODEL (\n  name oso.x,\n  kind FULL\n\n', 'HEADER_INVALID', 4, /'\(' on line 2 is never closed/)
  })

  it('reports an extra ) that closes the header early at that line', () => {
    const text = "MODEL (\n  name oso.x,\n  kind FULL),\n  cron '@daily'\n);\nSELECT 1"
    expectError(text, 'HEADER_INVALID', 3, /closes the MODEL header, but ','/)
  })

  it('reports garbage after the header closing ) at its line', () => {
    expectError('MODEL (\n  name oso.x\n)\n  garbage here;\nSELECT 1', 'HEADER_INVALID', 4, /expected ';' after the MODEL header, found 'garbage'/)
  })

  it('reports a missing comma between properties at the second property', () => {
    expectError("MODEL (\n  name oso.x\n  kind FULL,\n  cron '@daily'\n); SELECT 1", 'HEADER_INVALID', 3, /missing ',' before property 'kind'/)
  })

  it('reports a missing comma inside a value on one line', () => {
    expectError("MODEL (\n  name oso.x,\n  cron '@daily' '@hourly'\n); SELECT 1", 'HEADER_INVALID', 3, /unexpected ''@hourly''.*missing ','/)
  })

  it('reports a property without a value', () => {
    expectError("MODEL (\n  name oso.x,\n  cron,\n  kind FULL\n); SELECT 1", 'HEADER_INVALID', 3, /property 'cron' has no value/)
  })

  it('reports an empty list item (double comma)', () => {
    expectError('MODEL (\n  name oso.x,\n  tags (a,\n  , b)\n); SELECT 1', 'HEADER_INVALID', 4, /unexpected ','/)
  })

  it('reports garbage where a property name should be', () => {
    expectError("MODEL (\n  name oso.x,\n  'oops' 1\n); SELECT 1", 'HEADER_INVALID', 3, /expected a property name, found ''oops''/)
  })

  it('reports a file without a MODEL header', () => {
    expectError('-- nothing\nSELECT 1', 'HEADER_INVALID', 2, /expected MODEL \(\.\.\.\)/)
    expectError('\n\n', 'HEADER_INVALID', 1, /empty model file/)
    expectError('MODEL\n  name oso.x', 'HEADER_INVALID', 2, /expected '\(' after MODEL/)
  })
})

describe('parseModelFile errors: properties and kinds', () => {
  it('reports an unknown property with its line', () => {
    expectError("MODEL (\n  name oso.x,\n  kind FULL,\n  colour 'blue'\n); SELECT 1", 'HEADER_INVALID', 4, /unknown property 'colour'/)
  })

  it('reports a duplicate property at the second occurrence', () => {
    expectError("MODEL (\n  name oso.x,\n  cron '@daily',\n  cron '@hourly'\n); SELECT 1", 'HEADER_INVALID', 4, /duplicate property 'cron' \(first set on line 3\)/)
  })

  it('reports a model without a name at the MODEL line', () => {
    expectError('-- header\n\nMODEL (\n  kind FULL\n);\nSELECT 1', 'HEADER_INVALID', 3, /model has no name/)
  })

  it('reports a bad dialect at its property line', () => {
    expectError('MODEL (\n  name oso.x,\n  dialect "bigquery"\n); SELECT 1', 'HEADER_INVALID', 3, /unsupported dialect 'bigquery'/)
  })

  it('reports an unknown kind naming it', () => {
    expectError('MODEL (\n  name oso.x,\n  kind FULLL\n); SELECT 1', 'HEADER_INVALID', 3, /unknown model kind 'FULLL'/)
  })

  it.each(['EMBEDDED', 'incremental_by_partition', 'SCD_TYPE_2 (unique_key id)', 'INCREMENTAL_UNMANAGED'])(
    'reports kind %s as not supported yet (MODEL_INVALID)',
    (kind) => {
      const name = kind.split(' ')[0]!.toUpperCase()
      expectError(`MODEL (\n  name oso.x,\n\n  kind ${kind}\n); SELECT 1`, 'MODEL_INVALID', 4, new RegExp(`kind ${name} is not supported yet`))
    },
  )

  it('reports INCREMENTAL_BY_TIME_RANGE without time_column at the kind line', () => {
    expectError('MODEL (\n  name oso.x,\n  kind INCREMENTAL_BY_TIME_RANGE (\n    batch_size 1\n  )\n); SELECT 1', 'HEADER_INVALID', 3, /needs a time_column/)
  })

  it('reports a non-integer batch_size and a duplicate kind option at their lines', () => {
    const base = 'MODEL (\n  name oso.x,\n  kind INCREMENTAL_BY_TIME_RANGE (\n    time_column ts,\n'
    expectError(`${base}    batch_size ten\n  )\n); SELECT 1`, 'HEADER_INVALID', 5, /'batch_size' must be a non-negative integer/)
    expectError(`${base}    lookback 1,\n    lookback 2\n  )\n); SELECT 1`, 'HEADER_INVALID', 6, /option 'lookback' given twice/)
  })

  it('reports an unknown VIEW option and SEED without a path', () => {
    expectError('MODEL (\n  name oso.x,\n  kind VIEW (\n    refresh 1\n  )\n); SELECT 1', 'HEADER_INVALID', 4, /unknown option 'refresh' for kind VIEW/)
    expectError("MODEL (\n  name oso.x,\n  kind SEED (csv_settings (delimiter = ','))\n)", 'HEADER_INVALID', 3, /needs a path/)
  })

  it('reports a non-boolean enabled value', () => {
    expectError('MODEL (\n  name oso.x,\n  enabled maybe\n); SELECT 1', 'HEADER_INVALID', 3, /must be true or false/)
  })
})

describe('parseModelFile errors: body', () => {
  it('reports a non-SEED model without a query at the MODEL line', () => {
    expectError('\nMODEL (\n  name oso.x,\n  kind FULL\n);\n@DEF(a, 1);\n', 'MODEL_INVALID', 2, /model 'oso.x' has no query/)
    expectError('MODEL (name oso.x);\nSET x = 1;', 'MODEL_INVALID', 1, /has no query/)
  })

  it('reports a SEED model that has a query at the statement line', () => {
    expectError("MODEL (name oso.s, kind SEED (path 'a.csv'));\n\nSELECT 1", 'MODEL_INVALID', 3, /SEED model 'oso.s' must not have a query/)
  })

  it('reports a malformed @DEF at its line', () => {
    expectError('MODEL (name oso.x);\n@DEF(only_one);\nSELECT 1', 'MODEL_INVALID', 2, /@DEF must be written @DEF\(name, expression\)/)
    expectError('MODEL (name oso.x);\n\n@DEF((a), 1);\nSELECT 1', 'MODEL_INVALID', 3, /name must be a single identifier/)
  })
})
