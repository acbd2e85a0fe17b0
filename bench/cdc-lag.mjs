#!/usr/bin/env node
/**
 * CDC lag at a steady change rate: a writer commits --rate changes/s (transactions of 1,000 rows,
 * every 1000/rate*1000 ms) for --seconds, while `models ingest --follow` streams them into DuckDB.
 * Lag is read from the follower's progress lines (applied changes, at most once a second): for
 * each line, how long ago the writer had committed that many changes.
 *
 *   bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"
 *   npm run build && node bench/cdc-lag.mjs [--rate 10000] [--seconds 30]
 */
import { spawn, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'

const repo = resolve(import.meta.dirname, '..')
const { values } = parseArgs({ options: { rate: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '30' } } })
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const url = process.env.TRIBUTARY_PG_URL
if (!url) throw new Error('eval "$(bash scripts/pg.sh env)" first')
const id = `cdclag_${Date.now().toString(36)}`
const admin = new pg.Client({ connectionString: url })
await admin.connect()
await admin.query(`CREATE SCHEMA ${id}; CREATE TABLE ${id}.t (id bigint PRIMARY KEY, v text); CREATE PUBLICATION ${id} FOR TABLE ${id}.t`)
const dir = mkdtempSync(join(tmpdir(), 'tributary-cdc-lag-'))
mkdirSync(join(dir, 'sources'))
writeFileSync(join(dir, 'config.yaml'), 'gateways:\n  local:\n    connection:\n      type: duckdb\n')
writeFileSync(join(dir, 'sources', 'src.yaml'), `name: src\nconnection:\n  secret: { group: bench, key: db }\ncdc: { slot: ${id}, publication: ${id} }\ntables:\n  - table: t\n    schema: ${id}\n`)
const env = { ...process.env, TRIBUTARY__BENCH__DB: url }
const main = join(repo, 'dist/cli/main.js')
try {
  execFileSync(process.execPath, [main, '-p', dir, 'ingest'], { env })
  const follower = spawn(process.execPath, [main, '-p', dir, 'ingest', '--follow'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const applied = [] // [time, cumulative applied]
  follower.stderr.on('data', (b) => {
    for (const m of b.toString().matchAll(/src: ([\d,]+) rows/g)) applied.push([performance.now(), Number(m[1].replaceAll(',', ''))])
  })
  await new Promise((r) => setTimeout(r, 2000))
  const committed = [] // [time, cumulative committed]
  const perTxn = 1000
  const every = (perTxn / rate) * 1000
  let done = 0
  const t0 = performance.now()
  while (performance.now() - t0 < seconds * 1000) {
    const due = t0 + (done / perTxn) * every
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    await admin.query(`INSERT INTO ${id}.t SELECT g, 'x' FROM generate_series(${done + 1}, ${done + perTxn}) g`)
    done += perTxn
    committed.push([performance.now(), done])
  }
  const writerEnd = performance.now()
  while (!applied.length || applied[applied.length - 1][1] < done) {
    if (performance.now() - writerEnd > 60_000) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const caughtUp = Math.max(0, (applied.at(-1)?.[0] ?? performance.now()) - writerEnd)
  follower.kill('SIGINT')
  await new Promise((r) => follower.on('close', r))
  const lags = applied
    .filter(([t]) => t <= writerEnd)
    .map(([t, n]) => {
      const c = committed.find(([, m]) => m >= n)
      return c ? Math.max(0, t - c[0]) : 0
    })
  lags.sort((a, b) => a - b)
  const pct = (p) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] : NaN)
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`)
  console.log(`${done} changes at ${Math.round(done / ((writerEnd - t0) / 1000))}/s for ${seconds} s; lag from progress lines (n=${lags.length}): median ${(pct(0.5) / 1000).toFixed(2)} s, p95 ${(pct(0.95) / 1000).toFixed(2)} s, max ${((lags.at(-1) ?? NaN) / 1000).toFixed(2)} s; everything applied ${(caughtUp / 1000).toFixed(2)} s after the writer stopped`)
} finally {
  await admin.query(`SELECT pg_drop_replication_slot('${id}') FROM pg_replication_slots WHERE slot_name = '${id}' AND NOT active`).catch(() => undefined)
  await admin.query(`DROP PUBLICATION IF EXISTS ${id}; DROP SCHEMA IF EXISTS ${id} CASCADE`)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
}
