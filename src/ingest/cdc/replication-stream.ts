/**
 * A Postgres logical replication connection (`replication: 'database'`) over `pg`: create a slot
 * with an exported snapshot, then stream pgoutput changes from it and acknowledge them.
 *
 * The acknowledgement rule: every standby status update reports as written, flushed and applied
 * the LSN the caller passed to {@link ReplicationClient.ack} (the end LSN of a transaction that is
 * durable downstream) and nothing else; never a position that was merely received, and never a
 * keepalive's WAL end. So the slot's `confirmed_flush_lsn` only moves to acknowledged positions,
 * and after a crash the server resends everything after it. (pg-logical-replication's timer
 * reports the last *received* LSN, which loses data; ingest-and-cdc.md §4.4.)
 *
 * CopyBoth with pg 8.23: the server's CopyBothResponse is parsed as a `replicationStart` event on
 * `client.connection`, and every CopyData message reaches the active query's `handleCopyData`. A
 * small Submittable ({@link CopyBothQuery}) is the active query for START_REPLICATION; replies
 * are CopyData frames written to `connection.stream`. pg reuses its read buffer, so every chunk
 * is copied before it is queued.
 */
import pg from 'pg'
import { EngineError } from '../../errors.js'
import { decodePgoutput, decodeReplicationFrame, encodeStandbyStatus, lsnToString, parseLsn, type Lsn, type PgoutputMessage, type ReplicationFrame } from './pgoutput.js'
import { quoteIdent } from '../../sql/quote.js'

export { lsnToString, parseLsn, type Lsn } from './pgoutput.js'

/** Why a replication command or stream failed. */
export type ReplicationFailure =
  | 'SLOT_IN_USE' // 55006: another connection streams from the slot
  | 'SLOT_NOT_FOUND' // 42704
  | 'SLOT_EXISTS' // 42710
  | 'PUBLICATION_NOT_FOUND' // 42704 naming a publication (reported once streaming reaches a change)
  | 'CONNECTION_LOST' // socket closed or reset, server shut down or terminated the walsender (08xxx, 57Pxx)
  | 'SERVER_ERROR' // any other ErrorResponse; see `sqlState`
  | 'PROTOCOL' // a frame or pgoutput message we cannot decode
  | 'HANDLER_FAILED' // a handler threw; `cause` holds its error
  | 'INVALID_ARGUMENT'
  | 'INVALID_STATE'

/** A replication failure; `code` is always 'INGEST_FAILED', `reason` the finer cause. */
export class ReplicationError extends EngineError {
  readonly reason: ReplicationFailure
  /** The server's SQLSTATE, when the server reported the error. */
  readonly sqlState: string | undefined
  /** The replication command that failed, when one did. */
  readonly command: string | undefined
  constructor(reason: ReplicationFailure, message: string, opts: { sqlState?: string; command?: string; cause?: unknown } = {}) {
    super('INGEST_FAILED', message, { cause: opts.cause })
    this.reason = reason
    this.sqlState = opts.sqlState
    this.command = opts.command
  }
}

export interface ReplicationClientOptions {
  /** A `postgresql://` URL or a pg config; `replication: 'database'` is added. */
  connection: string | pg.ClientConfig
  /** How often to report the acknowledged LSN while streaming, so the server can release WAL. Must stay well below `wal_sender_timeout` (60 s). Default: 10_000. */
  statusIntervalMs?: number
  /** Received bytes queued for the handlers before the socket is paused. Default: 8 MiB. */
  maxBufferedBytes?: number
  /** How long {@link ReplicationClient.stop} waits for the server to end the stream before dropping the connection. Default: 10_000. */
  stopTimeoutMs?: number
}

/** The slot created by {@link ReplicationClient.createSlotWithSnapshot}. */
export interface SlotSnapshot {
  slotName: string
  /** Stream from here: the first change not visible in the snapshot. */
  consistentPoint: Lsn
  /** For `SET TRANSACTION SNAPSHOT '<name>'` in a REPEATABLE READ transaction; valid until the next command on this connection. */
  snapshotName: string
  outputPlugin: string
}

/** Where an XLogData message sat in the WAL stream. */
export interface MessageContext {
  walStart: Lsn
  walEnd: Lsn
  serverTime: Date
}

export interface Keepalive {
  /** The server's end of WAL. Not safe to acknowledge while a transaction is open (it may lie inside the next one). */
  walEnd: Lsn
  serverTime: Date
  replyRequested: boolean
}

/** Called one at a time, in stream order; a returned promise is awaited before the next message (back-pressure). */
export interface ReplicationHandlers {
  onMessage(message: PgoutputMessage, context: MessageContext): void | Promise<void>
  /** Keepalives in stream order (after every message received before them). Replies are sent without waiting for this. */
  onKeepalive?(keepalive: Keepalive): void | Promise<void>
}

export interface StartOptions {
  /** Ask for `pg_logical_emit_message` output ('M'; PG 14+). Default: true. */
  messages?: boolean
}

type State = 'new' | 'idle' | 'holdingSnapshot' | 'starting' | 'streaming' | 'stopping' | 'failed' | 'closed'

const SLOT_NAME = /^[a-z0-9_]{1,63}$/
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4])
const KEEPALIVE = 0x6b

/**
 * One replication connection. Typical use:
 *
 * ```ts
 * const repl = new ReplicationClient({ connection: url })
 * const slot = await repl.createSlotWithSnapshot('tributary_orders')
 * // other connections: BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '<slot.snapshotName>'; copy …
 * await repl.start(slot.slotName, 'tributary_pub', slot.consistentPoint, { onMessage })
 * // after a transaction is durable downstream: repl.ack(commit.endLsn)
 * await repl.stop()
 * ```
 */
export class ReplicationClient {
  private readonly client: pg.Client
  private readonly statusIntervalMs: number
  private readonly maxBufferedBytes: number
  private readonly stopTimeoutMs: number
  private state: State = 'new'
  private acked = 0n
  private received = 0n
  private handlers: ReplicationHandlers | undefined
  /** Frames waiting for the handlers; `queueHead` is the next one (Array.shift is O(n): quadratic under load). */
  private queue: Buffer[] = []
  private queueHead = 0
  private queuedBytes = 0
  private paused = false
  private draining = false
  private timer: NodeJS.Timeout | undefined
  private ended = deferred()
  private streamDone: (() => void) | undefined

  constructor(options: ReplicationClientOptions) {
    const base: pg.ClientConfig = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection
    const config: pg.ClientConfig & { replication: 'database' } = { application_name: 'tributary-cdc', ...base, replication: 'database' }
    this.client = new pg.Client(config)
    // A dropped socket is reported through the active query (or the next command); keep 'error' from crashing the process.
    this.client.on('error', () => undefined)
    this.statusIntervalMs = options.statusIntervalMs ?? 10_000
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000
  }

  /** The highest LSN passed to {@link ack}; 0n before the first. */
  get acknowledgedLsn(): Lsn {
    return this.acked
  }

  /** The highest LSN delivered so far (the start LSN, then XLogData starts and Commit end LSNs). */
  get receivedLsn(): Lsn {
    return this.received
  }

  /** Open the connection. The other methods call this when needed. */
  async connect(): Promise<void> {
    if (this.state !== 'new') return
    try {
      await this.client.connect()
    } catch (e) {
      this.state = 'failed'
      throw toReplicationError(e, 'connect')
    }
    this.state = 'idle'
  }

  /** `IDENTIFY_SYSTEM`: the cluster's system id, timeline, current WAL position and database. */
  async identifySystem(): Promise<{ systemId: string; timeline: number; xlogPos: Lsn; dbName: string | null }> {
    const row = (await this.command('IDENTIFY_SYSTEM'))[0] as { systemid: string; timeline: number; xlogpos: string; dbname: string | null }
    return { systemId: row.systemid, timeline: Number(row.timeline), xlogPos: parseLsn(row.xlogpos), dbName: row.dbname }
  }

  /**
   * `CREATE_REPLICATION_SLOT "<slot>" LOGICAL pgoutput (SNAPSHOT 'export')` (PG 15+ syntax). The
   * exported snapshot lives only until the next command on this connection: keep it idle until
   * every reader has run `SET TRANSACTION SNAPSHOT`, then call {@link release} or {@link start}.
   * An existing slot fails with reason 'SLOT_EXISTS' (42710).
   */
  async createSlotWithSnapshot(slot: string): Promise<SlotSnapshot> {
    const row = (await this.command(`CREATE_REPLICATION_SLOT ${slotIdent(slot)} LOGICAL pgoutput (SNAPSHOT 'export')`))[0] as Record<string, string>
    this.state = 'holdingSnapshot'
    return { slotName: row['slot_name']!, consistentPoint: parseLsn(row['consistent_point']!), snapshotName: row['snapshot_name']!, outputPlugin: row['output_plugin']! }
  }

  /** Free the exported snapshot (runs `IDENTIFY_SYSTEM`); the connection stays open. No-op without one. */
  async release(): Promise<void> {
    if (this.state === 'holdingSnapshot') await this.command('IDENTIFY_SYSTEM', true)
  }

  /** `DROP_REPLICATION_SLOT "<slot>" [WAIT]`: WAIT blocks while another connection uses the slot instead of failing with 55006. */
  async dropSlot(slot: string, opts: { wait?: boolean } = {}): Promise<void> {
    await this.command(`DROP_REPLICATION_SLOT ${slotIdent(slot)}${opts.wait ? ' WAIT' : ''}`)
  }

  /**
   * `START_REPLICATION SLOT "<slot>" LOGICAL <fromLsn> (proto_version '1', publication_names '…', messages 'true')`.
   * Resolves once the server streams; rejects with 'SLOT_IN_USE' (55006), 'SLOT_NOT_FOUND' (42704), ….
   * `fromLsn` 0n means the slot's `confirmed_flush_lsn`. Later failures reject {@link wait}.
   */
  async start(slot: string, publication: string | readonly string[], fromLsn: Lsn, handlers: ReplicationHandlers, opts: StartOptions = {}): Promise<void> {
    const options = [`proto_version '1'`, `publication_names ${literal(publicationList(publication))}`]
    if (opts.messages ?? true) options.push(`messages 'true'`)
    const sql = `START_REPLICATION SLOT ${slotIdent(slot)} LOGICAL ${lsnArg(fromLsn)} (${options.join(', ')})`
    await this.connect()
    if (this.state !== 'idle' && this.state !== 'holdingSnapshot') throw stateError('start', this.state)
    this.state = 'starting'
    this.handlers = handlers
    this.received = fromLsn
    this.acked = 0n
    this.ended = deferred()
    const connection = this.client.connection
    await new Promise<void>((resolve, reject) => {
      let started = false
      const onCopyDone = (): void => this.onServerCopyDone()
      const onStart = (): void => {
        started = true
        this.state = 'streaming'
        this.timer = setInterval(() => this.sendStatus(), this.statusIntervalMs)
        this.timer.unref()
        resolve()
      }
      connection.once('replicationStart', onStart)
      connection.once('copyDone', onCopyDone)
      const query = new CopyBothQuery(sql, {
        data: (chunk) => this.onCopyData(chunk),
        error: (e) => {
          const err = toReplicationError(e, sql)
          if (started) return this.fail(err)
          connection.removeListener('replicationStart', onStart)
          connection.removeListener('copyDone', onCopyDone)
          if (this.state === 'starting') this.state = err.reason === 'CONNECTION_LOST' ? 'failed' : 'idle'
          this.ended.reject(err)
          reject(err)
        },
        done: () => this.onStreamDone(),
      })
      this.client.query(query)
    })
  }

  /**
   * Record `lsn` (normally a Commit's `endLsn`) as durable downstream. It is reported with the next
   * status update: a keepalive reply, the periodic update, {@link sendStatus} or {@link stop}.
   * Lower values than an earlier ack are ignored; a value beyond {@link receivedLsn} is refused.
   */
  ack(lsn: Lsn): void {
    lsnArg(lsn) // validates
    if (lsn > this.received) {
      throw new ReplicationError('INVALID_ARGUMENT', `cannot acknowledge ${lsnToString(lsn)}: nothing has been received beyond ${lsnToString(this.received)}`)
    }
    if (lsn > this.acked) this.acked = lsn
  }

  /** Send a standby status update with the acknowledged LSN now (no-op unless streaming). */
  sendStatus(opts: { replyRequested?: boolean } = {}): void {
    if (this.state === 'streaming') this.writeStatus(opts.replyRequested ?? false)
  }

  /** Settles when the stream started last ends: resolves after {@link stop}, rejects with a {@link ReplicationError} (also when START_REPLICATION itself failed). */
  wait(): Promise<void> {
    return this.ended.promise
  }

  /**
   * End cleanly: drop undelivered messages (they were never acknowledged, so the server resends
   * them), report the acknowledged LSN, send CopyDone, wait for the server to finish the command,
   * and close the connection. Safe in every state and from inside a handler.
   */
  async stop(): Promise<void> {
    const state = this.state
    if (state === 'streaming') {
      this.state = 'stopping'
      this.clearQueue()
      this.writeStatus(false)
      const done = new Promise<void>((resolve) => (this.streamDone = resolve))
      this.write(COPY_DONE)
      let timeout: NodeJS.Timeout | undefined
      await Promise.race([done, new Promise<void>((resolve) => (timeout = setTimeout(resolve, this.stopTimeoutMs)))])
      clearTimeout(timeout)
      this.ended.resolve()
    } else if (state === 'stopping') {
      await this.ended.promise.catch(() => undefined)
      return
    } else if (state === 'starting') {
      this.fail(new ReplicationError('INVALID_STATE', 'stopped while START_REPLICATION was pending'))
    }
    this.state = 'closed'
    await this.client.end().catch(() => undefined)
  }

  /** Close the connection (same as {@link stop}). */
  close(): Promise<void> {
    return this.stop()
  }

  // ------------------------------------------------------------------------------------------ internals

  private async command(sql: string, releasing = false): Promise<unknown[]> {
    await this.connect()
    if (this.state === 'holdingSnapshot' && !releasing) {
      throw new ReplicationError('INVALID_STATE', `'${sql}' would invalidate the exported snapshot; call release() first`, { command: sql })
    }
    if (this.state !== 'idle' && this.state !== 'holdingSnapshot') throw stateError(sql, this.state)
    try {
      const res = await this.client.query(sql)
      this.state = 'idle'
      return res.rows
    } catch (e) {
      const err = toReplicationError(e, sql)
      this.state = err.reason === 'CONNECTION_LOST' ? 'failed' : 'idle'
      throw err
    }
  }

  private onCopyData(chunk: Buffer): void {
    if (this.state !== 'streaming') return
    // pg's parser hands out views into a buffer it reuses: copy before queueing.
    const frame = Buffer.from(chunk)
    if (frame[0] === KEEPALIVE) {
      let keepalive: ReplicationFrame
      try {
        keepalive = decodeReplicationFrame(frame)
      } catch (e) {
        return this.fail(new ReplicationError('PROTOCOL', `bad keepalive: ${(e as Error).message}`, { cause: e }))
      }
      // Answer at once, whatever the handlers are doing, with the acknowledged LSN only.
      if (keepalive.kind === 'keepalive' && keepalive.replyRequested) this.writeStatus(false)
      if (!this.handlers?.onKeepalive) return
    }
    this.queue.push(frame)
    this.queuedBytes += frame.length
    if (this.queuedBytes > this.maxBufferedBytes && !this.paused) {
      // Back-pressure: stop reading the socket; the periodic status update keeps the walsender from timing out.
      this.paused = true
      this.client.connection.stream.pause()
    }
    if (!this.draining) void this.drain()
  }

  private async drain(): Promise<void> {
    this.draining = true
    try {
      for (let frame = this.nextFrame(); frame && this.state === 'streaming'; frame = this.nextFrame()) {
        this.queuedBytes -= frame.length
        if (this.paused && this.queuedBytes <= this.maxBufferedBytes / 2) this.resume()
        await this.dispatch(frame)
      }
    } catch (e) {
      this.fail(e as ReplicationError)
    } finally {
      this.draining = false
    }
  }

  private nextFrame(): Buffer | undefined {
    if (this.queueHead >= this.queue.length) {
      this.queue = []
      this.queueHead = 0
      return undefined
    }
    const frame = this.queue[this.queueHead]!
    this.queue[this.queueHead++] = undefined as unknown as Buffer
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead)
      this.queueHead = 0
    }
    return frame
  }

  private async dispatch(frame: Buffer): Promise<void> {
    const handlers = this.handlers!
    let message: PgoutputMessage
    let context: MessageContext
    try {
      const f = decodeReplicationFrame(frame)
      if (f.kind === 'keepalive') return await call(() => handlers.onKeepalive?.({ walEnd: f.walEnd, serverTime: f.serverTime, replyRequested: f.replyRequested }))
      message = decodePgoutput(f.payload)
      context = { walStart: f.walStart, walEnd: f.walEnd, serverTime: f.serverTime }
    } catch (e) {
      if (e instanceof ReplicationError) throw e
      throw new ReplicationError('PROTOCOL', `cannot decode the replication stream: ${(e as Error).message}`, { cause: e })
    }
    if (context.walStart > this.received) this.received = context.walStart
    if (message.kind === 'commit' && message.endLsn > this.received) this.received = message.endLsn
    await call(() => handlers.onMessage(message, context))
  }

  private onServerCopyDone(): void {
    // The server ends the stream (shutdown, or the answer to our CopyDone): finish the COPY from our side too.
    if (this.state === 'streaming') {
      this.write(COPY_DONE)
      this.fail(new ReplicationError('CONNECTION_LOST', 'the server ended the replication stream'))
    }
  }

  private onStreamDone(): void {
    this.streamDone?.()
    this.streamDone = undefined
    if (this.state === 'streaming') this.fail(new ReplicationError('CONNECTION_LOST', 'the server ended the replication stream'))
  }

  private fail(err: ReplicationError): void {
    if (this.state === 'stopping') return this.streamDone?.()
    if (this.state === 'failed' || this.state === 'closed') return
    this.state = 'failed'
    this.clearQueue()
    this.ended.reject(err)
    void this.client.end().catch(() => undefined)
  }

  private clearQueue(): void {
    clearInterval(this.timer)
    this.queue = []
    this.queueHead = 0
    this.queuedBytes = 0
    if (this.paused) this.resume()
  }

  private resume(): void {
    this.paused = false
    this.client.connection.stream.resume()
  }

  private writeStatus(replyRequested: boolean): void {
    const a = this.acked
    const payload = encodeStandbyStatus({ written: a, flushed: a, applied: a, replyRequested })
    const frame = Buffer.alloc(5 + payload.length)
    frame.write('d', 0, 'latin1')
    frame.writeUInt32BE(4 + payload.length, 1)
    payload.copy(frame, 5)
    this.write(frame)
  }

  private write(buf: Buffer): void {
    const stream = this.client.connection.stream
    if (stream.writable) stream.write(buf)
  }
}

/** The active query for START_REPLICATION: pg routes the CopyBoth traffic here. */
class CopyBothQuery implements pg.Submittable {
  constructor(
    readonly text: string,
    private readonly sink: { data(chunk: Buffer): void; error(e: unknown): void; done(): void },
  ) {}
  submit(connection: pg.Connection): void {
    connection.query(this.text)
  }
  handleCopyData(msg: { chunk: Buffer }): void {
    this.sink.data(msg.chunk)
  }
  handleError(e: unknown): void {
    this.sink.error(e)
  }
  handleReadyForQuery(): void {
    this.sink.done()
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
}

async function call(fn: () => void | Promise<void>): Promise<void> {
  try {
    const r = fn()
    if (r) await r
  } catch (e) {
    throw new ReplicationError('HANDLER_FAILED', `replication handler failed: ${(e as Error)?.message ?? String(e)}`, { cause: e })
  }
}

function toReplicationError(e: unknown, command: string): ReplicationError {
  if (e instanceof ReplicationError) return e
  const message = (e as Error)?.message ?? String(e)
  if (e instanceof pg.DatabaseError && e.code) {
    const sqlState = e.code
    const opts = { sqlState, command, cause: e }
    if (sqlState === '55006') return new ReplicationError('SLOT_IN_USE', `${message} (${command})`, opts)
    if (sqlState === '42710') return new ReplicationError('SLOT_EXISTS', `${message} (${command})`, opts)
    if (sqlState === '42704') return new ReplicationError(/publication/i.test(message) ? 'PUBLICATION_NOT_FOUND' : 'SLOT_NOT_FOUND', `${message} (${command})`, opts)
    if (sqlState.startsWith('08') || sqlState.startsWith('57P')) return new ReplicationError('CONNECTION_LOST', `${message} (${command})`, opts)
    return new ReplicationError('SERVER_ERROR', `${message} (${command})`, opts)
  }
  // Anything else comes from the socket or from pg itself ("Connection terminated unexpectedly", ECONNRESET, …).
  return new ReplicationError('CONNECTION_LOST', `replication connection lost: ${message} (${command})`, { command, cause: e })
}

function stateError(what: string, state: State): ReplicationError {
  return new ReplicationError('INVALID_STATE', `cannot run '${what}' while the replication connection is ${state}`)
}

/** Slot names are `[a-z0-9_]{1,63}` (Postgres refuses others); quoted so a leading digit parses. */
function slotIdent(slot: string): string {
  if (typeof slot !== 'string' || !SLOT_NAME.test(slot)) {
    throw new ReplicationError('INVALID_ARGUMENT', `invalid replication slot name '${String(slot)}': use 1-63 lower-case letters, digits and underscores`)
  }
  return `"${slot}"`
}

/** The `publication_names` value: a comma-separated list of double-quoted identifiers (pgoutput splits it like SplitIdentifierString). */
function publicationList(publication: string | readonly string[]): string {
  const names = typeof publication === 'string' ? [publication] : [...publication]
  if (names.length === 0) throw new ReplicationError('INVALID_ARGUMENT', 'at least one publication name is required')
  for (const n of names) {
    if (typeof n !== 'string' || n.length === 0 || n.includes('\0') || Buffer.byteLength(n) > 63) {
      throw new ReplicationError('INVALID_ARGUMENT', `invalid publication name '${String(n)}': 1-63 bytes, no NUL`)
    }
  }
  return names.map(quoteIdent).join(',')
}

/** A replication-grammar string literal: single quotes, doubled inside (no backslash escapes). */
function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

function lsnArg(lsn: Lsn): string {
  try {
    return lsnToString(lsn)
  } catch (e) {
    throw new ReplicationError('INVALID_ARGUMENT', (e as Error).message, { cause: e })
  }
}

interface Deferred {
  promise: Promise<void>
  resolve(): void
  reject(e: unknown): void
}

/** A promise settled from outside; a rejection nobody awaits is not an unhandled rejection. */
function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (e: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}
