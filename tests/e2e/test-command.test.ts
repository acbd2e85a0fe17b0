import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { smallProject } from '../helpers/fixtures.js'
import { copyExampleWarehouse, writeProject } from '../helpers/project.js'
import { parseXml } from '../unit/testing/xml-check.js'

const REPO = join(import.meta.dirname, '..', '..')

interface JsonRun {
  total: number
  passed: number
  failed: number
  errors: number
  tests: Array<{ name: string; status: string; checks: Array<{ output: string; missing: unknown[]; unexpected: unknown[] }> }>
}

const USERS_TEST = (orders: number): string => `
test_users:
  model: shop.users
  inputs:
    shop.raw_events:
      - {id: 1, user_id: 7, kind: click, amount: 1, event_time: '2024-01-01 10:00:00'}
      - {id: 2, user_id: 7, kind: buy, amount: 5, event_time: '2024-01-02 10:00:00'}
  outputs:
    query: [{user_id: 7, events: ${orders}}]
`

describe('models test', () => {
  it('passes the example warehouse tests and writes a JUnit report', async () => {
    const dir = copyExampleWarehouse()
    cpSync(join(REPO, 'tests', 'warehouse'), join(dir, 'tests', 'warehouse'), { recursive: true })
    const junit = join(dir, 'out', 'junit.xml')
    const r = await runCli(['-p', dir, 'test', '--junit', junit])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^PASS {2}test_stg_github__events_cleans_raw_events +tests\/warehouse\/test_staging\.yaml:3$/m)
    expect(r.stdout).toMatch(/^8 tests: 8 passed, 0 failed \(/m)
    const root = parseXml(readFileSync(junit, 'utf8'))
    expect([root.attrs['tests'], root.attrs['failures'], root.attrs['errors']]).toEqual(['8', '0', '0'])
    expect(root.children.length).toBe(6)
  })

  it('exits 4 with the diff when a test fails, and prints JSON with --json', async () => {
    const dir = writeProject({ ...smallProject(), 'tests/test_users.yaml': USERS_TEST(3) })
    const r = await runCli(['-p', dir, 'test'])
    expect(r.code).toBe(4)
    expect(r.stdout).toContain(
      [
        'FAIL test_users (tests/test_users.yaml:2) model shop.users',
        '  query: 1 expected row, 1 produced; 1 missing, 1 unexpected',
        '    - missing (expected, not produced):',
        '      {user_id: 7, events: 3}',
        '    + unexpected (produced, not expected):',
        '      {user_id: 7, events: 2}',
      ].join('\n'),
    )
    expect(r.stdout).toMatch(/1 test: 0 passed, 1 failed/)
    const out = json<JsonRun>(await runCli(['-p', dir, 'test', '--json']))
    expect([out.total, out.passed, out.failed, out.errors]).toEqual([1, 0, 1, 0])
    expect(out.tests[0]!.checks[0]!.missing).toEqual([{ user_id: 7, events: 3 }])
  })

  it('selects tests, and exits 0 when the selected ones pass', async () => {
    const dir = writeProject({
      ...smallProject(),
      'tests/test_users.yaml': USERS_TEST(2),
      'tests/test_big_days.yaml': 'test_big_days:\n  model: shop.big_days\n  inputs:\n    shop.events_daily: [{day: 2024-01-01, amount: 1}]\n  outputs:\n    query: [{day: 2024-01-01, amount: 2}]\n',
    })
    expect((await runCli(['-p', dir, 'test'])).code).toBe(4)
    const r = await runCli(['-p', dir, 'test', 'shop.users'])
    expect(r.code, r.stdout).toBe(0)
    expect(r.stdout).toMatch(/^1 test: 1 passed, 0 failed/m)
    expect((await runCli(['-p', dir, 'test', 'test_big*'])).code).toBe(4)
  })

  it('exits 1 naming the file and line for bad test files', async () => {
    const cases: Array<[string, RegExp]> = [
      ['test_x:\n  model: shop.users\n  outputs:\n    query: [{a: 1}\n', /error: tests\/test_bad\.yaml:\d+: invalid YAML/],
      ['test_x:\n  model: shop.userz\n  outputs: {query: []}\n', /error: tests\/test_bad\.yaml:1: test 'test_x': unknown model 'shop\.userz' \(did you mean shop\.users/],
      ['test_x:\n  model: shop.users\n  inputs:\n    shop.events_daily: []\n  outputs: {query: []}\n', /error: tests\/test_bad\.yaml:4: test 'test_x': input 'shop\.events_daily' is not read by model 'shop\.users'/],
    ]
    for (const [yaml, message] of cases) {
      const dir = writeProject({ ...smallProject(), 'tests/test_bad.yaml': yaml })
      const r = await runCli(['-p', dir, 'test'])
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toMatch(message)
    }
  })

  it('exits 1 when an expected column is not in the output', async () => {
    const dir = writeProject({ ...smallProject(), 'tests/test_users.yaml': USERS_TEST(2).replace('events: 2', 'evnts: 2') })
    const r = await runCli(['-p', dir, 'test'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("ERROR tests/test_users.yaml:9: test 'test_users' (model shop.users): query: expected column 'evnts' not in the model's output (columns: user_id, events)")
  })
})

describe('models create-test', () => {
  it('writes a test from sample rows of the environment, and the test passes', async () => {
    const dir = writeProject(smallProject())
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const r = await runCli(['-p', dir, 'create-test', 'shop.events_daily', '--limit', '3', '--start', '2024-01-01', '--end', '2024-01-04'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Wrote tests/test_events_daily.yaml: test test_events_daily for shop.events_daily')
    expect(r.stdout).toContain('inputs: shop.raw_events (3 rows)')
    expect(r.stdout).toContain('the new test passes')
    const text = readFileSync(join(dir, 'tests', 'test_events_daily.yaml'), 'utf8')
    expect(text).toMatch(/^test_events_daily:\n {2}model: shop\.events_daily\n {2}inputs:\n {4}shop\.raw_events:\n {6}rows:\n {8}- \{id: 1,/)
    expect(text).toMatch(/vars:\n {4}start: 2024-01-01\n {4}end: 2024-01-04\n/)
    const t = await runCli(['-p', dir, 'test'])
    expect(t.code, t.stdout).toBe(0)

    const custom = await runCli(['-p', dir, 'create-test', 'shop.users', '--input', "shop.raw_events=SELECT * FROM shop.raw_events WHERE user_id = 1", '--json'])
    expect(custom.code, custom.stderr).toBe(0)
    expect(json<{ file: string; inputs: unknown; outputRows: number; status: string }>(custom)).toMatchObject({
      file: 'tests/test_users.yaml',
      inputs: [{ name: 'shop.raw_events', rows: 3 }],
      outputRows: 1,
      status: 'passed',
    })
    const again = await runCli(['-p', dir, 'create-test', 'shop.users'])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already exists \(use --overwrite or --out\)/)
    const bad = await runCli(['-p', dir, 'create-test', 'shop.users', '--input', 'shop.events_daily=SELECT 1', '--overwrite'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--input shop\.events_daily: model 'shop\.users' does not read it/)
  })
})
