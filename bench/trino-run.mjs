#!/usr/bin/env node
/**
 * The example warehouse on the local Trino + Iceberg + Nessie stack: wall time of `models run`,
 * the time Trino was busy, and the tool's own overhead (everything outside Trino statements:
 * planning, rendering, Nessie calls, state) as a share of the run.
 *
 *   bash scripts/stack.sh up && eval "$(bash scripts/stack.sh env)"
 *   npm run build && node bench/trino-run.mjs [--start 2024-01-01] [--concurrency 2]
 *
 * Runs in a temporary copy of the project on its own Nessie branch and catalog (removed after).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const repo = resolve(import.meta.dirname, '..')
const { Context } = await import(join(repo, 'dist/src/context.js'))
const { runOperation } = await import(join(repo, 'dist/src/operations/run.js'))
const { NessieClient } = await import(join(repo, 'dist/src/catalog/nessie/nessie-client.js'))
const { values } = parseArgs({ options: { start: { type: 'string' }, concurrency: { type: 'string', default: '2' } } })

const trinoUrl = new URL(process.env.TRINO_URL ?? 'http://127.0.0.1:8080')
const nessieUrl = process.env.NESSIE_URL ?? 'http://127.0.0.1:19120/api/v2'
const lake = process.env.TRIBUTARY_LAKE_DIR
if (!lake) throw new Error('eval "$(bash scripts/stack.sh env)" first (TRIBUTARY_LAKE_DIR is not set)')

const id = `bench${Date.now().toString(36)}`
const dir = mkdtempSync(join(tmpdir(), 'tributary-trino-bench-'))
for (const f of ['models', 'seeds']) cpSync(join(repo, f), join(dir, f), { recursive: true })
const nessie = new NessieClient(nessieUrl)
const root = await (await fetch(`${nessieUrl}/config`)).json()
await nessie.createReference('BRANCH', id, { type: 'BRANCH', name: root.defaultBranch, hash: root.noAncestorHash })
const props = {
  'connector.name': 'iceberg',
  'iceberg.catalog.type': 'nessie',
  'iceberg.nessie-catalog.uri': nessieUrl,
  'iceberg.nessie-catalog.default-warehouse-dir': 'local:///warehouse',
  'fs.native-local.enabled': 'true',
  'local.location': lake,
  'iceberg.file-format': 'PARQUET',
}
const example = readFileSync(join(repo, 'config.yaml'), 'utf8')
writeFileSync(
  join(dir, 'config.yaml'),
  `gateways:
  trino:
    connection:
      type: trino
      host: ${trinoUrl.hostname}
      port: ${trinoUrl.port}
      http_scheme: http
      user: bench
      catalog: ${id}
      nessie:
        url: ${nessieUrl}
        main_branch: ${id}
        catalog_properties:
${Object.entries(props).map(([k, v]) => `          ${k}: '${v}'`).join('\n')}
default_gateway: trino
${example.slice(example.indexOf('model_defaults:'))}`,
)

const ctx = await Context.create({ projectDir: dir })
const { trino } = await ctx.engine()
await trino.createCatalog(id, id)
try {
  const t0 = performance.now()
  const { result } = await runOperation(ctx, {
    env: 'prod',
    now: Date.now(),
    start: values.start ? Date.parse(values.start) : undefined,
    concurrency: Number(values.concurrency),
    command: 'run',
  })
  const wall = performance.now() - t0
  const t = trino.conn.timings
  const batches = result.models.reduce((n, m) => n + m.batchesDone, 0)
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`)
  console.log(`run ${result.ok ? 'succeeded' : 'FAILED'}: ${result.models.length} models, ${batches} batches, concurrency ${values.concurrency}`)
  console.log(`wall ${(wall / 1000).toFixed(1)} s; Trino busy (wall) ${(t.wallBusyMs / 1000).toFixed(1)} s over ${t.statements} statements (${(t.busyMs / 1000).toFixed(1)} s summed)`)
  for (const m of result.models.filter((m) => m.status === 'failed')) console.log(`  failed ${m.name}: ${m.message}`)
  console.log(`tool overhead (outside Trino statements): ${((wall - t.wallBusyMs) / 1000).toFixed(1)} s = ${(((wall - t.wallBusyMs) / wall) * 100).toFixed(1)} % of the run`)
} finally {
  await trino.dropCatalog(id).catch(() => undefined)
  await ctx.close()
  await nessie.deleteReference(await nessie.getReference(id)).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}
