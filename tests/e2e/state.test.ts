import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { smallProject } from '../helpers/fixtures.js'
import { writeProject } from '../helpers/project.js'

interface Show {
  backend: string
  location: string
  schemaVersion: number
  latestVersion: number
  counts: Record<string, number>
  environments: Array<{ name: string; models: number }>
  locks: Array<{ name: string; command: string; pid: number }>
}

describe('models state (embedded store)', () => {
  it('shows, exports and imports the embedded store', async () => {
    const dir = writeProject(smallProject())
    expect((await runCli(['-p', dir, 'run'])).code).toBe(0)
    const show = json<Show>(await runCli(['-p', dir, 'state', 'show', '--json']))
    expect(show).toMatchObject({ backend: 'embedded', schemaVersion: 2, latestVersion: 2, locks: [] })
    expect(show.location).toBe(join(dir, '.tributary', 'state.duckdb'))
    expect(show.counts).toMatchObject({ snapshots: 5, environments: 1, runs: 1 })
    expect(show.environments).toEqual([expect.objectContaining({ name: 'prod', models: 5 })])
    const text = await runCli(['-p', dir, 'state', 'show'])
    expect(text.stdout).toMatch(/State store: embedded .*state\.duckdb\nSchema version: 2 \(this tool: 2\)\nRecords: snapshots 5, /)
    expect((await runCli(['-p', dir, 'state', 'migrate'])).stdout).toMatch(/is at version 2: up to date/)

    const toStdout = await runCli(['-p', dir, 'state', 'export', '-'])
    const dump = json<{ format: string; snapshots: unknown[]; environments: unknown[] }>(toStdout)
    expect(dump.format).toBe('tributary-state')
    expect(dump.snapshots).toHaveLength(5)

    // Into another copy of the project that has never run: its plan is then identical.
    const file = join(dir, 'state.json')
    expect((await runCli(['-p', dir, 'state', 'export', file])).stdout).toMatch(/Exported state to .*state\.json: 5 snapshots, \d+ intervals, 1 environments, 1 runs/)
    const other = writeProject(smallProject())
    expect((await runCli(['-p', other, 'state', 'import', file])).code).toBe(0)
    const a = json<{ models: unknown }>(await runCli(['-p', dir, 'plan', 'prod', '--json']))
    const b = json<{ models: unknown }>(await runCli(['-p', other, 'plan', 'prod', '--json']))
    expect(b.models).toEqual(a.models)
    // Not valid: the message names the file and the field; the store is unchanged.
    const broken = JSON.parse(readFileSync(file, 'utf8')) as { environments: Array<{ revision: unknown }> }
    broken.environments[0]!.revision = 'one'
    writeFileSync(file, JSON.stringify(broken))
    const bad = await runCli(['-p', other, 'state', 'import', file, '--replace'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/state\.json: not a valid state export: environments\.0\.revision: /)
    expect(json<Show>(await runCli(['-p', other, 'state', 'show', '--json'])).counts).toEqual(show.counts)
    expect((await runCli(['-p', other, 'state', 'import', join(dir, 'missing.json')])).stderr).toMatch(/cannot read .*missing\.json: ENOENT/)
  })

  it('a held lock: exit 10 naming the holder; --wait waits until it is released', async () => {
    const dir = writeProject(smallProject())
    const locks = join(dir, '.tributary', 'locks')
    mkdirSync(locks, { recursive: true })
    // A live process on this host (this test runner) holds prod's lock.
    writeFileSync(join(locks, 'prod.lock'), JSON.stringify({ pid: process.pid, host: hostname(), user: 'ci', command: 'restate', since: Date.now() }))
    const shown = json<Show>(await runCli(['-p', dir, 'state', 'show', '--json']))
    expect(shown.locks.map((l) => [l.name, l.command, l.pid])).toEqual([['prod', 'restate', process.pid]])
    const refused = await runCli(['-p', dir, 'run'])
    expect(refused.code).toBe(10)
    expect(refused.stderr).toMatch(/environment 'prod' is locked by `models restate` \(pid \d+ on .*user ci.*pass --wait/)
    setTimeout(() => rmSync(join(locks, 'prod.lock')), 1500)
    const waited = await runCli(['-p', dir, 'run', '--wait'])
    expect(waited.code, waited.stderr).toBe(0)
    expect(waited.stderr).toMatch(/waiting for the lock of 'prod', held by `models restate`/)
    expect(waited.stdout).toMatch(/Run succeeded in 'prod': 5 built/)
  })
})
