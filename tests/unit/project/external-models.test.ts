import { describe, expect, it } from 'vitest'
import { ProjectError } from '../../../src/errors.js'
import { parseExternalModels } from '../../../src/project/external-models.js'

const FILE = 'external_models.yaml'

function errorOf(text: string): ProjectError {
  try {
    parseExternalModels(text, FILE)
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError)
    return e as ProjectError
  }
  throw new Error('expected parseExternalModels to throw')
}

describe('parseExternalModels', () => {
  it('reads entries into EXTERNAL model definitions with their lines', () => {
    const yaml = `# sources
- name: bigquery.ossd.Projects
  description: OSS Directory projects
  columns:
    id: VARCHAR
    Version: BIGINT
    amount: DECIMAL(38, 18)
  gateway: trino

- name: '"Source_Public".repos'
  dialect: duckdb
`
    const [a, b, ...rest] = parseExternalModels(yaml, FILE)
    expect(rest).toEqual([])
    expect(a).toMatchObject({
      name: 'bigquery.ossd.projects',
      kind: { name: 'EXTERNAL' },
      file: FILE,
      line: 2,
      dialect: 'trino',
      description: 'OSS Directory projects',
      columns: [
        { name: 'id', type: 'VARCHAR' },
        { name: 'version', type: 'BIGINT' },
        { name: 'amount', type: 'DECIMAL(38, 18)' },
      ],
      extra: { gateway: 'trino' },
      query: '',
      preStatements: [],
      defs: [],
      enabled: true,
    })
    expect(b).toMatchObject({ name: 'Source_Public.repos', line: 10, dialect: 'duckdb', columns: [], extra: {} })
  })

  it('uses the caller default dialect and returns [] for an empty file', () => {
    expect(parseExternalModels('- name: s.t\n', FILE, { dialect: 'duckdb' })[0]?.dialect).toBe('duckdb')
    expect(parseExternalModels('# nothing yet\n', FILE)).toEqual([])
  })

  it('reports an unknown key naming it, at the key line', () => {
    const e = errorOf('- name: s.a\n- name: s.b\n  columns: {id: INT}\n  colums: {x: INT}\n')
    expect([e.code, e.location]).toEqual(['EXTERNAL_INVALID', { file: FILE, line: 4 }])
    expect(e.message).toMatch(/unknown key 'colums'/)
  })

  it('reports a wrong value type at the value line', () => {
    const e = errorOf('- name: s.a\n  columns:\n    id: INT\n    tags: [a, b]\n')
    expect([e.code, e.location?.line]).toEqual(['EXTERNAL_INVALID', 4])
    expect(e.message).toMatch(/columns\.tags/)
  })

  it('reports a missing name at the entry line', () => {
    const e = errorOf('- name: s.a\n\n- description: no name\n')
    expect([e.code, e.location?.line]).toEqual(['EXTERNAL_INVALID', 3])
    expect(e.message).toMatch(/'name'/)
  })

  it('reports malformed and duplicate names', () => {
    const one = errorOf('- name: just_a_table\n')
    expect([one.location?.line, one.message]).toEqual([1, expect.stringMatching(/must be schema.table or catalog.schema.table/)])
    expect(errorOf('- name: a.b.c.d\n').code).toBe('EXTERNAL_INVALID')
    const dup = errorOf('- name: s.a\n- name: S.A\n')
    expect([dup.location?.line, dup.message]).toEqual([2, expect.stringMatching(/declared twice \(first on line 1\)/)])
  })

  it('reports a document that is not a list, a non-mapping entry, and YAML syntax errors with lines', () => {
    expect(errorOf('name: s.a\n').message).toMatch(/expected a YAML list/)
    const scalar = errorOf('- name: s.a\n- just text\n')
    expect([scalar.location?.line, scalar.message]).toEqual([2, expect.stringMatching(/must be a mapping/)])
    const syntax = errorOf('- name: s.a\n  columns: {id: INT\n- name: s.b\n')
    expect(syntax.code).toBe('EXTERNAL_INVALID')
    expect(syntax.message).toMatch(/invalid YAML/)
    expect(syntax.location?.line).toBe(3)
  })
})
