import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { copyExampleWarehouse } from '../helpers/project.js'

/** Every table of the environment, as sorted row sets. */
async function allTables(dir: string, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const n of names) {
    const rows = json<unknown[]>(await runCli(['-p', dir, 'query', `SELECT * FROM ${n}`, '--json']))
    out[n] = JSON.stringify(rows.map((r) => JSON.stringify(r)).sort())
  }
  return out
}

describe('the bundled example warehouse', () => {
  it('builds, and restates one category leaving every other table identical', async () => {
    const dir = copyExampleWarehouse()
    const run = await runCli(['-p', dir, 'run'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/24 built, 0 failed/)
    const top = json<Array<{ project_name: string; commit_count: number }>>(
      await runCli(['-p', dir, 'query', 'SELECT project_name, commit_count FROM oso.code_metrics_by_project_v1 ORDER BY commit_count DESC LIMIT 2', '--json']),
    )
    expect(top).toEqual([
      { project_name: 'riverbed-db', commit_count: 139 },
      { project_name: 'sparrow-ml', commit_count: 66 },
    ])

    const names = json<Array<{ name: string }>>(await runCli(['-p', dir, 'dag', '--format', 'json'])).map((n) => n.name)
    const before = await allTables(dir, names)
    const r = await runCli(['-p', dir, 'restate', '--category', 'artifact', '--yes', '--skip-tests', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = json<{ result: { models: Array<{ name: string; status: string }> } }>(r)
    expect(out.result.models.filter((m) => m.status === 'succeeded').map((m) => m.name).sort()).toEqual([
      'oso.artifacts_v1',
      'oso.code_metrics_by_artifact_v1',
    ])
    // No source changed, so even the restated tables have the same rows; nothing else was touched.
    expect(await allTables(dir, names)).toEqual(before)
  }, 180_000)
})
