import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { smallProject } from '../helpers/fixtures.js'
import { DUCKDB_CONFIG, writeProject } from '../helpers/project.js'

describe('the other commands', () => {
  it('init scaffolds a project that plans and runs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trib-init-')), 'proj')
    const init = await runCli(['init', dir])
    expect(init.code).toBe(0)
    expect(init.stdout).toMatch(/models\/orders_daily\.sql/)
    const run = await runCli(['-p', dir, 'run'])
    expect(run.code, run.stderr).toBe(0)
    const rows = json<Array<{ order_day: string; orders: number }>>(
      await runCli(['-p', dir, 'query', 'SELECT order_day, orders FROM shop.orders_daily ORDER BY 1', '--json']),
    )
    expect(rows).toEqual([
      { order_day: '2024-01-01', orders: 2 },
      { order_day: '2024-01-02', orders: 1 },
      { order_day: '2024-01-03', orders: 2 },
    ])
    expect((await runCli(['init', dir])).stderr).toMatch(/is not empty/)
  })

  it('info counts models by kind and tag', async () => {
    const files = smallProject()
    files['models/users.sql'] = files['models/users.sql']!.replace('kind FULL', "kind FULL, tags ('entity_category=project')")
    const dir = writeProject(files)
    const info = json<{ models: number; byKind: Record<string, number>; tags: Record<string, number>; edges: number }>(
      await runCli(['-p', dir, 'info', '--json']),
    )
    expect(info.models).toBe(5)
    expect(info.byKind).toEqual({ SEED: 1, INCREMENTAL_BY_TIME_RANGE: 1, FULL: 1, VIEW: 1, INCREMENTAL_BY_UNIQUE_KEY: 1 })
    expect(info.tags).toEqual({ 'entity_category=project': 1 })
    expect(info.edges).toBe(4)
  })

  it('dag prints text, json and dot, and selects', async () => {
    const dir = writeProject(smallProject())
    const text = await runCli(['-p', dir, 'dag'])
    expect(text.stdout).toMatch(/^shop\.raw_events \[SEED\]$/m)
    expect(text.stdout).toMatch(/^shop\.big_days \[VIEW\] <- shop\.events_daily$/m)
    const nodes = json<Array<{ name: string; parents: string[] }>>(await runCli(['-p', dir, 'dag', '--format', 'json', '--select', '+shop.big_days']))
    expect(nodes.map((n) => n.name)).toEqual(['shop.raw_events', 'shop.events_daily', 'shop.big_days'])
    const dot = await runCli(['-p', dir, 'dag', '--format', 'dot'])
    expect(dot.stdout).toMatch(/"shop\.events_daily" -> "shop\.big_days";/)
    const bad = await runCli(['-p', dir, 'dag', '--format', 'svg'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--format must be text, json or dot/)
    const none = await runCli(['-p', dir, 'dag', '--select', 'shop.big_dayz'])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/matches no models; did you mean shop\.big_days/)
  })

  it('render shows the SQL for an interval in either dialect, with the output filter', async () => {
    const dir = writeProject(smallProject())
    const trino = await runCli(['-p', dir, 'render', 'shop.events_daily', '--start', '2024-01-02', '--end', '2024-01-02'])
    expect(trino.code, trino.stderr).toBe(0)
    expect(trino.stdout).toContain("BETWEEN TIMESTAMP '2024-01-02 00:00:00.000000' AND TIMESTAMP '2024-01-02 23:59:59.999999'")
    expect(trino.stdout).toMatch(/"day" >= TIMESTAMP '2024-01-02 00:00:00(\.000)?' AND "day" < TIMESTAMP '2024-01-03 00:00:00(\.000)?'/)
    const duck = await runCli(['-p', dir, 'render', 'shop.events_daily', '--dialect', 'duckdb', '--start', '2024-01-02'])
    expect(duck.code).toBe(0)
    expect(duck.stdout).toMatch(/DATE_TRUNC\('DAY', event_time\)/i)
    expect((await runCli(['-p', dir, 'render', 'shop.nope'])).stderr).toMatch(/unknown model 'shop\.nope'/)
    expect((await runCli(['-p', dir, 'render', 'shop.raw_events'])).stderr).toMatch(/SEED and has no query/)
  })

  it('reads external tables declared in external_models.yaml or under external_catalogs', async () => {
    const dir = writeProject({
      'config.yaml': DUCKDB_CONFIG + 'external_catalogs: [lake]\n',
      'external_models.yaml': '- name: raw.events\n  columns: { id: BIGINT }\n',
      'models/a.sql': 'MODEL (name s.a, kind VIEW);\nSELECT e.id FROM raw.events e JOIN lake.db.t ON true',
    })
    const dag = json<Array<{ name: string; parents: string[] }>>(await runCli(['-p', dir, 'dag', '--format', 'json']))
    expect(dag.find((n) => n.name === 's.a')!.parents).toEqual(['lake.db.t', 'raw.events'])
    const plan = await runCli(['-p', dir, 'plan', '--json'])
    expect(plan.code, plan.stderr).toBe(0)
  })

  it('has --help on every command', async () => {
    for (const cmd of ['init', 'info', 'dag', 'render', 'plan', 'run', 'query', 'test', 'create-test', 'audit', 'restate']) {
      const r = await runCli([cmd, '--help'])
      expect(r.code, cmd).toBe(0)
      expect(r.stdout, cmd).toMatch(new RegExp(`Usage: models ${cmd}`))
    }
    const top = await runCli(['--help'])
    expect(top.stdout).toMatch(/-p, --project <dir>/)
  })
})
