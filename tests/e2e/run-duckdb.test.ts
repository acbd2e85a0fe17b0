import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { smallProject } from '../helpers/fixtures.js'
import { writeProject } from '../helpers/project.js'

async function rows(dir: string, sql: string, env = 'prod'): Promise<Record<string, unknown>[]> {
  const r = await runCli(['-p', dir, 'query', sql, '--env', env, '--json'])
  expect(r.stderr).toBe('')
  return json<Record<string, unknown>[]>(r)
}

describe('models run on DuckDB', () => {
  it('builds every kind, then has nothing left to do', async () => {
    const dir = writeProject(smallProject())
    const plan = json<{ summary: { modelsToBuild: number }; changes: { added: string[] } }>(
      await runCli(['-p', dir, 'plan', '--json']),
    )
    expect(plan.changes.added.sort()).toEqual(['shop.big_days', 'shop.events_daily', 'shop.raw_events', 'shop.user_last', 'shop.users'])
    expect(plan.summary.modelsToBuild).toBe(5)

    const run = await runCli(['-p', dir, 'run'])
    expect(run.code, run.stderr + run.stdout).toBe(0)
    expect(run.stdout).toMatch(/Run succeeded in 'prod': 5 built, 0 failed, 0 skipped/)

    expect(await rows(dir, 'SELECT day, kind, n, amount FROM shop.events_daily ORDER BY day, kind')).toEqual([
      { day: '2024-01-01', kind: 'click', n: 2, amount: 3 },
      { day: '2024-01-02', kind: 'buy', n: 1, amount: 10 },
      { day: '2024-01-03', kind: 'buy', n: 1, amount: 5 },
      { day: '2024-01-03', kind: 'click', n: 1, amount: 1 },
      { day: '2024-01-04', kind: 'click', n: 1, amount: 1 },
    ])
    expect(await rows(dir, 'SELECT user_id, events FROM shop.users ORDER BY user_id')).toEqual([
      { user_id: 1, events: 3 },
      { user_id: 2, events: 2 },
      { user_id: 3, events: 1 },
    ])
    expect(await rows(dir, 'SELECT day FROM shop.big_days ORDER BY day')).toEqual([
      { day: '2024-01-01' },
      { day: '2024-01-02' },
      { day: '2024-01-03' },
    ])
    expect(await rows(dir, 'SELECT user_id, last_seen FROM shop.user_last ORDER BY user_id')).toEqual([
      { user_id: 1, last_seen: '2024-01-04 08:00:00' },
      { user_id: 2, last_seen: '2024-01-03 13:00:00' },
      { user_id: 3, last_seen: '2024-01-03 12:00:00' },
    ])

    const again = json<{ summary: { modelsToBuild: number } }>(await runCli(['-p', dir, 'plan', '--json']))
    // FULL models re-run once per cron interval; nothing else is left.
    expect(again.summary.modelsToBuild).toBe(0)
    const rerun = await runCli(['-p', dir, 'run'])
    expect(rerun.stdout).toMatch(/0 built/)
    expect(await rows(dir, 'SELECT count(*) AS c FROM shop.events_daily')).toEqual([{ c: 5 }])
  })

  it('categorizes a non-breaking change and keeps downstream data', async () => {
    const dir = writeProject(smallProject())
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const file = join(dir, 'models/events_daily.sql')
    writeFileSync(file, readFileSync(file, 'utf8').replace('sum(amount) AS amount', 'sum(amount) AS amount, max(user_id) AS max_user'))
    const plan = json<{
      changes: { directlyModified: Array<{ name: string; category: string }>; indirectlyModified: Array<{ name: string; category: string }> }
      models: Array<{ name: string; action: { kind: string } }>
    }>(await runCli(['-p', dir, 'plan', '--json']))
    expect(plan.changes.directlyModified).toEqual([{ name: 'shop.events_daily', category: 'non-breaking' }])
    expect(plan.changes.indirectlyModified).toEqual([{ name: 'shop.big_days', category: 'breaking' }])
    const byName = Object.fromEntries(plan.models.map((m) => [m.name, m.action.kind]))
    expect(byName['shop.events_daily']).toBe('backfill')
    expect(byName['shop.users']).toBe('none')

    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    expect(await rows(dir, "SELECT max_user FROM shop.events_daily WHERE day = DATE '2024-01-03' AND kind = 'buy'")).toEqual([
      { max_user: 2 },
    ])
  })

  it('treats a comment-only edit as no change', async () => {
    const dir = writeProject(smallProject())
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const file = join(dir, 'models/users.sql')
    writeFileSync(file, readFileSync(file, 'utf8').replace('SELECT user_id,', '-- who\nSELECT\n   user_id  ,'))
    const plan = json<{ changes: Record<string, unknown[]> }>(await runCli(['-p', dir, 'plan', '--json']))
    expect(plan.changes['directlyModified']).toEqual([])
    expect(plan.changes['indirectlyModified']).toEqual([])
  })

  it('skips downstream of a failing model, runs the rest, exits 3 and shows the SQL', async () => {
    const files = smallProject()
    files['models/users.sql'] = `MODEL (name shop.users, kind FULL);
SELECT user_id, CAST(kind AS BIGINT) AS broken FROM shop.raw_events`
    files['models/user_report.sql'] = `MODEL (name shop.user_report, kind FULL);
SELECT count(*) AS c FROM shop.users`
    const dir = writeProject(files)
    const run = await runCli(['-p', dir, 'run'])
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(/FAILED shop\.users: .*Conversion Error/i)
    expect(run.stdout).toMatch(/\| SELECT/) // the SQL that failed
    expect(run.stdout).toMatch(/SKIPPED shop\.user_report: upstream shop\.users failed/)
    expect(await rows(dir, 'SELECT count(*) AS c FROM shop.events_daily')).toEqual([{ c: 5 }])
    const q = await runCli(['-p', dir, 'query', 'SELECT * FROM shop.users', '--json'])
    expect(q.code).toBe(1) // never published
  })

  it('isolates a dev environment from prod', async () => {
    const dir = writeProject(smallProject())
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const file = join(dir, 'models/users.sql')
    writeFileSync(file, readFileSync(file, 'utf8').replace('count(*) AS events', 'count(*) * 100 AS events'))
    const dev = await runCli(['-p', dir, 'run', 'dev'])
    expect(dev.code, dev.stdout + dev.stderr).toBe(0)
    expect(await rows(dir, 'SELECT max(events) AS m FROM shop.users', 'dev')).toEqual([{ m: 300 }])
    expect(await rows(dir, 'SELECT max(events) AS m FROM shop.users')).toEqual([{ m: 3 }])
    const prodPlan = json<{ changes: { directlyModified: unknown[] } }>(await runCli(['-p', dir, 'plan', 'prod', '--json']))
    expect(prodPlan.changes.directlyModified).toEqual([{ name: 'shop.users', category: 'breaking' }])
  })

  it('invalidates a dev environment: its views and record go, prod and the physical tables stay', async () => {
    const dir = writeProject(smallProject())
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const file = join(dir, 'models/users.sql')
    writeFileSync(file, readFileSync(file, 'utf8').replace('count(*) AS events', 'count(*) * 100 AS events'))
    expect((await runCli(['-p', dir, 'run', 'dev'])).code).toBe(0)
    const out = await runCli(['-p', dir, 'invalidate', 'dev', '--json'])
    expect(out.code, out.stderr).toBe(0)
    expect(json<{ env: string; models: string[] }>(out).models).toContain('shop.users')
    const q = await runCli(['-p', dir, 'query', 'SELECT * FROM shop.users', '--env', 'dev', '--json'])
    expect(q.code).toBe(1)
    expect(q.stderr).toMatch(/unknown environment 'dev'/)
    expect(await rows(dir, 'SELECT max(events) AS m FROM shop.users')).toEqual([{ m: 3 }])
    const prod = await runCli(['-p', dir, 'invalidate', 'prod'])
    expect(prod.code).toBe(1)
    expect(prod.stderr).toMatch(/prod cannot be invalidated/)
    const again = await runCli(['-p', dir, 'invalidate', 'dev'])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/unknown environment 'dev'/)
  })
})
