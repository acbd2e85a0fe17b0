import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { DUCKDB_CONFIG, writeProject } from '../helpers/project.js'
import { onWarehouse } from '../helpers/warehouse.js'

const RAW = `CREATE SCHEMA IF NOT EXISTS raw; CREATE TABLE raw.events AS
  SELECT i AS id, 'p' || (i % 3) AS project, 'c' || (i % 2) AS collection, 10 AS amount,
         DATE '2024-01-01' + CAST(i % 4 AS INTEGER) AS day
  FROM range(40) t(i)`

function project(): Record<string, string> {
  return {
    'config.yaml': DUCKDB_CONFIG,
    'external_models.yaml': '- name: raw.events\n  columns: { id: BIGINT, project: VARCHAR, collection: VARCHAR, amount: INTEGER, day: DATE }\n',
    'models/stg.sql': 'MODEL (name app.stg, kind FULL);\nSELECT id, project, collection, amount, day FROM raw.events WHERE amount >= 0',
    'models/daily_project.sql': `MODEL (name app.daily_project, kind INCREMENTAL_BY_TIME_RANGE (time_column day), end '2024-01-04', tags ('entity_category=project'));
SELECT day, project, sum(amount) AS amount FROM app.stg WHERE day BETWEEN @start_ds AND @end_ds GROUP BY 1, 2`,
    'models/daily_collection.sql': `MODEL (name app.daily_collection, kind INCREMENTAL_BY_TIME_RANGE (time_column day), end '2024-01-04', tags ('entity_category=collection'));
SELECT day, collection, sum(amount) AS amount FROM app.stg WHERE day BETWEEN @start_ds AND @end_ds GROUP BY 1, 2`,
    'models/project_totals.sql': `MODEL (name app.project_totals, kind FULL, tags ('entity_category=project'));
SELECT project, sum(amount) AS amount FROM app.daily_project GROUP BY 1`,
    'models/other.sql': 'MODEL (name app.other, kind FULL);\nSELECT count(*) AS n FROM raw.events',
  }
}

async function built(): Promise<string> {
  const dir = writeProject(project())
  await onWarehouse(dir, RAW)
  const r = await runCli(['-p', dir, 'run'])
  expect(r.code, r.stdout + r.stderr).toBe(0)
  return dir
}

const q = async (dir: string, sql: string, env = 'prod'): Promise<unknown> => json(await runCli(['-p', dir, 'query', sql, '--env', env, '--json']))
const snapshotAll = async (dir: string, env = 'prod'): Promise<Record<string, unknown>> => ({
  stg: await q(dir, 'SELECT * FROM app.stg ORDER BY id', env),
  dp: await q(dir, 'SELECT * FROM app.daily_project ORDER BY day, project', env),
  dc: await q(dir, 'SELECT * FROM app.daily_collection ORDER BY day, collection', env),
  pt: await q(dir, 'SELECT * FROM app.project_totals ORDER BY project', env),
  other: await q(dir, 'SELECT * FROM app.other', env),
})
const fileHash = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex')

describe('models restate', () => {
  it('previews selected and downstream models with intervals and row counts, changing nothing', async () => {
    const dir = await built()
    const state = join(dir, '.tributary', 'state.duckdb')
    const before = fileHash(state)
    const r = await runCli(['-p', dir, 'restate', '--model', 'app.stg', '--start', '2024-01-02', '--end', '2024-01-02', '--dry-run', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const p = json<{ models: Array<{ name: string; why: string; rebuild: string; intervals: unknown[]; rows: number | null }> }>(r)
    expect(p.models.map((m) => [m.name, m.why, m.rebuild])).toEqual([
      ['app.stg', 'selected', 'full'],
      ['app.daily_collection', 'downstream of app.stg', 'intervals'],
      ['app.daily_project', 'downstream of app.stg', 'intervals'],
      ['app.project_totals', 'downstream of app.stg', 'full'],
    ])
    expect(p.models[2]!.intervals).toEqual([{ start: '2024-01-02T00:00:00.000Z', end: '2024-01-03T00:00:00.000Z' }])
    expect(p.models[2]!.rows).toBe(3) // three projects on that day
    expect(p.models[0]!.rows).toBe(40)
    expect(fileHash(state)).toBe(before)
    // Without --yes, a non-interactive session is refused.
    const refused = await runCli(['-p', dir, 'restate', '--category', 'project'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/refusing to restate without --yes/)
  })

  it('a range restatement after a source fix changes only that range, downstream included', async () => {
    const dir = await built()
    const before = await snapshotAll(dir)
    await onWarehouse(dir, "UPDATE raw.events SET amount = 100 WHERE day IN (DATE '2024-01-02', DATE '2024-01-03')")
    const r = await runCli(['-p', dir, 'restate', '--model', 'app.stg', '--start', '2024-01-02', '--end', '2024-01-02', '--yes', '--reason', 'late data'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const after = await snapshotAll(dir)
    type Row = { day: string; amount: number }
    const dp = after['dp'] as Row[]
    expect(dp.filter((x) => x.day === '2024-01-02').every((x) => x.amount >= 100)).toBe(true)
    // Outside the range nothing moved, even though the source changed there too.
    expect(dp.filter((x) => x.day !== '2024-01-02')).toEqual((before['dp'] as Row[]).filter((x) => x.day !== '2024-01-02'))
    expect((after['dc'] as Row[]).filter((x) => x.day === '2024-01-03')).toEqual((before['dc'] as Row[]).filter((x) => x.day === '2024-01-03'))
    expect(after['pt']).not.toEqual(before['pt']) // downstream FULL model was rebuilt
    expect(after['other']).toEqual(before['other']) // not downstream: untouched
    const list = await runCli(['-p', dir, 'restate', '--list'])
    expect(list.stdout).toMatch(/succeeded\s+--model app\.stg range 2024-01-02 \.\. 2024-01-03\s+models: 4\s+reason: late data/)
  })

  it('--category restates that category and its downstream models only', async () => {
    const dir = await built()
    const before = await snapshotAll(dir)
    await onWarehouse(dir, 'UPDATE raw.events SET amount = 1')
    // stg is not restated, so nothing changes in values; check which models were recomputed.
    const r = await runCli(['-p', dir, 'restate', '--category', 'collection', '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = json<{ result: { models: Array<{ name: string; status: string }> } }>(r)
    expect(out.result.models.filter((m) => m.status === 'succeeded').map((m) => m.name)).toEqual(['app.daily_collection'])
    expect(await snapshotAll(dir)).toEqual(before)
    const unknown = await runCli(['-p', dir, 'restate', '--category', 'artifact', '--yes'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/unknown category 'artifact': no model is tagged entity_category=artifact \(known: collection, project\)/)
  })

  it('in a dev environment it never touches prod', async () => {
    const dir = await built()
    const file = join(dir, 'models/daily_collection.sql')
    writeFileSync(file, readFileSync(file, 'utf8').replace('sum(amount) AS amount', 'sum(amount) AS amount, count(*) AS n'))
    expect((await runCli(['-p', dir, 'run', 'dev'])).code).toBe(0)
    const prodBefore = await snapshotAll(dir)
    const prodPlan = json<{ models: unknown }>(await runCli(['-p', dir, 'plan', 'prod', '--json']))
    await onWarehouse(dir, 'UPDATE raw.events SET amount = 7')
    const r = await runCli(['-p', dir, 'restate', '--env', 'dev', '--model', 'app.stg+', '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = json<{ preview: { models: Array<{ name: string; skipped: string | null }> } }>(r)
    const skipped = Object.fromEntries(out.preview.models.map((m) => [m.name, m.skipped]))
    expect(skipped['app.stg']).toMatch(/shares prod's table/)
    expect(skipped['app.daily_collection']).toBeNull()
    expect(await snapshotAll(dir)).toEqual(prodBefore)
    // prod's intervals were not touched either: its plan is the same as before.
    expect(json<{ models: unknown }>(await runCli(['-p', dir, 'plan', 'prod', '--json'])).models).toEqual(prodPlan.models)
  })

  it('refuses bad input and a locked environment, changing nothing', async () => {
    const dir = await built()
    const cases: Array<[string[], RegExp]> = [
      [['--model', '(app.stg'], /invalid selector/],
      [['--model', 'app.nope'], /matches no models/],
      [['--category', 'project', '--start', '2024-02-01', '--end', '2024-01-01'], /--start must be before --end/],
      [['--category', 'project', '--start', 'someday'], /--start 'someday'/],
      [['--category', 'project', '--env', 'staging'], /unknown environment 'staging'/],
      [[], /at least one --category or --model/],
    ]
    for (const [args, re] of cases) {
      const r = await runCli(['-p', dir, 'restate', ...args, '--yes'])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(re)
    }
    mkdirSync(join(dir, '.tributary', 'locks'), { recursive: true })
    writeFileSync(
      join(dir, '.tributary', 'locks', 'prod.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), user: 'ci', command: 'run', since: 0 }),
    )
    const locked = await runCli(['-p', dir, 'restate', '--category', 'project', '--yes'])
    expect(locked.code).toBe(10) // EXIT.LOCKED
    expect(locked.stderr).toMatch(/environment 'prod' is locked by `models run` \(pid \d+ on .*user ci/)
    const run = await runCli(['-p', dir, 'run'])
    expect(run.stderr).toMatch(/is locked by `models run`/)
  })

  it("runs the affected models' unit tests first and stops if they fail", async () => {
    const dir = await built()
    writeProject(
      {
        'tests/test_daily_project.yaml': `test_daily_project:
  model: app.daily_project
  inputs:
    app.stg:
      - {id: 1, project: p1, collection: c1, amount: 5, day: 2024-01-01}
  outputs:
    query:
      - {day: 2024-01-01, project: p1, amount: 6}
  vars: {start: 2024-01-01, end: 2024-01-01}
`,
      },
      dir,
    )
    const state = join(dir, '.tributary', 'state.duckdb')
    const before = fileHash(state)
    const r = await runCli(['-p', dir, 'restate', '--category', 'project', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/unit tests failed \(test_daily_project\); nothing was restated/)
    expect(fileHash(state)).toBe(before)
    const skipped = await runCli(['-p', dir, 'restate', '--category', 'project', '--yes', '--skip-tests'])
    expect(skipped.code, skipped.stderr).toBe(0)
  })
})
