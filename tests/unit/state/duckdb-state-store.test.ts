import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { DuckDbStateStore } from '../../../src/state/duckdb/duckdb-state-store.js'
import { describeStateContract } from './state-contract.js'

describeStateContract('duckdb (memory)', () => DuckDbStateStore.open(':memory:'))
describeStateContract('duckdb (file)', () => DuckDbStateStore.open(join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb')))

describe('embedded state file', () => {
  it('records interval updates issued together in one commit, in call order', async () => {
    const s = await DuckDbStateStore.open(join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb'))
    await Promise.all([s.addIntervals('v', [[0, 10]]), s.removeIntervals('v', [[2, 3]]), s.addIntervals('v', [[20, 30]]), s.addIntervals('w', [[1, 2]])])
    expect((await s.getIntervals(['v', 'w'])).get('v')).toEqual([[0, 2], [3, 10], [20, 30]])
    expect((await s.getIntervals(['w'])).get('w')).toEqual([[1, 2]])
    await s.close()
  })

  it('persists across reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb')
    const a = await DuckDbStateStore.open(path)
    await a.addIntervals('v', [[0, 10]])
    await a.close()
    const b = await DuckDbStateStore.open(path)
    expect((await b.getIntervals(['v'])).get('v')).toEqual([[0, 10]])
    await b.close()
  })

  it('opens a file written by schema version 1 (runs without a commit column) and upgrades it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb')
    const old = await DuckDBInstance.create(path)
    const c = await old.connect()
    await c.run('CREATE TABLE _versions (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)')
    await c.run('INSERT INTO _versions VALUES (1, 1)')
    await c.run(
      'CREATE TABLE runs (id VARCHAR PRIMARY KEY, command VARCHAR NOT NULL, env VARCHAR NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT, status VARCHAR NOT NULL, summary VARCHAR)',
    )
    await c.run(`INSERT INTO runs VALUES ('old', 'run', 'prod', 1, 2, 'succeeded', '{"built":[]}')`)
    c.closeSync()
    old.closeSync()

    const s = await DuckDbStateStore.open(path)
    expect(await s.listRuns(5)).toEqual([{ id: 'old', command: 'run', env: 'prod', startedAt: 1, finishedAt: 2, status: 'succeeded', summary: { built: [] } }])
    await s.startRun({ id: 'new', command: 'run', env: 'prod', startedAt: 3, status: 'running' })
    await s.finishRun('new', 'succeeded', {}, 'c'.repeat(64))
    expect((await s.findRunByCommit('c'.repeat(64)))?.id).toBe('new')
    expect(await s.listPromotions({ limit: 5 })).toEqual([])
    await s.close()

    const check = await DuckDBInstance.create(path)
    const cc = await check.connect()
    const v = (await cc.runAndReadAll('SELECT schema_version FROM _versions')).getRowObjectsJS()
    expect(v).toEqual([{ schema_version: 2 }])
    cc.closeSync()
    check.closeSync()
  })

  it('refuses a second process with a clear message', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb')
    const a = await DuckDbStateStore.open(path)
    const script = `import('@duckdb/node-api').then(async ({ DuckDBInstance }) => { try { await DuckDBInstance.create(${JSON.stringify(path)}); console.log('opened') } catch (e) { console.log('locked: ' + e.message.split('\\n')[0]) } })`
    const r = spawnSync(process.execPath, ['-e', script], { cwd: join(import.meta.dirname, '..', '..', '..'), encoding: 'utf8' })
    expect(r.stdout).toMatch(/^locked: .*lock/i)
    await a.close()
  })
})
