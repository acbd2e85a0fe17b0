#!/usr/bin/env node
/**
 * Postgres -> Trino/Iceberg replication speed on the local stacks: a full load of an N-row,
 * 10-column table through `models ingest` (scratch DuckDB, batched INSERT … VALUES on a Nessie work
 * branch, one merge).
 *
 *   bash scripts/stack.sh up && bash scripts/pg.sh up
 *   eval "$(bash scripts/stack.sh env)"; eval "$(bash scripts/pg.sh env)"
 *   npm run build && node bench/ingest-trino.mjs [--rows 200000]
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'

const repo = resolve(import.meta.dirname, '..')
const { Context } = await import(join(repo, 'dist/src/context.js'))
const { ingestOperation } = await import(join(repo, 'dist/src/operations/ingest.js'))
const { NessieClient } = await import(join(repo, 'dist/src/catalog/nessie/nessie-client.js'))
const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } })
const n = Number(values.rows)
const pgUrl = process.env.TRIBUTARY_PG_URL
const lake = process.env.TRIBUTARY_LAKE_DIR
if (!pgUrl || !lake) throw new Error('eval the env of scripts/stack.sh and scripts/pg.sh first')
const trinoUrl = new URL(process.env.TRINO_URL ?? 'http://127.0.0.1:8080')
const nessieUrl = process.env.NESSIE_URL ?? 'http://127.0.0.1:19120/api/v2'

const table = `bench_trino_${n}`
const admin = new pg.Client({ connectionString: pgUrl })
await admin.connect()
const exists = await admin.query(`SELECT count(*)::int AS c FROM pg_tables WHERE schemaname = 'public' AND tablename = $1`, [table])
if (exists.rows[0].c === 0) {
  await admin.query(`CREATE TABLE public.${table} AS SELECT g::bigint AS id, (g % 1000)::int AS small, 'text-' || g AS t, md5(g::text)::varchar(64) AS v,
    (g % 100000) / 100.0::numeric(12,2) AS amount, g * 0.5::float8 AS d, timestamptz '2024-01-01' + g * interval '1 second' AS ts,
    date '2024-01-01' + (g % 365) AS day, g % 2 = 0 AS flag, md5(g::text)::uuid AS u FROM generate_series(1, ${n}) g`)
}
await admin.end()

const id = `ingestbench${Date.now().toString(36)}`
const dir = mkdtempSync(join(tmpdir(), 'tributary-ingest-trino-'))
mkdirSync(join(dir, 'sources'))
writeFileSync(join(dir, 'sources', 'db.yaml'), `name: db\nconnection:\n  secret: { group: bench, key: db }\ntables:\n  - table: ${table}\n`)
const nessie = new NessieClient(nessieUrl)
const root = await (await fetch(`${nessieUrl}/config`)).json()
await nessie.createReference('BRANCH', id, { type: 'BRANCH', name: root.defaultBranch, hash: root.noAncestorHash })
writeFileSync(
  join(dir, 'config.yaml'),
  `gateways:\n  trino:\n    connection:\n      type: trino\n      host: ${trinoUrl.hostname}\n      port: ${trinoUrl.port}\n      http_scheme: http\n      user: bench\n      catalog: ${id}\n      nessie:\n        url: ${nessieUrl}\n        main_branch: ${id}\n        catalog_properties:\n          connector.name: iceberg\n          iceberg.catalog.type: nessie\n          iceberg.nessie-catalog.uri: ${nessieUrl}\n          iceberg.nessie-catalog.default-warehouse-dir: local:///warehouse\n          fs.native-local.enabled: 'true'\n          local.location: ${lake}\n`,
)
process.env.TRIBUTARY__BENCH__DB = pgUrl
const ctx = await Context.create({ projectDir: dir })
const { trino } = await ctx.engine()
await trino.createCatalog(id, id)
try {
  const t0 = performance.now()
  const r = await ingestOperation(ctx, {})
  const s = (performance.now() - t0) / 1000
  const rows = r.tables.reduce((a, t) => a + t.rows, 0)
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`)
  console.log(`ingest into Trino/Iceberg: ${r.ok ? 'ok' : 'FAILED ' + r.tables.map((t) => t.message).join('; ')}; ${rows} rows in ${s.toFixed(1)} s = ${Math.round(rows / s).toLocaleString('en-US')} rows/s; ${trino.conn.timings.statements} Trino statements`)
} finally {
  await trino.dropCatalog(id).catch(() => undefined)
  await ctx.close()
  await nessie.deleteReference(await nessie.getReference(id)).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}
