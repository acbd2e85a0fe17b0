#!/usr/bin/env node
/**
 * CDC apply speed: change events per second from the Postgres replication stream into DuckDB
 * through `models ingest` (drain mode), after the initial snapshot.
 *
 *   bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"
 *   npm run build && node bench/cdc-bench.mjs [--events 500000] [--txn-size 1000]
 *
 * Generates the events as transactions of --txn-size rows: 60 % inserts, 30 % updates, 10 % deletes.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'

const repo = resolve(import.meta.dirname, '..')
const { values } = parseArgs({ options: { events: { type: 'string', default: '500000' }, 'txn-size': { type: 'string', default: '1000' } } })
const events = Number(values.events)
const txn = Number(values['txn-size'])
const url = process.env.TRIBUTARY_PG_URL
if (!url) throw new Error('eval "$(bash scripts/pg.sh env)" first')
const id = `cdcbench_${Date.now().toString(36)}`
const admin = new pg.Client({ connectionString: url })
await admin.connect()
await admin.query(`CREATE SCHEMA ${id}; CREATE TABLE ${id}.t (id bigint PRIMARY KEY, v text, n int, at timestamptz); INSERT INTO ${id}.t SELECT g, 'seed', g, now() FROM generate_series(1, 100000) g; CREATE PUBLICATION ${id} FOR TABLE ${id}.t`)
const dir = mkdtempSync(join(tmpdir(), 'tributary-cdc-bench-'))
mkdirSync(join(dir, 'sources'))
writeFileSync(join(dir, 'config.yaml'), 'gateways:\n  local:\n    connection:\n      type: duckdb\n')
writeFileSync(join(dir, 'sources', 'src.yaml'), `name: src\nconnection:\n  secret: { group: bench, key: db }\ncdc: { slot: ${id}, publication: ${id} }\ntables:\n  - table: t\n    schema: ${id}\n`)
const env = { ...process.env, TRIBUTARY__BENCH__DB: url }
const profile = process.env.TRIBUTARY_BENCH_PROFILE
const cli = (...args) =>
  execFileSync(process.execPath, [...(profile && args[0] === 'ingest' && args[1] === '--json' ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), join(repo, 'dist/cli/main.js'), '-p', dir, ...args], { env, encoding: 'utf8' })
try {
  cli('ingest') // snapshot
  let next = 1_000_000
  let made = 0
  while (made < events) {
    const ins = Math.round(txn * 0.6)
    const upd = Math.round(txn * 0.3)
    const del = txn - ins - upd
    await admin.query(`BEGIN; INSERT INTO ${id}.t SELECT g, 'ins', g, now() FROM generate_series(${next}, ${next + ins - 1}) g;
      UPDATE ${id}.t SET n = n + 1, v = 'upd' WHERE id IN (SELECT id FROM ${id}.t WHERE id < ${next} ORDER BY id DESC LIMIT ${upd});
      DELETE FROM ${id}.t WHERE id IN (SELECT id FROM ${id}.t WHERE id < ${next} ORDER BY id LIMIT ${del}); COMMIT`)
    next += ins
    made += txn
  }
  const t0 = performance.now()
  const out = JSON.parse(cli('ingest', '--json'))
  const s = (performance.now() - t0) / 1000
  const src = (await admin.query(`SELECT count(*)::int AS n, sum(n)::text AS s FROM ${id}.t`)).rows[0]
  const dst = JSON.parse(cli('query', `SELECT count(*) AS n, sum(n)::VARCHAR AS s FROM src.t`, '--json'))[0]
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`)
  console.log(`${made} change events in transactions of ${txn}: applied in ${s.toFixed(1)} s (CLI start included) = ${Math.round(made / s).toLocaleString('en-US')} events/s; ok=${out.ok}; destination ${dst.n === src.n && String(dst.s) === src.s ? 'equals' : 'DIFFERS FROM'} source (${dst.n} rows)`)
} finally {
  await admin.query(`SELECT pg_drop_replication_slot('${id}') FROM pg_replication_slots WHERE slot_name = '${id}' AND NOT active`).catch(() => undefined)
  await admin.query(`DROP PUBLICATION IF EXISTS ${id}; DROP SCHEMA IF EXISTS ${id} CASCADE`)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
}
