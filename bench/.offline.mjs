import pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const D = '/work/main/dist/src/ingest'
const { decodeBinaryCopy } = await import(D + '/postgres/binary-copy.js')
const { duckdbTypeFor, selectExpression } = await import(D + '/postgres/pg-types.js')
const { ChunkSink } = await import(D + '/duckdb/chunk-sink.js')
const T = process.argv[2] ?? 'bench_ingest_1000000'
const modes = (process.argv[3] ?? 'decode,memory,file').split(',')
const client = new pg.Client({ connectionString: process.env.TRIBUTARY_PG_URL }); await client.connect()
const cols = (await client.query(`SELECT a.attname AS name, a.atttypid::int AS oid, a.atttypmod AS typmod, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = 'public.${T}'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)).rows.map(r => ({ name: r.name, typeOid: r.oid, typmod: r.typmod, pgType: r.type, nullable: true }))
const select = `SELECT ${cols.map(selectExpression).join(', ')} FROM public.${T}`
const ddl = cols.map((c) => `"${c.name}" ${duckdbTypeFor(c)}`).join(', ')
const chunks = []
for await (const c of client.query(copyStreams.to(`COPY (${select}) TO STDOUT (FORMAT binary)`))) chunks.push(c)
await client.end()
console.log('captured', chunks.length, 'chunks, avg', Math.round(chunks.reduce((a, c) => a + c.length, 0) / chunks.length), 'bytes')
async function* src() { for (const c of chunks) yield c }
for (let i = 0; i < 10; i++) {
  for (const mode of modes) {
    let sink, inst, conn, dir
    if (mode !== 'decode') {
      dir = mkdtempSync(join(tmpdir(), 'o-'))
      inst = await DuckDBInstance.create(mode.startsWith('file') ? join(dir, 'x.duckdb') : ':memory:')
      conn = await inst.connect()
      if (mode === 'fileunc') await conn.run("SET force_compression='uncompressed'")
      if (mode === 'filenofsst') await conn.run("SET disabled_compression_methods='fsst'")
      await conn.run(`CREATE TABLE t (${ddl})`)
      sink = await ChunkSink.open(conn, 'main', 't', cols)
    }
    const t0 = performance.now()
    const rows = await decodeBinaryCopy(src(), cols, sink ? (b) => sink.append(b) : () => {})
    sink?.close()
    const t1 = performance.now()
    console.log(mode.padEnd(8), rows, ((t1 - t0) / rows * 1000).toFixed(3), 'µs/row', Math.round(rows / (t1 - t0) * 1000), 'rows/s')
    conn?.closeSync(); inst?.closeSync(); if (dir) rmSync(dir, { recursive: true, force: true })
  }
}
