import { mkdirSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type { PromotionTarget } from './catalog/promotion-target.js'
import { DuckDbAdapter } from './engines/duckdb/duckdb-adapter.js'
import { DuckDbEnvironmentLayer } from './engines/duckdb/duckdb-environments.js'
import { directSession, type EngineAdapter, type EnvironmentLayer, type WriteSession } from './engines/engine-adapter.js'
import { TrinoGateway } from './engines/trino/trino-gateway.js'
import { loadProject, type Project } from './project/load-project.js'
import { createSqlService } from './sql/polyglot-sql-service.js'
import { LazySqlService } from './sql/lazy-sql-service.js'
import { DuckDbStateStore } from './state/duckdb/duckdb-state-store.js'
import { FileLocks } from './state/env-lock.js'
import { describeHolder, type HeldLock, type StateLocks } from './state/locks.js'
import { PgLocks } from './state/postgres/pg-locks.js'
import type { MigrateOptions } from './state/postgres/pg-schema.js'
import type { PgStateTarget } from './state/postgres/pg-state-connection.js'
import { PostgresStateStore } from './state/postgres/pg-state-store.js'
import type { StateStore } from './state/state-store.js'
import { SecretChain } from './ingest/secrets.js'
import { WORK_DIR } from './util/paths.js'
import { EngineError } from './errors.js'


export interface ContextOptions {
  projectDir: string
  gateway?: string
  /** Wait for locks (and for running commands before a migration) instead of failing. */
  wait?: boolean
  /** Notices for the user (state migrations, waiting for a lock): stderr in the CLI. */
  notice?: (message: string) => void
  /** Secret resolver for the state connection's `secret`. */
  secrets?: SecretChain
}

/** Default schema of a Postgres state store. */
export const DEFAULT_STATE_SCHEMA = 'tributary_state'

/** The warehouse connection of a context. */
export interface EngineHandle {
  /** For reads (queries, audits, describe) and, on DuckDB, writes too. */
  engine: EngineAdapter
  environments: EnvironmentLayer
  /** Start one run's writes (see WriteSession: on Trino a Nessie work branch). */
  beginWrite(runId: string): Promise<WriteSession>
  /** The Trino gateway, when the engine is Trino. */
  trino?: TrinoGateway
}

/**
 * Wires a project to its engine and state once. Engine and state are opened lazily, so commands
 * that only read the project (render, dag, info) never touch the warehouse.
 */
export class Context {
  private engineHandle: EngineHandle | undefined
  private stateStore: StateStore | undefined
  private stateLocks: StateLocks | undefined
  private readonly held: HeldLock[] = []

  private constructor(
    readonly project: Project,
    readonly sql: LazySqlService,
    private readonly options: ContextOptions,
  ) {}

  static async create(o: ContextOptions): Promise<Context> {
    const sql = new LazySqlService(createSqlService)
    const project = await loadProject(o.projectDir, { gateway: o.gateway })
    return new Context(project, sql, o)
  }

  /** Max models run at once, from the gateway's `concurrent_tasks` (default 4). */
  get concurrency(): number {
    return this.project.config.gateway.connection?.concurrent_tasks ?? 4
  }

  async engine(): Promise<EngineHandle> {
    if (!this.engineHandle) {
      const conn = this.project.config.gateway.connection
      if (conn?.type === 'trino') {
        const trino = new TrinoGateway(conn)
        this.engineHandle = { engine: trino.engine, environments: trino.environments, beginWrite: (id) => trino.beginWrite(id), trino }
        return this.engineHandle
      }
      const path = this.resolvePath(conn?.database ?? join(WORK_DIR, 'warehouse.duckdb'))
      await this.sql.ready()
      const engine = await DuckDbAdapter.open({ path, prelude: this.sql.duckdbPrelude(), connections: this.concurrency })
      const environments = new DuckDbEnvironmentLayer(engine)
      this.engineHandle = { engine, environments, beginWrite: async () => directSession(engine, environments) }
    }
    return this.engineHandle
  }

  /**
   * The versioned catalog promotions move tags in (a Trino gateway with Nessie settings). Throws
   * a clear error on gateways without one (DuckDB).
   */
  async promotionTarget(): Promise<PromotionTarget> {
    const { trino } = await this.engine()
    if (trino) return trino.promotionTarget()
    throw new EngineError(
      'CONFIG_INVALID',
      `gateway '${this.project.config.gatewayName}' has no versioned catalog: promote needs a 'type: trino' connection with 'nessie' settings (see docs/lakehouse.md)`,
    )
  }

  async state(): Promise<StateStore> {
    if (!this.stateStore) {
      const conn = this.project.config.gateway.state_connection
      if (conn?.type === 'postgres') this.stateStore = await PostgresStateStore.open(await this.postgresTarget(), this.migrateOptions())
      else this.stateStore = await DuckDbStateStore.open(this.resolvePath(conn?.database ?? join(WORK_DIR, 'state.duckdb')))
    }
    return this.stateStore
  }

  /** How opening a Postgres store migrates (`models state migrate` passes a target version in tests). */
  migrateOptions(extra: Partial<MigrateOptions> = {}): MigrateOptions {
    return { log: this.options.notice, wait: this.options.wait, ...extra }
  }

  /** The Postgres state connection, password resolved (config value or `secret`). */
  async postgresTarget(): Promise<PgStateTarget> {
    const conn = this.project.config.gateway.state_connection
    if (conn?.type !== 'postgres') throw new EngineError('CONFIG_INVALID', `gateway '${this.project.config.gatewayName}' has no postgres state_connection`)
    const secrets = this.options.secrets ?? new SecretChain()
    const password = conn.secret ? await secrets.resolve(conn.secret) : conn.password
    return {
      host: conn.host,
      port: conn.port,
      database: conn.database,
      user: conn.user,
      ...(password === undefined ? {} : { password }),
      sslmode: conn.sslmode,
      connectTimeout: conn.connect_timeout,
      applicationName: conn.application_name,
      schema: this.project.config.gateway.state_schema ?? DEFAULT_STATE_SCHEMA,
    }
  }

  /** Where this project's locks live: beside the state store. */
  async locks(): Promise<StateLocks> {
    if (!this.stateLocks) {
      const store = await this.state()
      this.stateLocks = store instanceof PostgresStateStore
          ? new PgLocks(store.target, store.connection, (names) =>
              this.options.notice?.(`warning: the connection to the state store holding the lock of ${names.map((n) => `'${n}'`).join(', ')} was lost; the lock is released and another process may take it while this one finishes`),
            )
          : this.fileLocks()
    }
    return this.stateLocks
  }

  private resolvePath(p: string): string {
    if (p === ':memory:') return p
    const abs = isAbsolute(p) ? p : resolve(this.project.dir, p)
    mkdirSync(dirname(abs), { recursive: true })
    return abs
  }

  private fileLocks(): FileLocks {
    return new FileLocks(join(this.project.dir, WORK_DIR, 'locks'))
  }

  /**
   * Take the write lock of an environment for the rest of this context (released on close):
   * fails at once naming the holder, or waits with the `wait` option. Embedded store: the lock
   * file is taken before the state file is opened (which only one process can have open).
   */
  async lockEnvironment(env: string, command: string): Promise<void> {
    const locks = this.project.config.gateway.state_connection?.type === 'postgres' ? await this.locks() : (this.stateLocks ??= this.fileLocks())
    const notice = this.options.notice
    this.held.push(await locks.acquire(env, command, { wait: this.options.wait, onWait: (h) => notice?.(`waiting for the lock of '${env}', held by ${describeHolder(h)}`) }))
  }

  /** Close engine and state first, then release the locks (a waiting process may open them next). */
  async close(): Promise<void> {
    try {
      await this.engineHandle?.engine.close()
      await this.stateStore?.close()
    } finally {
      this.engineHandle = undefined
      this.stateStore = undefined
      for (const l of this.held.splice(0).reverse()) await l.release()
      await this.stateLocks?.close()
      this.stateLocks = undefined
    }
  }
}
