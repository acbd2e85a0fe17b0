import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRegistry } from '../../../src/audits/audit.js'
import { BUILTIN_AUDITS } from '../../../src/audits/builtin-audits.js'
import { createAuditRegistry, loadAuditRegistry, validateAuditCalls } from '../../../src/audits/registry.js'
import { parseAuditFile } from '../../../src/audits/user-audits.js'
import { ProjectError } from '../../../src/errors.js'
import { writeProject } from '../../helpers/project.js'
import { AuditBench, callsOf, engineErrorOf } from './audit-fixtures.js'

const FILE = 'audits/checks.sql'

function parseError(text: string): ProjectError {
  try {
    parseAuditFile(text, FILE)
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError)
    return e as ProjectError
  }
  throw new Error('expected parseAuditFile to throw')
}

function expectError(text: string, code: string, line: number, message: RegExp): void {
  const e = parseError(text)
  expect({ code: e.code, file: e.location?.file, line: e.location?.line }).toEqual({ code, file: FILE, line })
  expect(e.message).toMatch(message)
}

describe('parseAuditFile', () => {
  it('reads name, dialect, defaults, blocking and the parameters the query uses', () => {
    const text = `-- thresholds
AUDIT (
  name Does_Not_Exceed,
  dialect duckdb,
  defaults (threshold = 10, column := id),
  blocking false,
);
SELECT * FROM @this_model
WHERE @column >= @threshold AND ds BETWEEN @start_ds AND @end_ds AND @kind_filter;`
    const [def] = parseAuditFile(text, FILE)
    expect(def).toMatchObject({
      name: 'does_not_exceed',
      file: FILE,
      line: 2,
      queryLine: 8,
      dialect: 'duckdb',
      defaults: { threshold: '10', column: 'id' },
      blocking: false,
      skip: false,
      required: ['kind_filter'],
      params: ['threshold', 'column', 'kind_filter'],
    })
    expect(def!.query).toBe('SELECT * FROM @this_model\nWHERE @column >= @threshold AND ds BETWEEN @start_ds AND @end_ds AND @kind_filter')
  })

  it('reads several audits from one file, with @DEF lines and without a ; after the header', () => {
    const text = `AUDIT (name a1); SELECT * FROM @this_model WHERE x IS NULL;

AUDIT (name a2, skip true)
@DEF(limit_v, 5);
SELECT * FROM @this_model WHERE y > @limit_v AND y < @cap;
`
    const defs = parseAuditFile(text, FILE, { dialect: 'duckdb' })
    expect(defs.map((d) => [d.name, d.line, d.queryLine, d.dialect, d.skip, d.required])).toEqual([
      ['a1', 1, 1, 'duckdb', false, []],
      ['a2', 3, 4, 'duckdb', true, ['cap']],
    ])
    expect(defs[1]!.query).toBe('@DEF(limit_v, 5);\nSELECT * FROM @this_model WHERE y > @limit_v AND y < @cap')
  })

  it('defaults to the trino dialect and blocking true', () => {
    const [def] = parseAuditFile('AUDIT (name x); SELECT * FROM @this_model', FILE)
    expect({ dialect: def!.dialect, blocking: def!.blocking, params: def!.params }).toEqual({ dialect: 'trino', blocking: true, params: [] })
  })
})

describe('parseAuditFile errors', () => {
  it('reports an unclosed header at its line', () => {
    expectError('\nAUDIT (\n  name x,\n  blocking false\nSELECT 1', 'HEADER_INVALID', 2, /never closed/)
  })

  it('reports an unknown key at its line', () => {
    expectError('AUDIT (\n  name x,\n  owner me\n); SELECT * FROM @this_model', 'HEADER_INVALID', 3, /unknown property 'owner' in AUDIT header/)
  })

  it('reports a missing name at the AUDIT line', () => {
    expectError('\n\nAUDIT (dialect trino); SELECT * FROM @this_model', 'HEADER_INVALID', 3, /no name/)
  })

  it('reports a bad boolean, a bad dialect and malformed defaults', () => {
    expectError('AUDIT (name x,\n blocking maybe); SELECT * FROM @this_model', 'HEADER_INVALID', 2, /true or false/)
    expectError('AUDIT (name x,\n dialect spark); SELECT * FROM @this_model', 'HEADER_INVALID', 2, /unsupported dialect 'spark'/)
    expectError('AUDIT (name x,\n defaults threshold); SELECT * FROM @this_model', 'HEADER_INVALID', 2, /defaults must be a list/)
    expectError('AUDIT (name x,\n defaults (a = 1, a = 2)); SELECT * FROM @this_model', 'HEADER_INVALID', 2, /default 'a' is given twice/)
  })

  it('reports a duplicate name in one file', () => {
    expectError('AUDIT (name x); SELECT * FROM @this_model;\nAUDIT (name x); SELECT 1 FROM @this_model', 'AUDIT_INVALID', 2, /defined twice in this file \(first on line 1\)/)
  })

  it('rejects standalone audits as not supported', () => {
    expectError('AUDIT (name x,\n  standalone true); SELECT * FROM t', 'AUDIT_INVALID', 2, /standalone audits are not supported/)
  })

  it('reports a query before any AUDIT, an audit with no query or two queries', () => {
    expectError('\nSELECT 1;\nAUDIT (name x); SELECT * FROM @this_model', 'AUDIT_INVALID', 2, /expected AUDIT \(\.\.\.\) before the query/)
    expectError('AUDIT (name x);\n', 'AUDIT_INVALID', 1, /has no query/)
    expectError('AUDIT (name x);\nSELECT 1;\nSELECT * FROM @this_model', 'AUDIT_INVALID', 2, /must have one query/)
  })

  it('reports a query that does not read @this_model', () => {
    expectError('AUDIT (name x);\nSELECT * FROM shop.items WHERE price IS NULL', 'AUDIT_INVALID', 2, /does not read @this_model/)
  })
})

describe('user audits on DuckDB', () => {
  let bench: AuditBench
  let registry: AuditRegistry
  let items: string
  beforeAll(async () => {
    bench = await AuditBench.open()
    items = await bench.table('id INT, name VARCHAR, price INT', ["1, 'apple', 5", "2, 'tmp_pear', 50", "3, 'plum', 500"])
    const dir = writeProject({
      'audits/thresholds.sql': `AUDIT (name does_not_exceed, defaults (threshold = 100));
SELECT * FROM @this_model WHERE @column >= @threshold;

AUDIT (name price_listed, blocking false);
SELECT * FROM @this_model WHERE price NOT IN @allowed`,
      'audits/nested/names.sql': `AUDIT (name no_tmp_names);
SELECT * FROM @this_model WHERE regexp_like(name, '^tmp_')`,
      'audits/duck.sql': `AUDIT (name duck_check, dialect duckdb);
SELECT * FROM @this_model WHERE regexp_matches(name, @pattern)`,
      'audits/cond.sql': `AUDIT (name cond_aware, defaults (condition = TRUE));
SELECT * FROM @this_model WHERE NOT (@condition)`,
      'audits/notes.txt': 'not an audit',
    })
    registry = await loadAuditRegistry(dir)
  })
  afterAll(() => bench.close())

  it('loads user audits next to the built-ins', () => {
    expect(registry.names()).toEqual(expect.arrayContaining(['does_not_exceed', 'price_listed', 'no_tmp_names', 'duck_check', 'not_null']))
    expect(registry.get('no_tmp_names')?.file).toBe('audits/nested/names.sql')
    expect(registry.get('NOT_NULL')?.name).toBe('not_null')
  })

  it('uses defaults and lets the call override them', async () => {
    const byDefault = await bench.one(items, 'does_not_exceed(column := price)', { registry })
    expect(byDefault).toMatchObject({ status: 'failed', count: 1, sample: [{ id: 3 }], blocking: true })
    expect((await bench.one(items, 'does_not_exceed(column := price, threshold := 1000)', { registry })).status).toBe('passed')
    expect((await bench.one(items, 'does_not_exceed(column := price, threshold := 10)', { registry })).count).toBe(2)
  })

  it('substitutes list parameters and keeps blocking false from the header', async () => {
    const r = await bench.one(items, 'price_listed(allowed := (5, 50))', { registry })
    expect(r).toMatchObject({ status: 'failed', count: 1, blocking: false, sample: [{ price: 500 }] })
  })

  it('takes a quoted parameter name written as a named argument', async () => {
    const r = await bench.one(items, 'price_listed("allowed" := (5, 50, 500))', { registry })
    expect(r.status).toBe('passed')
  })

  it('transpiles a Trino audit to DuckDB', async () => {
    const r = await bench.one(items, 'no_tmp_names', { registry })
    expect(r).toMatchObject({ status: 'failed', count: 1, sample: [{ name: 'tmp_pear' }] })
    expect(r.sql).toMatch(/regexp_matches/i)
    expect(r.sql).toContain(items)
  })

  it('runs a DuckDB-dialect audit untranspiled', async () => {
    const r = await bench.one(items, "duck_check(pattern := '^p')", { registry })
    expect(r.count).toBe(1)
  })

  it('applies condition and where to a user audit that does not read @condition', async () => {
    const r = await bench.one(items, "no_tmp_names(condition := price < 10)", { registry })
    expect(r.status).toBe('passed')
    const w = await bench.one(items, 'does_not_exceed(column := price)', { registry, ctx: { where: 'id < 3' } })
    expect(w.status).toBe('passed')
  })

  it('passes condition as a parameter to a user audit that reads @condition', async () => {
    expect((await bench.one(items, 'cond_aware', { registry })).status).toBe('passed')
    const r = await bench.one(items, 'cond_aware(condition := price < 10)', { registry })
    expect(r.count).toBe(2)
  })

  it('reports a missing parameter at render time as an unknown macro in the audit file', async () => {
    const e = await engineErrorOf(() => bench.run(items, 'does_not_exceed', { registry }))
    expect(e.code).toBe('MACRO_UNKNOWN')
    expect(e.location).toEqual({ file: 'audits/thresholds.sql', line: 2 })
  })
})

describe('loadAuditRegistry', () => {
  it('is just the built-ins without an audits folder', async () => {
    const registry = await loadAuditRegistry(writeProject({ 'config.yaml': '' }))
    expect(registry.get('not_null')).toBeDefined()
    expect(registry.names().every((n) => !n.startsWith('does_'))).toBe(true)
  })

  it('rejects a user audit named like a built-in', async () => {
    const dir = writeProject({ 'audits/a.sql': '\nAUDIT (name not_null); SELECT * FROM @this_model' })
    const e = await engineErrorOf(() => loadAuditRegistry(dir))
    expect({ code: e.code, location: e.location }).toEqual({ code: 'AUDIT_INVALID', location: { file: 'audits/a.sql', line: 2 } })
    expect(e.message).toMatch(/'not_null' is already defined \(a built-in audit\)/)
  })

  it('rejects the same name in two files, naming the first', async () => {
    const dir = writeProject({
      'audits/a.sql': 'AUDIT (name mine); SELECT * FROM @this_model',
      'audits/b.sql': '\n\nAUDIT (name mine); SELECT * FROM @this_model',
    })
    const e = await engineErrorOf(() => loadAuditRegistry(dir))
    expect({ code: e.code, location: e.location }).toEqual({ code: 'AUDIT_INVALID', location: { file: 'audits/b.sql', line: 3 } })
    expect(e.message).toMatch(/also defined in audits\/a\.sql:1/)
  })

  it('uses the project dialect for audits without one', async () => {
    const dir = writeProject({ 'audits/a.sql': 'AUDIT (name mine); SELECT * FROM @this_model' })
    expect((await loadAuditRegistry(dir, { dialect: 'duckdb' })).get('mine')?.dialect).toBe('duckdb')
  })
})

describe('docs/audits.md examples', () => {
  it('parse and validate', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'audits.md'), 'utf8')
    const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!)
    const audits = parseAuditFile(blocks.find((b) => b.startsWith('AUDIT'))!, 'audits/doc.sql')
    expect(audits.map((a) => a.name)).toEqual(['does_not_exceed', 'no_test_customers'])
    const model = blocks.find((b) => b.startsWith('MODEL'))!
    const list = /audits \(([\s\S]*)\),\n\);/.exec(model)![1]!
    const registry = createAuditRegistry([...BUILTIN_AUDITS.values(), ...audits])
    expect(() => validateAuditCalls(callsOf(list), registry, { file: 'models/orders.sql', line: 1 })).not.toThrow()
    expect(callsOf(list)).toHaveLength(4)
  })
})
