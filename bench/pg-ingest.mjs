#!/usr/bin/env node
// PostgreSQL -> embedded DuckDB ingest benchmark: binary COPY streamed with pg-copy-streams,
// decoded in JS into DuckDB vector layout, appended chunk by chunk (src/ingest/...).
//
//   bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"
//   npm run build && node bench/pg-ingest.mjs [--rows 10000000] [--runs 3] [--shape wide|narrow]
//                                             [--only psql,copy,decode,memory,file]
//
// Creates (once; reused while its table comment matches) a table in the test database:
//   wide   (default) 10 columns: bigint id, int, text, varchar(64), numeric(12,2), double precision,
//          timestamptz, date, boolean, uuid; ~10% NULLs in three of them.
//   narrow 5 columns like the reference measurements: bigint, text, numeric(12,2), timestamptz, 64-char text.
// Then times, per run (rows/s = table rows / wall time):
//   psql     `\copy (SELECT …) TO /dev/null (FORMAT binary)`: what Postgres itself produces with a C client
//   copy     pg-copy-streams COPY TO STDOUT (FORMAT binary), bytes counted, nothing decoded
//   decode   the same plus decodeBinaryCopy (batches dropped)
//   memory   the full path (copyInto + ChunkSink) into an in-memory DuckDB table
//   file     the full path into a DuckDB file in a temp dir, CHECKPOINT included; counts and checksums
//            are compared with Postgres after every run
// For each run it also prints the CPU seconds used by this Node process and by the Postgres backend
// (from /proc), which is what the 2 shared cores have to cover. A script, not a test: timings on a
// shared 2-core machine are too noisy to assert on.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(REPO, 'dist', 'src', 'ingest')
const GENERATOR = 'tributary pg-ingest bench v1'

const { values: opt } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '3' },
    shape: { type: 'string', default: 'wide' },
    only: { type: 'string', default: 'psql,copy,decode,memory,file' },
    url: { type: 'string', default: process.env.TRIBUTARY_PG_URL ?? '' },
  },
})
const ROWS = Number(opt.rows)
const RUNS = Number(opt.runs)
const SHAPE = opt.shape
const ONLY = new Set(opt.only.split(','))
const TABLE = `bench_ingest_${SHAPE}_${ROWS}`
if (!opt.url) fail('TRIBUTARY_PG_URL is not set: bash scripts/pg.sh up && eval "$(bash scripts/pg.sh env)"')
if (!existsSync(join(DIST, 'postgres', 'copy-table.js'))) fail('dist/ is missing: run `npm run build` first')

const { copyInto } = await import(join(DIST, 'postgres', 'copy-table.js'))
const { decodeBinaryCopy } = await import(join(DIST, 'postgres', 'binary-copy.js'))
const { duckdbTypeFor, selectExpression } = await import(join(DIST, 'postgres', 'pg-types.js'))
const { ChunkSink } = await import(join(DIST, 'duckdb', 'chunk-sink.js'))

function fail(msg) {
  console.error(`pg-ingest: ${msg}`)
  process.exit(1)
}
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const SHAPES = {
  wide: {
    ddl: `id bigint PRIMARY KEY, qty integer, name text, code varchar(64), amount numeric(12,2),
          score double precision, created_at timestamptz, day date, active boolean, ref uuid`,
    // 'name' is 3–10 bytes (inline in DuckDB's string_t), 'code' 32 (heap); ~10% NULLs in name, amount, day.
    select: `SELECT g, (g % 100000)::int,
               CASE WHEN g % 10 = 3 THEN NULL ELSE 'n-' || (g * 7919 % 10000000) END,
               md5(g::text),
               CASE WHEN g % 10 = 5 THEN NULL ELSE ((g * 31 % 100000000) / 100.0)::numeric(12,2) END,
               g * 0.001,
               timestamptz '2020-01-01 00:00:00+00' + g * interval '1 second' + (g % 1000) * interval '1 microsecond',
               CASE WHEN g % 10 = 7 THEN NULL ELSE date '2000-01-01' + (g % 10000)::int END,
               g % 3 = 0,
               md5('u' || g)::uuid`,
  },
  narrow: {
    ddl: 'id bigint PRIMARY KEY, name text, amount numeric(12,2), created_at timestamptz, payload text',
    select: `SELECT g, 'name-' || g, ((g * 31 % 100000000) / 100.0)::numeric(12,2),
               timestamptz '2020-01-01 00:00:00+00' + g * interval '1 second', md5(g::text) || md5((g + 1)::text)`,
  },
}
const shape = SHAPES[SHAPE] ?? fail(`unknown --shape ${SHAPE} (wide, narrow)`)

const client = new pg.Client({ connectionString: opt.url, application_name: 'tributary-bench' })
await client.connect()
const backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid

// ------------------------------------------------------------------------------------- the table
async function ensureTable() {
  const want = `${GENERATOR} shape=${SHAPE} rows=${ROWS}`
  const found = await client.query(
    `SELECT obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname = $1`,
    [TABLE],
  )
  if (found.rows[0]?.comment === want) return
  console.log(`creating public.${TABLE} (${fmt(ROWS)} rows; reused while its comment reads "${want}") ...`)
  const t0 = performance.now()
  await client.query(`DROP TABLE IF EXISTS public.${TABLE}`)
  await client.query(`CREATE TABLE public.${TABLE} (${shape.ddl})`)
  await client.query(`INSERT INTO public.${TABLE} ${shape.select} FROM generate_series(1::bigint, ${ROWS}) g`)
  await client.query(`VACUUM (FREEZE, ANALYZE) public.${TABLE}`)
  await client.query(`COMMENT ON TABLE public.${TABLE} IS '${want}'`)
  console.log(`  created in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
await ensureTable()

const cols = await client.query(
  `SELECT a.attname AS name, a.atttypid::int AS oid, a.atttypmod AS typmod, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
     FROM pg_attribute a WHERE a.attrelid = 'public.${TABLE}'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
)
const columns = cols.rows.map((r) => ({ name: r.name, typeOid: r.oid, typmod: r.typmod, pgType: r.type, nullable: r.nullable }))
const select = `SELECT ${columns.map(selectExpression).join(', ')} FROM public.${TABLE}`
const copySql = `COPY (${select}) TO STDOUT (FORMAT binary)`
const size = (await client.query(`SELECT pg_total_relation_size('public.${TABLE}') AS b`)).rows[0].b

// ------------------------------------------------------------------------------------- machine
const cpu = cpus()
const pgVersion = (await client.query('SHOW server_version')).rows[0].server_version
const sharedBuffers = (await client.query('SHOW shared_buffers')).rows[0].shared_buffers
console.log('\n## Machine')
console.log(`- CPU: ${cpu.length} x ${cpu[0]?.model ?? '?'} (Postgres and Node share them)`)
console.log(`- RAM: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(`- Node ${process.version}; PostgreSQL ${pgVersion} (shared_buffers ${sharedBuffers}, same host, TCP 127.0.0.1); DuckDB ${duckdbVersion()} (@duckdb/node-api)`)
console.log(`- Table public.${TABLE}: ${fmt(ROWS)} rows, ${columns.length} columns, ${(Number(size) / 2 ** 20).toFixed(0)} MiB on disk`)
console.log(`  ${columns.map((c) => `${c.name} ${c.pgType} -> ${duckdbTypeFor(c)}`).join(', ')}`)

// ------------------------------------------------------------------------------------- the runs
/** CPU seconds of a process from /proc (utime + stime), or NaN where /proc is not readable. */
function procCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat. */
function machineBusy() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number)
    return (user + nice + system + irq + softirq + steal) / 100
  } catch {
    return Number.NaN
  }
}

async function inTransaction(fn) {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  try {
    return await fn()
  } finally {
    await client.query('COMMIT')
  }
}

function psqlCopy() {
  const r = spawnSync('psql', [opt.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (${select}) TO '/dev/null' (FORMAT binary)`], { encoding: 'utf8' })
  if (r.status !== 0) fail(`psql: ${r.stderr || r.error}`)
  return { rows: ROWS }
}

async function copyOnly() {
  return inTransaction(async () => {
    const stream = client.query(copyStreams.to(copySql))
    let bytes = 0
    for await (const chunk of stream) bytes += chunk.length
    return { rows: stream.rowCount, note: `${(bytes / 2 ** 20).toFixed(0)} MiB on the wire` }
  })
}

async function decodeOnly() {
  return inTransaction(async () => ({ rows: await decodeBinaryCopy(client.query(copyStreams.to(copySql)), columns, () => undefined) }))
}

// What Postgres says; the DuckDB copy must say the same after every 'file' run.
const CHECKS = {
  wide: [
    `count(*)::text, sum(id)::text, count(name)::text, sum(amount)::text, count(code)::text, (extract(epoch FROM max(created_at)) * 1000000)::bigint::text, count(DISTINCT ref)::text, count(day)::text`,
    `count(*)::VARCHAR, sum(id)::VARCHAR, count(name)::VARCHAR, sum(amount)::VARCHAR, count(code)::VARCHAR, epoch_us(max(created_at))::VARCHAR, count(DISTINCT ref)::VARCHAR, count(day)::VARCHAR`,
  ],
  narrow: [
    `count(*)::text, sum(id)::text, sum(amount)::text, max(payload), (extract(epoch FROM max(created_at)) * 1000000)::bigint::text`,
    `count(*)::VARCHAR, sum(id)::VARCHAR, sum(amount)::VARCHAR, max(payload), epoch_us(max(created_at))::VARCHAR`,
  ],
}[SHAPE]
const expected = ONLY.has('file') ? (await client.query({ text: `SELECT ${CHECKS[0]} FROM public.${TABLE}`, rowMode: 'array' })).rows[0] : []

async function endToEnd(file) {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-pg-ingest-'))
  const path = join(dir, 'bench.duckdb')
  try {
    const instance = await DuckDBInstance.create(file ? path : ':memory:')
    const conn = await instance.connect()
    await conn.run(`CREATE TABLE t (${columns.map((c) => `"${c.name}" ${duckdbTypeFor(c)}`).join(', ')})`)
    const t0 = performance.now()
    const rows = await inTransaction(async () => {
      const sink = await ChunkSink.open(conn, 'main', 't', columns)
      try {
        return await copyInto(client, select, columns, sink)
      } finally {
        sink.close()
      }
    })
    if (file) await conn.run('CHECKPOINT')
    const ms = performance.now() - t0
    let note = ''
    if (file) {
      const check = (await conn.runAndReadAll(`SELECT ${CHECKS[1]} FROM t`)).getRows()[0].map(String)
      if (JSON.stringify(check) !== JSON.stringify(expected)) fail(`DuckDB checksums ${JSON.stringify(check)} differ from Postgres ${JSON.stringify(expected)}`)
      note = `DuckDB file ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB, checksums match Postgres`
    }
    conn.closeSync()
    instance.closeSync()
    return { rows, ms, note }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const MEASURES = [
  ['psql', 'psql \\copy binary -> /dev/null (Postgres alone)', psqlCopy],
  ['copy', 'pg-copy-streams COPY binary, bytes counted', copyOnly],
  ['decode', 'COPY + decodeBinaryCopy (no append)', decodeOnly],
  ['memory', 'end to end into in-memory DuckDB', () => endToEnd(false)],
  ['file', 'end to end into a DuckDB file', () => endToEnd(true)],
]
const results = []
console.log(`\n## Runs (${RUNS} each)`)
for (const [key, name, fn] of MEASURES) {
  if (!ONLY.has(key)) continue
  const rates = []
  for (let i = 0; i < RUNS; i++) {
    const pgCpu0 = procCpu(backendPid)
    const busy0 = machineBusy()
    const nodeCpu0 = process.cpuUsage()
    const t0 = performance.now()
    const r = await fn()
    const ms = r.ms ?? performance.now() - t0
    const nodeCpu = process.cpuUsage(nodeCpu0)
    const pgCpu = procCpu(backendPid) - pgCpu0
    const busy = machineBusy() - busy0
    if (r.rows !== ROWS) fail(`${name}: ${r.rows} rows, expected ${ROWS}`)
    const rate = (ROWS / ms) * 1000
    rates.push(rate)
    const nodeS = (nodeCpu.user + nodeCpu.system) / 1e6
    // 'others' is everything else on the machine meanwhile: a busy neighbour makes the run meaningless.
    const cpuNote = key === 'psql'
      ? `; CPU: whole machine ${busy.toFixed(1)} s`
      : `; CPU: node ${nodeS.toFixed(1)} s, postgres backend ${pgCpu.toFixed(1)} s, others ${Math.max(0, busy - nodeS - pgCpu).toFixed(1)} s`
    console.log(`  ${name}, run ${i + 1}: ${(ms / 1000).toFixed(2)} s, ${fmt(rate)} rows/s${cpuNote}${r.note ? `; ${r.note}` : ''}`)
  }
  results.push([name, Math.max(...rates), median(rates)])
}

console.log(`\n## Result: ${fmt(ROWS)} rows, ${SHAPE} shape (rows/s; best and median of ${RUNS})\n`)
console.log('| path | best | median |')
console.log('|---|---:|---:|')
for (const [name, best, med] of results) console.log(`| ${name} | ${fmt(best)} | ${fmt(med)} |`)
await client.end()
