import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProject } from '../../../src/project/load-project.js'
import { DuckDbStateStore } from '../../../src/state/duckdb/duckdb-state-store.js'
import { LakehouseProject } from './lakehouse-project.js'

/**
 * The example warehouse end to end on the real stack (Trino 476 + Iceberg + Nessie): run, promote,
 * restate a category, a failing audit, a concurrent tag move, a rollback, a dev environment.
 * Needs `bash scripts/stack.sh up` and its env (the README's test command does both).
 */
// The seeds' events are in January 2024: five weekly batches cover them (the full history is 150 weeks).
const START = '2024-01-01'
const END = '2024-02-04'

describe('the example warehouse on Trino + Iceberg + Nessie', () => {
  let p: LakehouseProject
  let firstRunCommit: string
  let restateCommit: string

  const count = async (catalog: string, table: string): Promise<number> => Number((await p.rows(`SELECT count(*) FROM "${catalog}".oso."${table}"`))[0]![0])
  const publicContent = async (hash: string, table: string): Promise<string | undefined> =>
    (await p.nessie.getContents(`${p.main}@${hash}`, [['oso', table]])).contents.get(`oso.${table}`)?.metadataLocation
  const runs = async (): Promise<Awaited<ReturnType<DuckDbStateStore['listRuns']>>> => {
    const s = await DuckDbStateStore.open(join(p.dir, '.tributary/state.duckdb'))
    try {
      return await s.listRuns(20)
    } finally {
      await s.close()
    }
  }

  beforeAll(async () => {
    p = await LakehouseProject.create()
    // Consumers already read the tag (it is still at the empty root commit).
    await p.trino.run(`CREATE CATALOG "${p.consumerCatalog}" USING iceberg WITH (${p.catalogProps(p.tag)})`)
  })

  afterAll(async () => {
    await p?.dispose()
  })

  it('runs every model on Trino; the writes reach main in one verified commit; consumers see nothing yet', async () => {
    const r = await p.cli('run', '--start', START, '--end', END, '--json')
    expect(r.code, r.stderr).toBe(0)
    const { result } = JSON.parse(r.stdout) as { result: { ok: boolean; models: Array<{ status: string }> } }
    expect(result.ok).toBe(true)
    expect(result.models.filter((m) => m.status === 'succeeded').length).toBe(24)

    expect(await count(p.catalog, 'projects_v1')).toBeGreaterThan(0)
    expect(await count(p.catalog, 'timeseries_events_by_project_daily_v1')).toBeGreaterThan(0)
    const [run] = await runs()
    firstRunCommit = await p.mainHash()
    expect(run!.status).toBe('succeeded')
    expect(run!.commit).toBe(firstRunCommit)
    // The work branch and its catalog are gone.
    expect((await p.nessie.listReferences()).some((ref) => ref.name.startsWith('tributary-work-') && ref.name.includes(run!.id.replace(/-/g, '').slice(0, 12)))).toBe(false)
    // The consumer tag did not move: its catalog has no tables.
    await expect(count(p.consumerCatalog, 'projects_v1')).rejects.toThrow(/does not exist/)
  })

  it('promote moves the tag to the verified head, and the consumer catalog then shows the data', async () => {
    const r = await p.cli('promote', '--yes', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(await p.tagHash()).toBe(firstRunCommit)
    expect(await count(p.consumerCatalog, 'projects_v1')).toBe(await count(p.catalog, 'projects_v1'))
    expect(await count(p.consumerCatalog, 'int_events_daily_to_project')).toBe(await count(p.catalog, 'int_events_daily_to_project'))
  })

  it('restating one entity category changes only its models and their downstream models', async () => {
    const project = await loadProject(p.dir)
    const category = [...project.models.values()].filter((m) => m.def.tags.includes('entity_category=collection')).map((m) => m.def.name)
    expect(category.length).toBeGreaterThan(0)
    const allowed = new Set([...category, ...project.dag.downstream(category)])

    const before = await p.mainHash()
    const r = await p.cli('restate', '--category', 'collection', '--start', START, '--end', END, '--yes', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    restateCommit = await p.mainHash()
    expect(restateCommit).not.toBe(before)

    const changed = (await p.nessie.diff(`${p.main}@${before}`, `${p.main}@${restateCommit}`))
      .map((d) => d.key.join('.'))
      .filter((k) => k.startsWith('oso.'))
    expect(changed.length).toBeGreaterThan(0)
    for (const k of changed) expect(allowed, `${k} changed but is not in category 'collection' or downstream of it`).toContain(k)
    expect(changed).toContain('oso.int_events_daily_to_collection')
    // Physical tables outside the selection were not touched either.
    const physical = (await p.nessie.diff(`${p.main}@${before}`, `${p.main}@${restateCommit}`)).map((d) => d.key.join('.')).filter((k) => k.startsWith('tributary__oso.'))
    for (const k of physical) expect(allowed).toContain(`oso.${k.split('.')[1]!.replace(/__[0-9a-f]{16}$/, '')}`)
    const [run] = await runs()
    expect(run!.command).toBe('restate')
    expect(run!.commit).toBe(restateCommit)
  })

  it('a failing blocking audit fails the run, keeps its data off main, and promotion is refused', async () => {
    const file = join(p.dir, 'models/marts/directory/collections_v1.sql')
    const original = readFileSync(file, 'utf8')
    const before = await p.mainHash()
    const contentBefore = await publicContent(before, 'collections_v1')
    // A new version of the model (one more column) whose blocking audit cannot pass.
    const broken = original.replace(/audits \([\s\S]*?\n  \),/, 'audits (number_of_rows(threshold := 1000000)),').replace(/^SELECT\n/m, 'SELECT\n  1 AS audit_probe,\n')
    expect(broken).not.toBe(original)
    writeFileSync(file, broken)
    try {
      const r = await p.cli('run', '--start', START, '--end', END)
      expect(r.code, r.stdout + r.stderr).toBe(3)
      expect(r.stdout + r.stderr).toMatch(/number_of_rows/)
      // Main still shows the last audited data for that model.
      expect(await publicContent(await p.mainHash(), 'collections_v1')).toBe(contentBefore)

      const tag = await p.tagHash()
      const refused = await p.cli('promote', '--yes')
      expect(refused.code).not.toBe(0)
      expect(refused.stdout + refused.stderr).toMatch(/fail|not produced|verified/i)
      expect(await p.tagHash()).toBe(tag)
    } finally {
      writeFileSync(file, original)
    }
  })

  it('a tag moved by someone else between preview and promotion makes promote fail cleanly', async () => {
    const previewed = await p.tagHash()
    const dry = await p.cli('promote', '--to-hash', restateCommit, '--dry-run', '--json')
    expect(dry.code, dry.stdout + dry.stderr).toBe(0)
    // Someone else moves the tag (back to the root commit) in between.
    const cfg = (await fetch(`${p.env.nessieUrl}/config`).then((r) => r.json())) as { noAncestorHash: string }
    const moved = await p.nessie.assignReference({ type: 'TAG', name: p.tag, hash: previewed }, { type: 'BRANCH', name: p.main, hash: cfg.noAncestorHash })
    const r = await p.cli('promote', '--to-hash', restateCommit, '--expect-current', previewed, '--yes')
    expect(r.code).not.toBe(0)
    expect(r.stdout + r.stderr).toMatch(/moved|expected/i)
    expect(await p.tagHash()).toBe(moved.hash)
  })

  it('promote --to-hash an older verified commit rolls consumers back; --history lists the positions', async () => {
    const forward = await p.cli('promote', '--to-hash', restateCommit, '--yes')
    expect(forward.code, forward.stdout + forward.stderr).toBe(0)
    const restated = await publicContent(restateCommit, 'int_events_daily_to_collection')
    const first = await publicContent(firstRunCommit, 'int_events_daily_to_collection')
    expect(restated).not.toBe(first)
    const seen = async (): Promise<unknown> =>
      (await p.rows(`SELECT file FROM "${p.consumerCatalog}".oso."int_events_daily_to_collection$metadata_log_entries" ORDER BY timestamp DESC LIMIT 1`))[0]![0]
    expect(await seen()).toBe(restated)

    const back = await p.cli('promote', '--to-hash', firstRunCommit, '--yes')
    expect(back.code, back.stdout + back.stderr).toBe(0)
    expect(await p.tagHash()).toBe(firstRunCommit)
    expect(await seen()).toBe(first)

    const history = await p.cli('promote', '--history', '--json')
    expect(history.code, history.stderr).toBe(0)
    expect(history.stdout).toContain(firstRunCommit)
    expect(history.stdout).toContain(restateCommit)
  })

  it('a --to-hash that is not on main is refused and the tag stays', async () => {
    const tag = await p.tagHash()
    const r = await p.cli('promote', '--to-hash', 'f'.repeat(64), '--yes')
    expect(r.code).not.toBe(0)
    expect(r.stdout + r.stderr).toMatch(/not a commit/)
    expect(await p.tagHash()).toBe(tag)
  })

  it('a dev environment is a Nessie branch read through its own catalog; main is untouched', async () => {
    const file = join(p.dir, 'models/marts/directory/projects_v1.sql')
    const original = readFileSync(file, 'utf8')
    const mainBefore = await p.mainHash()
    const prodContent = await publicContent(mainBefore, 'projects_v1')
    writeFileSync(file, original.replace(/^SELECT\n/m, 'SELECT\n  42 AS dev_marker,\n'))
    try {
      const r = await p.cli('run', 'dev', '--start', START, '--end', END)
      expect(r.code, r.stdout + r.stderr).toBe(0)
      const rows = await p.rows(`SELECT DISTINCT dev_marker FROM "${p.catalog}__dev".oso.projects_v1`)
      expect(rows).toEqual([[42]])
      expect((await p.nessie.getReference(`${p.main}-env-dev`)).type).toBe('BRANCH')
      // Prod's public table still points at the same data.
      expect(await publicContent(await p.mainHash(), 'projects_v1')).toBe(prodContent)

      // Invalidating the environment deletes its branch and its catalog.
      const inv = await p.cli('invalidate', 'dev')
      expect(inv.code, inv.stdout + inv.stderr).toBe(0)
      expect((await p.nessie.listReferences()).map((ref) => ref.name)).not.toContain(`${p.main}-env-dev`)
      expect(await p.rows(`SELECT count(*) FROM system.metadata.catalogs WHERE catalog_name = '${p.catalog}__dev'`)).toEqual([[0]])
    } finally {
      writeFileSync(file, original)
    }
  })
})
