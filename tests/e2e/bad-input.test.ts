import { createHash } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { writeProject } from '../helpers/project.js'
import { smallProject } from '../helpers/fixtures.js'

const hashFile = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex')

/** Each case breaks a built project; `run` must fail with one clear line and change nothing. */
const CASES: Array<{ name: string; files: Record<string, string>; remove?: string[]; expect: RegExp }> = [
  {
    name: 'malformed header',
    files: { 'models/users.sql': 'MODEL (\n  name shop.users,\n  kind FULL\n\nSELECT 1 AS x' },
    expect: /models\/users\.sql:\d+: .*/,
  },
  {
    name: 'unknown kind',
    files: { 'models/users.sql': 'MODEL (\n  name shop.users,\n  kind SOMETIMES\n);\nSELECT 1 AS x' },
    expect: /models\/users\.sql:3: .*SOMETIMES/i,
  },
  {
    name: 'unknown property',
    files: { 'models/users.sql': 'MODEL (\n  name shop.users,\n  kind FULL,\n  colour blue\n);\nSELECT 1 AS x' },
    expect: /models\/users\.sql:4: .*colour/,
  },
  {
    name: 'model without a name',
    files: { 'models/users.sql': 'MODEL (\n  kind FULL\n);\nSELECT 1 AS x' },
    expect: /models\/users\.sql:1: .*name/,
  },
  {
    name: 'two models with one name',
    files: { 'models/users2.sql': 'MODEL (name shop.users, kind FULL);\nSELECT 1 AS x' },
    expect: /models\/users2?\.sql:1: .*shop\.users.*models\/users2?\.sql/,
  },
  {
    name: 'SQL that does not parse',
    files: { 'models/users.sql': 'MODEL (name shop.users, kind FULL);\n\nSELECT user_id,\n  FROM FROM shop.raw_events' },
    expect: /models\/users\.sql:\d+: /,
  },
  {
    name: 'a cycle',
    files: {
      'models/a.sql': 'MODEL (name shop.a, kind FULL);\nSELECT * FROM shop.b',
      'models/b.sql': 'MODEL (name shop.b, kind FULL);\nSELECT * FROM shop.a',
    },
    expect: /cycle: shop\.(a|b) -> shop\.(a|b) -> shop\.(a|b).*models\/a\.sql/,
  },
  {
    name: 'an unknown table',
    files: { 'models/users.sql': 'MODEL (name shop.users, kind FULL);\nSELECT * FROM shop.nope' },
    expect: /models\/users\.sql:2: .*shop\.nope/,
  },
  {
    name: 'a missing seed file',
    files: {},
    remove: ['seeds/events.csv'],
    expect: /models\/raw_events\.sql:1: .*seed.*events\.csv/i,
  },
  {
    name: 'a CSV row with the wrong number of columns',
    files: { 'seeds/events.csv': 'id,user_id,kind,amount,event_time\n1,1,click,1,2024-01-01 10:00:00\n2,2,click\n' },
    expect: /seeds\/events\.csv:3: /,
  },
  {
    name: 'an invalid config.yaml',
    files: { 'config.yaml': 'gateways:\n  local:\n    connection:\n      type: duckdb\nmodel_defaults:\n  dialect: trino\n  colour: blue\n' },
    expect: /config\.yaml:7: .*colour/,
  },
]

describe('bad input: one clear error, exit 1, nothing changed', () => {
  let base: Record<string, string>
  beforeAll(() => {
    base = smallProject()
  })

  for (const c of CASES) {
    it(c.name, async () => {
      const dir = writeProject(base)
      const ok = await runCli(['-p', dir, 'run'])
      expect(ok.code, ok.stdout + ok.stderr).toBe(0)
      const state = join(dir, '.tributary', 'state.duckdb')
      const warehouse = join(dir, '.tributary', 'warehouse.duckdb')
      const before = [hashFile(state), hashFile(warehouse)]
      writeProject(c.files, dir)
      for (const r of c.remove ?? []) rmSync(join(dir, r))
      const r = await runCli(['-p', dir, 'run'])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(c.expect)
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/)
      expect([hashFile(state), hashFile(warehouse)]).toEqual(before)
    })
  }

  it('an unknown environment in a command that needs one', async () => {
    const dir = writeProject(base)
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const r = await runCli(['-p', dir, 'query', 'SELECT 1 AS x', '--env', 'staging'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/unknown environment 'staging' \(known: prod\)/)
  })

  it('bad options name the option', async () => {
    const dir = writeProject(base)
    const r1 = await runCli(['-p', dir, 'plan', '--start', '2024-13-45'])
    expect(r1.code).toBe(1)
    expect(r1.stderr).toMatch(/--start '2024-13-45'/)
    const r2 = await runCli(['-p', dir, 'plan', '--start', '2024-02-01', '--end', '2024-01-01'])
    expect(r2.stderr).toMatch(/--start must be before --end/)
    const r3 = await runCli(['-p', dir, 'run', '--concurrency', '0'])
    expect(r3.stderr).toMatch(/--concurrency must be a positive integer/)
    const r4 = await runCli(['-p', dir, 'plan', 'Bad Env'])
    expect(r4.stderr).toMatch(/invalid environment name 'Bad Env'/)
  })

  it('a missing config.yaml', async () => {
    const dir = writeProject({ 'models/a.sql': 'MODEL (name a.b); SELECT 1 AS x' })
    const r = await runCli(['-p', dir, 'plan'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no config\.yaml/)
    writeFileSync(join(dir, 'config.yaml'), 'model_defaults: [1, 2]\n')
    const r2 = await runCli(['-p', dir, 'plan'])
    expect(r2.stderr).toMatch(/config\.yaml:1: model_defaults/)
  })
})
