import { describe, expect, it } from 'vitest'
import { json, runCli, spawnCli } from '../helpers/cli.js'
import { DUCKDB_CONFIG, writeProject } from '../helpers/project.js'
import { onWarehouse } from '../helpers/warehouse.js'


/** 200 days of source rows, one batch per day, so a restatement can be killed half-way. */
async function builtProject(): Promise<string> {
  const dir = writeProject({
    'config.yaml': DUCKDB_CONFIG,
    'external_models.yaml': '- name: raw.events\n  columns: { id: BIGINT, amount: INTEGER, day: DATE }\n',
    'models/daily.sql': `MODEL (name app.daily, kind INCREMENTAL_BY_TIME_RANGE (time_column day, batch_size 1), end '2024-07-18', tags ('entity_category=project'));
SELECT day, count(*) AS n, sum(amount) AS total FROM raw.events WHERE day BETWEEN @start_ds AND @end_ds GROUP BY 1`,
    'models/totals.sql': 'MODEL (name app.totals, kind FULL);\nSELECT count(*) AS days, sum(total) AS total FROM app.daily',
  })
  await onWarehouse(
    dir,
    'CREATE SCHEMA raw',
    "CREATE TABLE raw.events AS SELECT i AS id, 1 AS amount, DATE '2024-01-01' + CAST(i % 200 AS INTEGER) AS day FROM range(1000) t(i)",
  )
  const r = await runCli(['-p', dir, 'run'])
  expect(r.code, r.stderr).toBe(0)
  await onWarehouse(dir, 'UPDATE raw.events SET amount = 3')
  return dir
}

const DAILY = 'SELECT day, n, total FROM app.daily ORDER BY day'

describe('restatement killed half-way', () => {
  it('shows pending restatement, and re-running the same command converges to an uninterrupted one', async () => {
    const clean = await builtProject()
    const cleanRun = await runCli(['-p', clean, 'restate', '--category', 'project', '--yes', '--skip-tests'])
    expect(cleanRun.code, cleanRun.stdout + cleanRun.stderr).toBe(0)
    const expected = json<Array<{ total: number }>>(await runCli(['-p', clean, 'query', DAILY, '--json']))
    expect(expected).toHaveLength(200)
    expect(expected.every((r) => r.total === 15)).toBe(true)

    const dir = await builtProject()
    const args = ['-p', dir, 'restate', '--category', 'project', '--yes', '--skip-tests']
    let killed = false
    const first = await spawnCli(args, {
      onStderr: (all, kill) => {
        if (!killed && (all.match(/app\.daily: batch \d+\/200/g)?.length ?? 0) >= 30) {
          killed = true
          kill()
        }
      },
    })
    expect(first.signal).toBe('SIGKILL')

    const plan = await runCli(['-p', dir, 'plan'])
    expect(plan.stdout).toMatch(/Pending restatement [0-9a-f-]+ \(by .*\) did not finish/)
    expect(plan.stdout).toMatch(/app\.daily: \d+ batches .* \(pending restatement\)/)

    const again = await spawnCli(args)
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(again.stdout).toMatch(/resuming interrupted restatement/)
    // Only the batches that were not done are redone.
    const redone = again.stderr.match(/app\.daily: batch \d+\/(\d+)/)
    expect(Number(redone![1])).toBeLessThan(200 - 25)
    expect(json(await runCli(['-p', dir, 'query', DAILY, '--json']))).toEqual(expected)
    expect(json(await runCli(['-p', dir, 'query', 'SELECT * FROM app.totals', '--json']))).toEqual([{ days: 200, total: 3000 }])
    const list = await runCli(['-p', dir, 'restate', '--list', '--json'])
    expect(json<Array<{ status: string }>>(list).map((r) => r.status)).toEqual(['succeeded'])
  }, 180_000)
})
