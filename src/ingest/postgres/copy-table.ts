/**
 * The ingest fast path: `COPY (<select>) TO STDOUT (FORMAT binary)` streamed with pg-copy-streams,
 * decoded into DuckDB-layout column batches, appended chunk by chunk.
 */
import { connect } from 'node:net'
import type { Readable } from 'node:stream'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import type { ChunkSink } from '../duckdb/chunk-sink.js'
import { decodeBinaryCopy } from './binary-copy.js'
import type { PgColumn } from './pg-types.js'

/** Rows per batch: DuckDB's vector size, the most one data chunk holds. */
const BATCH_ROWS = 2048
const PROGRESS_EVERY_MS = 250

/**
 * Stream `COPY (<select>) TO STDOUT (FORMAT binary)` on `client` (already inside the caller's
 * transaction) into `sink`; returns rows. onProgress(rows) at most every 250 ms.
 *
 * `select` must produce `columns` in order, cast as {@link selectExpression} does. When decoding or
 * appending fails, the COPY is cancelled and drained so the client stays usable (its transaction
 * is then aborted), and the original error is rethrown.
 */
export async function copyInto(
  client: pg.ClientBase,
  select: string,
  columns: readonly PgColumn[],
  sink: ChunkSink,
  onProgress?: (rows: number) => void,
): Promise<number> {
  const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`))
  let ended = false
  stream.once('end', () => (ended = true))
  stream.once('error', () => (ended = true))
  // Not destroyed when decoding stops early: a destroyed COPY stream leaves the connection stuck.
  const chunks = stream.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>
  let rows = 0
  let reported = Date.now()
  try {
    return await decodeBinaryCopy({ [Symbol.asyncIterator]: () => chunks }, columns, (batch) => {
      sink.append(batch)
      rows += batch.rowCount
      if (onProgress) {
        const now = Date.now()
        if (now - reported >= PROGRESS_EVERY_MS) {
          reported = now
          onProgress(rows)
        }
      }
    }, BATCH_ROWS)
  } catch (e) {
    if (!ended) await abandonCopy(client, stream)
    throw e
  }
}

/** Ask the server to cancel the running COPY, then read the stream to its end (or its error). */
async function abandonCopy(client: pg.ClientBase, stream: Readable): Promise<void> {
  const drained = new Promise<void>((resolve) => {
    stream.once('end', resolve)
    stream.once('error', () => resolve())
    stream.once('close', resolve)
  })
  stream.on('error', () => undefined)
  stream.resume()
  // The cancel is sent while we drain; a cancel that arrives after the COPY has finished finds the
  // backend idle (waiting for our next command) and is ignored by the server.
  await sendCancelRequest(client)
  await drained
}

/**
 * The protocol's CancelRequest (PostgreSQL docs, "Canceling Requests in Progress"): a new
 * connection sends int32 16, int32 80877102, the backend's pid and secret key. Best effort.
 */
async function sendCancelRequest(client: pg.ClientBase): Promise<void> {
  const c = client as pg.ClientBase & { processID?: number | null; secretKey?: number | null; host?: string; port?: number }
  if (c.processID == null || c.secretKey == null || !c.host) return
  const packet = Buffer.alloc(16)
  packet.writeInt32BE(16, 0)
  packet.writeInt32BE(80877102, 4)
  packet.writeInt32BE(c.processID, 8)
  packet.writeInt32BE(c.secretKey, 12)
  const socket = c.host.startsWith('/') ? connect(`${c.host}/.s.PGSQL.${c.port ?? 5432}`) : connect(c.port ?? 5432, c.host)
  await new Promise<void>((resolve) => {
    socket.setTimeout(5000, () => socket.destroy())
    socket.once('error', () => resolve())
    socket.once('close', () => resolve())
    socket.once('connect', () => socket.end(packet))
  })
}
