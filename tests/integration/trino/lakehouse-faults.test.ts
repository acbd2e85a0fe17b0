import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LakehouseProject } from './lakehouse-project.js'

/** Faults on the real stack: unreachable servers, a statement failing mid-run, secrets kept out of output. */
const START = '2024-01-01'
const END = '2024-01-15'

describe('lakehouse faults', () => {
  let p: LakehouseProject
  const publicContent = async (table: string): Promise<string | undefined> =>
    (await p.nessie.getContents(p.main, [['oso', table]])).contents.get(`oso.${table}`)?.metadataLocation

  beforeAll(async () => {
    p = await LakehouseProject.create()
    const r = await p.cli('run', '--start', START, '--end', END)
    expect(r.code, r.stdout + r.stderr).toBe(0)
  })

  afterAll(async () => {
    await p?.dispose()
  })

  it('Trino unreachable: one clear message, exit 1, main unchanged', async () => {
    const main = await p.mainHash()
    const restore = p.editConfig((y) => y.replace(/port: \d+/, 'port: 1'))
    try {
      const r = await p.cli('run', '--start', START, '--end', END)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/Trino is unreachable at http:\/\/127\.0\.0\.1:1/)
      expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
    } finally {
      restore()
    }
    expect(await p.mainHash()).toBe(main)
  })

  it('Nessie unreachable: promote fails with a clear message and the tag stays', async () => {
    const tag = await p.tagHash()
    const restore = p.editConfig((y) => y.replace(/^(\s+url: ).*$/m, '$1http://127.0.0.1:1/api/v2'))
    try {
      const r = await p.cli('promote', '--yes')
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/Nessie is unreachable at http:\/\/127\.0\.0\.1:1/)
    } finally {
      restore()
    }
    expect(await p.tagHash()).toBe(tag)
  })

  it('a statement failing mid-run fails that model; main keeps its last audited data for it', async () => {
    const file = join(p.dir, 'models/marts/directory/collections_v1.sql')
    const original = readFileSync(file, 'utf8')
    const before = await publicContent('collections_v1')
    writeFileSync(file, original.replace(/^SELECT\n/m, "SELECT\n  CAST('not a number' AS INTEGER) AS broken,\n"))
    try {
      const r = await p.cli('run', '--start', START, '--end', END)
      expect(r.code, r.stdout + r.stderr).toBe(3)
      expect(r.stdout).toMatch(/FAILED oso\.collections_v1: .*(INVALID_CAST_ARGUMENT|Cannot cast)/)
      expect(await publicContent('collections_v1')).toBe(before)
      // Promoting "the latest" after a failed run is refused, and says why.
      const promote = await p.cli('promote', '--yes')
      expect(promote.code).not.toBe(0)
      expect(promote.stderr).toMatch(/last prod run .* failed: model oso\.collections_v1 failed/)
    } finally {
      writeFileSync(file, original)
    }
  })

  it('a run killed with SIGKILL publishes nothing; the re-run converges to the uninterrupted result', async () => {
    const q = await LakehouseProject.create()
    try {
      const root = await q.mainHash()
      const child = spawn(process.execPath, [q.cliPath, 'run', '--start', START, '--end', END], { cwd: q.dir, stdio: ['ignore', 'pipe', 'pipe'] })
      let progress = ''
      await new Promise<void>((resolve) => {
        const onData = (b: Buffer): void => {
          progress += b.toString()
          // Kill once some models are written on the work branch, long before the run can finish.
          if ((progress.match(/\bok\b/g) ?? []).length >= 3) {
            child.kill('SIGKILL')
            resolve()
          }
        }
        child.stdout.on('data', onData)
        child.stderr.on('data', onData)
        child.on('exit', () => resolve())
      })
      await new Promise((r) => child.once('exit', r).once('close', r))
      expect(child.signalCode).toBe('SIGKILL')
      expect(await q.mainHash()).toBe(root) // nothing reached main

      const rerun = await q.cli('run', '--start', START, '--end', END)
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0)
      for (const t of ['projects_v1', 'int_events_daily_to_project', 'code_metrics_by_collection_v1', 'seed_github_events']) {
        const [[a]] = (await q.rows(`SELECT count(*) FROM "${q.catalog}".oso."${t}"`)) as [[number]]
        const [[b]] = (await p.rows(`SELECT count(*) FROM "${p.catalog}".oso."${t}"`)) as [[number]]
        expect(a, t).toBe(b)
      }
    } finally {
      await q.dispose()
    }
  })

  it('secrets in catalog properties and the Nessie token never reach output', async () => {
    const secret = 'S3CRET-value-4242'
    const restore = p.editConfig((y) =>
      y
        .replace(/(\n\s+catalog_properties:\n)/, `\n        token: ${secret}-token$1          s3.aws-secret-key: ${secret}\n`),
    )
    try {
      const run = await p.cli('run', '--start', START, '--end', END, '--json')
      expect(run.code).not.toBe(0) // the catalog cannot be created with an unused property
      expect(run.stdout + run.stderr).not.toContain(secret)
      const info = await p.cli('info', '--json')
      expect(info.stdout + info.stderr).not.toContain(secret)
      const plan = await p.cli('plan', '--json')
      expect(plan.stdout + plan.stderr).not.toContain(secret)
    } finally {
      restore()
    }
  })
})
