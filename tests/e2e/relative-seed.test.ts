import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { DUCKDB_CONFIG, writeProject } from '../helpers/project.js'

describe('seed cells relative to the run time', () => {
  it('resolves now-1d / today-2d when loading, so incremental models see recent rows', async () => {
    const dir = writeProject({
      'config.yaml': DUCKDB_CONFIG,
      'seeds/events.csv': 'id,event_time\n1,now-1d\n2,today-2d\n3,2020-01-01 00:00:00\n',
      'models/events.sql': "MODEL (name app.events, kind SEED (path '../seeds/events.csv'), columns (id INTEGER, event_time TIMESTAMP));",
      'models/daily.sql': `MODEL (name app.daily, kind INCREMENTAL_BY_TIME_RANGE (time_column day), start '5 days ago');
SELECT CAST(event_time AS DATE) AS day, count(*) AS n FROM app.events WHERE event_time BETWEEN @start_dt AND @end_dt GROUP BY 1`,
    })
    const run = await runCli(['-p', dir, 'run'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const day = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)
    expect(json(await runCli(['-p', dir, 'query', 'SELECT day, n FROM app.daily ORDER BY day', '--json']))).toEqual([
      { day: day(2), n: 1 },
      { day: day(1), n: 1 },
    ])
    const plan = json<{ models: Array<{ name: string; action: { kind: string } }> }>(await runCli(['-p', dir, 'plan', '--json']))
    expect(plan.models.find((m) => m.name === 'app.events')!.action.kind).toBe('none')
  })
})
