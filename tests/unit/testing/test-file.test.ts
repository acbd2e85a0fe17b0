import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ProjectError } from '../../../src/errors.js'
import { listTestFiles, loadTestSpecs } from '../../../src/testing/discover.js'
import { normalizeTableName, parseTestFile } from '../../../src/testing/test-file.js'
import { writeProject } from '../../helpers/project.js'

const FILE = 'tests/test_orders.yaml'

function parse(text: string, projectDir = '/nonexistent') {
  return parseTestFile(text, { projectDir, file: FILE })
}

function errorOf(text: string, projectDir?: string): ProjectError {
  try {
    parse(text, projectDir)
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError)
    return e as ProjectError
  }
  throw new Error('expected parseTestFile to throw')
}

describe('parseTestFile', () => {
  it('reads several tests with every input form', () => {
    const specs = parse(`
test_a:
  model: Shop.Orders_Daily
  description: d
  gateway: local
  inputs:
    shop.raw: [{id: 1, ts: 2024-01-01, big: 123456789012345678901}]
    '"Shop"."Other"':
      columns: {id: bigint}
      rows:
        - {id: 2}
    shop.csv_in:
      format: csv
      csv_settings: {delimiter: ';'}
      rows: |
        id;name
        1;a b
        2;
    shop.q:
      query: SELECT 1 AS id
    shop.empty:
      columns: {id: int}
  outputs:
    partial: true
    query: [{n: 1}]
    ctes:
      paid:
        partial: false
        rows: [{id: 1}]
  vars: {start: 2024-01-01, End: 2024-01-02, Min_Amount: 3}
test_b:
  model: shop.x
  outputs:
    query: []
`)
    expect(specs.map((s) => [s.name, s.line, s.model])).toEqual([
      ['test_a', 2, 'shop.orders_daily'],
      ['test_b', 31, 'shop.x'],
    ])
    const a = specs[0]!
    expect(a.inputs.map((i) => i.name)).toEqual(['shop.raw', 'shop.other', 'shop.csv_in', 'shop.q', 'shop.empty'])
    expect(a.inputs[0]!.source).toEqual({ kind: 'rows', rows: [{ id: 1, ts: '2024-01-01', big: 123456789012345678901n }], fromCsv: false })
    expect(a.inputs[1]!.columns).toEqual({ id: 'bigint' })
    expect(a.inputs[2]!.source).toEqual({ kind: 'rows', rows: [{ id: '1', name: 'a b' }, { id: '2', name: null }], fromCsv: true, header: ['id', 'name'] })
    expect(a.inputs[3]!.source).toEqual({ kind: 'query', sql: 'SELECT 1 AS id' })
    expect(a.inputs[4]!.source).toEqual({ kind: 'rows', rows: [], fromCsv: false })
    expect(a.inputs[1]!.line).toBe(8)
    expect(a.outputs.map((o) => [o.name, o.cte, o.partial])).toEqual([
      ['query', false, true],
      ['paid', true, false],
    ])
    expect(a.vars).toEqual({ start: '2024-01-01', end: '2024-01-02', min_amount: 3 })
  })

  it('loads path: data files (CSV and YAML) relative to the test file, then to the project', () => {
    const dir = writeProject({
      'tests/data/orders.csv': 'id,amount\n1,2.5\n',
      'seeds/rows.yaml': 'rows:\n  - {id: 7}\n',
    })
    const specs = parseTestFile(
      `t:\n  model: shop.m\n  inputs:\n    shop.a: {path: data/orders.csv}\n    shop.b: {path: seeds/rows.yaml}\n  outputs:\n    query: {path: data/orders.csv}\n`,
      { projectDir: dir, file: 'tests/test_x.yaml' },
    )
    const [a, b] = specs[0]!.inputs
    expect(a!.source).toEqual({ kind: 'rows', rows: [{ id: '1', amount: '2.5' }], fromCsv: true, header: ['id', 'amount'] })
    expect(b!.source).toEqual({ kind: 'rows', rows: [{ id: 7 }], fromCsv: false })
    expect(specs[0]!.outputs[0]!.source.kind).toBe('rows')
  })

  it('reports YAML that does not parse with its line', () => {
    const e = errorOf('test_a:\n  model: shop.x\n  outputs:\n    query: [{a: 1}\n  vars: {}\n')
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.format()).toMatch(/^tests\/test_orders\.yaml:\d+: invalid YAML/)
    expect(e.location?.line).toBeGreaterThanOrEqual(4)
  })

  it('names the test, the key and the line of an unknown or mistyped key', () => {
    const unknown = errorOf('test_a:\n  model: shop.x\n  outputs:\n    query: []\n    rowz: []\n')
    expect(unknown.format()).toBe("tests/test_orders.yaml:5: test 'test_a': unknown key 'outputs.rowz'")
    const typed = errorOf('test_a:\n  model: 3\n  outputs: {query: []}\n')
    expect(typed.format()).toMatch(/^tests\/test_orders\.yaml:2: test 'test_a': invalid 'model'/)
    const missing = errorOf('test_a:\n  inputs: {}\n  outputs: {query: []}\n')
    expect(missing.format()).toMatch(/^tests\/test_orders\.yaml:1: test 'test_a': invalid 'model'/)
  })

  it('rejects rows in the wrong form, two sources, missing outputs and missing files', () => {
    expect(errorOf('t:\n  model: m\n  inputs:\n    a:\n      rows: "x,y"\n  outputs: {query: []}\n').format()).toMatch(
      /:5: test 't': inputs\.a: rows is text; add format: csv/,
    )
    expect(errorOf('t:\n  model: m\n  inputs:\n    a: {rows: [], query: SELECT 1}\n  outputs: {query: []}\n').message).toMatch(
      /give only one of rows, query and path \(got rows, query\)/,
    )
    expect(errorOf('t:\n  model: m\n  outputs: {}\n').message).toMatch(/outputs needs query or ctes/)
    expect(errorOf('t:\n  model: m\n  inputs:\n    a: {path: nope.csv}\n  outputs: {query: []}\n').format()).toMatch(
      /:4: data file not found: nope\.csv/,
    )
    expect(errorOf('t:\n  model: m\n  inputs:\n    a:\n      format: csv\n      rows: |\n        x,y\n        1\n  outputs: {query: []}\n').format()).toMatch(
      /tests\/test_orders\.yaml:8: CSV row has 1 values but the header has 2 columns/,
    )
    expect(errorOf('- a\n- b\n').message).toMatch(/must be a map of test name -> test/)
    expect(errorOf('t: 3\n').message).toMatch(/test 't': expected a map/)
  })

  it('parses an empty file as no tests', () => {
    expect(parse('')).toEqual([])
    expect(parse('# only a comment\n')).toEqual([])
  })
})

describe('normalizeTableName', () => {
  it('lower-cases, unquotes and keeps dots inside quotes out of the split', () => {
    expect(normalizeTableName('OSO.Stg_X')).toBe('oso.stg_x')
    expect(normalizeTableName('"Cat"."Sch"."T"')).toBe('cat.sch.t')
    expect(normalizeTableName(' oso . x ')).toBe('oso.x')
  })
})

describe('test discovery', () => {
  it('finds only tests/**/test_*.yaml|yml, skipping other YAML, hidden folders and node_modules', () => {
    const dir = writeProject({
      'tests/test_a.yaml': 't1:\n  model: m\n  outputs: {query: []}\n',
      'tests/deep/er/test_b.yml': 't2:\n  model: m\n  outputs: {query: []}\n',
      'tests/fixtures/rows.yaml': '- {a: 1}\n',
      'tests/unit/x.test.ts': '',
      'tests/.hidden/test_c.yaml': 'x',
      'tests/node_modules/test_d.yaml': 'x',
      'test_e.yaml': 'x',
    })
    mkdirSync(join(dir, 'tests', 'empty'))
    expect(listTestFiles(dir)).toEqual(['tests/deep/er/test_b.yml', 'tests/test_a.yaml'])
    expect(loadTestSpecs(dir).map((s) => `${s.file}:${s.name}`)).toEqual(['tests/deep/er/test_b.yml:t2', 'tests/test_a.yaml:t1'])
  })

  it('reports every invalid file at once', () => {
    const dir = writeProject({ 'tests/test_a.yaml': 't: [\n', 'tests/test_b.yaml': 't:\n  modle: m\n' })
    writeFileSync(join(dir, 'tests', 'test_c.yaml'), 'ok:\n  model: m\n  outputs: {query: []}\n')
    expect(() => loadTestSpecs(dir)).toThrow(/tests\/test_a\.yaml:\d+: invalid YAML[\s\S]*tests\/test_b\.yaml:2: test 't': unknown key 'modle'/)
  })
})
