import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DuckDbStateStore } from '../../../src/state/duckdb/duckdb-state-store.js'
import { describeStateContract } from './state-contract.js'

describeStateContract('duckdb (memory)', () => DuckDbStateStore.open(':memory:'))
describeStateContract('duckdb (file)', () => DuckDbStateStore.open(join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb')))

describe('embedded state file', () => {
  it('persists across reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'state.duckdb')
    const a = await DuckDbStateStore.open(path)
    await a.addIntervals('v', [[0, 10]])
    await a.close()
    const b = await DuckDbStateStore.open(path)
    expect((await b.getIntervals(['v'])).get('v')).toEqual([[0, 10]])
    await b.close()
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
