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
import { acquireEnvLock, type EnvLock } from './state/env-lock.js'
import type { StateStore } from './state/state-store.js'
import { WORK_DIR } from './util/paths.js'
import { EngineError } from './errors.js'


export interface ContextOptions {
  projectDir: string
  gateway?: string
}

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
  private readonly locks: EnvLock[] = []

  private constructor(
    readonly project: Project,
    readonly sql: LazySqlService,
  ) {}

  static async create(o: ContextOptions): Promise<Context> {
    const sql = new LazySqlService(createSqlService)
    const project = await loadProject(o.projectDir, { gateway: o.gateway })
    return new Context(project, sql)
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
      const path = this.resolvePath(conn?.database ?? join(WORK_DIR, 'state.duckdb'))
      this.stateStore = await DuckDbStateStore.open(path)
    }
    return this.stateStore
  }

  private resolvePath(p: string): string {
    if (p === ':memory:') return p
    const abs = isAbsolute(p) ? p : resolve(this.project.dir, p)
    mkdirSync(dirname(abs), { recursive: true })
    return abs
  }

  /** Take the write lock of an environment for the rest of this context (released on close). */
  lockEnvironment(env: string, command: string): void {
    this.locks.push(acquireEnvLock(join(this.project.dir, WORK_DIR, 'locks'), env, command))
  }

  async close(): Promise<void> {
    for (const l of this.locks.splice(0)) l.release()
    await this.engineHandle?.engine.close()
    await this.stateStore?.close()
    this.engineHandle = undefined
    this.stateStore = undefined
  }
}
