import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { DUCKDB_CONFIG, writeProject } from '../helpers/project.js'
import { onWarehouse } from '../helpers/warehouse.js'

/** Write rows into the warehouse's external table directly, as an upstream loader would. */
const loadRaw = (dir: string, values: string): Promise<void> =>
  onWarehouse(
    dir,
    'CREATE SCHEMA IF NOT EXISTS raw',
    'CREATE TABLE IF NOT EXISTS raw.events (id INTEGER, kind VARCHAR, day DATE)',
    `INSERT INTO raw.events VALUES ${values}`,
  )

function project(): Record<string, string> {
  return {
    'config.yaml': DUCKDB_CONFIG,
    'external_models.yaml': '- name: raw.events\n  columns: { id: INTEGER, kind: VARCHAR, day: DATE }\n',
    'models/daily.sql': `MODEL (
  name shop.daily,
  kind INCREMENTAL_BY_TIME_RANGE (time_column day),
  end '2024-01-03',
  audits (
    not_null(columns := (kind)),
    accepted_range_non_blocking(column := n, max_v := 1),
  )
);
SELECT day, kind, count(*) AS n FROM raw.events WHERE day BETWEEN @start_ds AND @end_ds GROUP BY 1, 2`,
    'models/report.sql': `MODEL (name shop.report, kind VIEW, audits (number_of_rows(threshold := 0)));
SELECT count(*) AS kinds_days FROM shop.daily`,
  }
}

describe('audits during a run (write-audit-publish)', () => {
  it('a blocking failure keeps the published rows, skips downstream; non-blocking ones warn', async () => {
    const dir = writeProject(project())
    await loadRaw(dir, "(1, 'a', DATE '2024-01-01'), (2, 'a', DATE '2024-01-01'), (3, 'b', DATE '2024-01-02')")

    const first = await runCli(['-p', dir, 'run', '--end', '2024-01-02'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.stdout).toMatch(/WARN shop\.daily: non-blocking audit accepted_range_non_blocking found 1 bad row/)

    await loadRaw(dir, "(4, NULL, DATE '2024-01-03'), (5, 'c', DATE '2024-01-03')")
    const second = await runCli(['-p', dir, 'run'])
    expect(second.code).toBe(3)
    expect(second.stdout).toMatch(/FAILED shop\.daily: blocking audit failed: not_null \(1 bad row/)
    expect(second.stdout).toMatch(/the batch was not published/)
    expect(second.stdout).toMatch(/SKIPPED shop\.report: upstream shop\.daily failed/)
    // The bad batch never became visible; the earlier batches are intact.
    const rows = json<Array<{ day: string }>>(await runCli(['-p', dir, 'query', 'SELECT DISTINCT day FROM shop.daily ORDER BY day', '--json']))
    expect(rows).toEqual([{ day: '2024-01-01' }, { day: '2024-01-02' }])
    // The failed interval is still missing: the next run retries it.
    const plan = json<{ models: Array<{ name: string; action: { kind: string; intervals?: Array<{ start: string }> } }> }>(
      await runCli(['-p', dir, 'plan', '--json']),
    )
    const daily = plan.models.find((m) => m.name === 'shop.daily')!
    expect(daily.action.intervals).toEqual([{ start: '2024-01-03T00:00:00.000Z', end: '2024-01-04T00:00:00.000Z' }])

    // models audit re-checks the published tables and records the outcome.
    const audit = await runCli(['-p', dir, 'audit', '--json'])
    expect(audit.code).toBe(0)
    const reports = json<Array<{ model: string; results: Array<{ audit: string; status: string; count: number }> }>>(audit)
    expect(reports.map((r) => [r.model, r.results.map((a) => `${a.audit}:${a.status}:${a.count}`)])).toEqual([
      ['shop.daily', ['not_null:passed:0', 'accepted_range_non_blocking:failed:1']],
      ['shop.report', ['number_of_rows:passed:0']],
    ])

    // Fixing the source makes the next run converge.
    await onWarehouse(dir, "UPDATE raw.events SET kind = 'd' WHERE id = 4")
    const third = await runCli(['-p', dir, 'run'])
    expect(third.code, third.stdout).toBe(0)
    expect(json(await runCli(['-p', dir, 'query', 'SELECT kinds_days FROM shop.report', '--json']))).toEqual([{ kinds_days: 4 }])
  })

  it('an unknown audit or a missing parameter is a load error naming the file', async () => {
    const files = project()
    files['models/report.sql'] = `MODEL (name shop.report, kind VIEW, audits (not_nul(columns := (x))));\nSELECT 1 AS x`
    const dir = writeProject(files)
    const r = await runCli(['-p', dir, 'plan'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/models\/report\.sql:1: .*not_nul.*not_null/)
    files['models/report.sql'] = `MODEL (name shop.report, kind VIEW, audits (accepted_values(column := x)));\nSELECT 1 AS x`
    const r2 = await runCli(['-p', writeProject(files), 'plan'])
    expect(r2.code).toBe(1)
    expect(r2.stderr).toMatch(/models\/report\.sql:1: .*is_in/)
  })
})
