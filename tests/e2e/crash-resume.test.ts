import { describe, expect, it } from 'vitest'
import { json, runCli, spawnCli } from '../helpers/cli.js'
import { DUCKDB_CONFIG, writeProject } from '../helpers/project.js'

/** 300 days of events, one batch per day: long enough to kill the run in the middle. */
function backfillProject(): Record<string, string> {
  const lines = ['id,day_offset,amount']
  for (let i = 0; i < 900; i++) lines.push(`${i},${i % 300},${(i * 7) % 13}`)
  return {
    'config.yaml': DUCKDB_CONFIG,
    'seeds/raw.csv': lines.join('\n') + '\n',
    'models/raw.sql': `MODEL (name app.raw, kind SEED (path '../seeds/raw.csv'), columns (id BIGINT, day_offset INTEGER, amount BIGINT));`,
    'models/events.sql': `MODEL (name app.events, kind VIEW);
SELECT id, amount, CAST(TIMESTAMP '2024-01-01 00:00:00' + day_offset * INTERVAL '1' DAY AS TIMESTAMP) AS ts FROM app.raw`,
    'models/daily.sql': `MODEL (
  name app.daily,
  kind INCREMENTAL_BY_TIME_RANGE (time_column day, batch_size 1),
  end '2024-10-26'
);
SELECT CAST(ts AS DATE) AS day, count(*) AS n, sum(amount) AS total
FROM app.events WHERE ts BETWEEN @start_dt AND @end_dt GROUP BY 1`,
    'models/summary.sql': `MODEL (name app.summary, kind FULL);
SELECT count(*) AS days, sum(n) AS n, sum(total) AS total FROM app.daily`,
  }
}

const SNAPSHOT_SQL = 'SELECT day, n, total FROM app.daily ORDER BY day'

describe('crash in the middle of a backfill', () => {
  it('converges to the same tables as an uninterrupted run, with no duplicates', async () => {
    const clean = writeProject(backfillProject())
    const cleanRun = await runCli(['-p', clean, 'run'])
    expect(cleanRun.code, cleanRun.stderr).toBe(0)
    const expected = json(await runCli(['-p', clean, 'query', SNAPSHOT_SQL, '--json']))
    expect((expected as unknown[]).length).toBe(300)

    const dir = writeProject(backfillProject())
    let killedAt = ''
    const first = await spawnCli(['-p', dir, 'run'], {
      onStderr: (all, kill) => {
        const m = all.match(/app\.daily: batch (\d+)\/300/g)
        if (!killedAt && m && m.length >= 40) {
          killedAt = m[m.length - 1]!
          kill()
        }
      },
    })
    expect(first.signal).toBe('SIGKILL')
    expect(killedAt).not.toBe('')

    // The plan after the crash only has the batches that were not committed.
    const plan = json<{ models: Array<{ name: string; action: { kind: string; batchCount?: number } }> }>(
      await runCli(['-p', dir, 'plan', '--json']),
    )
    const daily = plan.models.find((m) => m.name === 'app.daily')!
    expect(daily.action.kind).toBe('backfill')
    expect(daily.action.batchCount!).toBeLessThan(300 - 39)

    const resumed = await spawnCli(['-p', dir, 'run'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(json(await runCli(['-p', dir, 'query', SNAPSHOT_SQL, '--json']))).toEqual(expected)
    expect(json(await runCli(['-p', dir, 'query', 'SELECT * FROM app.summary', '--json']))).toEqual(
      json(await runCli(['-p', clean, 'query', 'SELECT * FROM app.summary', '--json'])),
    )
  }, 120_000)
})
