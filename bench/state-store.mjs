#!/usr/bin/env node
/**
 * State store benchmark: the operations a run makes, on the embedded (DuckDB) store and on the
 * Postgres store, side by side. Needs `npm run build` and, for Postgres, TRIBUTARY_PG_URL
 * (`bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"`). Each Postgres run uses a fresh
 * schema, dropped afterwards.
 *
 *   node bench/state-store.mjs [--models 5000] [--batches 10]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { cpus, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { DuckDbStateStore } from '../dist/src/state/duckdb/duckdb-state-store.js'
import { PostgresStateStore } from '../dist/src/state/postgres/pg-state-store.js'

const args = process.argv.slice(2)
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : def
}
const MODELS = opt('models', 5000)
const BATCHES = opt('batches', 10)
const DAY = 86_400_000

const snapshots = Array.from({ length: MODELS }, (_, i) => ({
  name: `oso.model_${i}`,
  fingerprint: `fp${i.toString(16).padStart(12, '0')}`,
  version: `v${i}`,
  dataHash: 'd',
  metadataHash: 'm',
  parents: i > 0 ? [`oso.model_${i - 1}`] : [],
  kind: { name: 'INCREMENTAL_BY_TIME_RANGE', time_column: 'day' },
  dialect: 'trino',
  cron: '@daily',
  file: `models/model_${i}.sql`,
  createdAt: 1,
}))

async function measure(store) {
  const t = {}
  let s = performance.now()
  await store.pushSnapshots(snapshots)
  t.pushSnapshots = performance.now() - s
  // A run: one addIntervals per model and batch (what apply-plan records after each batch commits).
  s = performance.now()
  for (let b = 0; b < BATCHES; b++) {
    await Promise.all(snapshots.map((x) => store.addIntervals(x.version, [[b * DAY, (b + 1) * DAY]])))
  }
  t.addIntervals = performance.now() - s
  t.addIntervalsPerSec = (MODELS * BATCHES) / (t.addIntervals / 1000)
  // One at a time (each waits for its commit): the cost of a single recorded batch.
  s = performance.now()
  for (let i = 0; i < 1000; i++) await store.addIntervals(`serial_${i}`, [[0, DAY]])
  t.serialMs = (performance.now() - s) / 1000
  s = performance.now()
  const got = await store.getIntervals(snapshots.map((x) => x.version))
  t.getIntervals = performance.now() - s
  if (got.size !== MODELS || got.get('v0')[0][1] !== BATCHES * DAY) throw new Error('intervals lost')
  s = performance.now()
  await store.getSnapshots(snapshots.map((x) => x.fingerprint))
  t.getSnapshots = performance.now() - s
  s = performance.now()
  const dump = await store.exportState()
  t.export = performance.now() - s
  return { t, dump }
}

const results = []
const dir = mkdtempSync(join(tmpdir(), 'state-bench-'))
const duck = await DuckDbStateStore.open(join(dir, 'state.duckdb'))
const d = await measure(duck)
const duck2 = await DuckDbStateStore.open(join(dir, 'state2.duckdb'))
let s = performance.now()
await duck2.importState(d.dump, { replace: false })
d.t.import = performance.now() - s
await duck.close()
await duck2.close()
results.push({ backend: 'embedded (DuckDB file)', ...d.t })

const url = process.env.TRIBUTARY_PG_URL
if (url) {
  const u = new URL(url)
  const target = (schema) => ({ host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), sslmode: 'disable', connectTimeout: 10, applicationName: 'tributary-bench', schema })
  const schemas = [`bench_state_${randomBytes(3).toString('hex')}`, `bench_state_${randomBytes(3).toString('hex')}`]
  try {
    const p = await PostgresStateStore.open(target(schemas[0]))
    const r = await measure(p)
    const p2 = await PostgresStateStore.open(target(schemas[1]))
    s = performance.now()
    await p2.importState(r.dump, { replace: false })
    r.t.import = performance.now() - s
    await p.close()
    await p2.close()
    results.push({ backend: 'PostgreSQL (loopback)', ...r.t })
  } finally {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    for (const sc of schemas) await c.query(`DROP SCHEMA IF EXISTS "${sc}" CASCADE`)
    await c.end()
  }
} else console.error('TRIBUTARY_PG_URL not set: measuring the embedded store only')

const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`)
console.log(`\n${MODELS} models, ${BATCHES} batches each (${MODELS * BATCHES} interval records); ${cpus().length} cores ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}\n`)
console.log('| backend | push snapshots | add intervals, all at once (rate) | one addIntervals alone | read intervals | read snapshots | export | import |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of results) {
  console.log(`| ${r.backend} | ${ms(r.pushSnapshots)} | ${ms(r.addIntervals)} (${Math.round(r.addIntervalsPerSec)}/s) | ${r.serialMs.toFixed(2)} ms | ${ms(r.getIntervals)} | ${ms(r.getSnapshots)} | ${ms(r.export)} | ${ms(r.import)} |`)
}
