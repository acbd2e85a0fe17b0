/**
 * Virtual data environments on DuckDB: an environment is a set of views over the versioned
 * physical tables. Prod views live in the model's own schema (`oso.x`); another environment's views
 * live in `<schema>__<env>` (`oso__dev.x`), so publishing to dev never touches prod.
 */
import { PlanError, ProjectError } from '../../errors.js'
import type { EnvironmentLayer, TableRef } from '../engine-adapter.js'
import type { DuckDbAdapter } from './duckdb-adapter.js'

/** Options of {@link DuckDbEnvironmentLayer}. */
export interface DuckDbEnvironmentOptions {
  /** Name of the production environment, whose views use the bare schema. Default `'prod'`. */
  prodEnv?: string
}

const ENV_NAME = /^[A-Za-z0-9_-]+$/

/**
 * `EnvironmentLayer` implemented with DuckDB views.
 * @example
 * const envs = new DuckDbEnvironmentLayer(adapter)
 * envs.publicName('dev', 'oso.x') // { schema: 'oso__dev', name: 'x' }
 * await envs.publish('dev', [{ model: 'oso.x', physical: { schema: 'tributary__oso', name: 'x__1a2b' } }])
 */
export class DuckDbEnvironmentLayer implements EnvironmentLayer {
  private readonly prodEnv: string

  constructor(
    private readonly adapter: DuckDbAdapter,
    opts: DuckDbEnvironmentOptions = {},
  ) {
    this.prodEnv = opts.prodEnv ?? 'prod'
  }

  /**
   * The name readers of `env` use for `model`: `oso.x` -> `oso.x` in prod, `oso__dev.x` in `dev`;
   * a three-part name keeps its catalog (`cat.oso.x` -> `cat.oso__dev.x`).
   * @throws PlanError('ENV_INVALID') for an env name outside `[A-Za-z0-9_-]+`;
   *   ProjectError('MODEL_INVALID') for a model name that is not `schema.name` or `catalog.schema.name`.
   */
  publicName(env: string, model: string): TableRef {
    if (!ENV_NAME.test(env)) throw new PlanError('ENV_INVALID', `Invalid environment name "${env}"`)
    const parts = model.split('.')
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
      throw new ProjectError('MODEL_INVALID', `Model name "${model}" must be schema.name or catalog.schema.name`)
    }
    const [name, schema, catalog] = parts.reverse() as [string, string, string | undefined]
    const envSchema = env === this.prodEnv ? schema : `${schema}__${env}`
    return catalog === undefined ? { schema: envSchema, name } : { catalog, schema: envSchema, name }
  }

  /**
   * Create the environment's schemas if needed, then in one transaction
   * `CREATE OR REPLACE VIEW <public> AS SELECT * FROM <physical>` for every entry: readers see all
   * the old views or all the new ones.
   */
  async publish(env: string, entries: ReadonlyArray<{ model: string; physical: TableRef }>): Promise<void> {
    if (entries.length === 0) return
    const views = entries.map((e) => ({ view: this.publicName(env, e.model), physical: e.physical }))
    await this.createSchemas(views.map((v) => v.view))
    const statements = views.map(
      ({ view, physical }) =>
        `CREATE OR REPLACE VIEW ${this.adapter.quoteTable(view)} AS SELECT * FROM ${this.adapter.quoteTable(physical)}`,
    )
    await this.adapter.transaction(statements)
  }

  /** Drop the views of `models` in `env` (missing ones are ignored), in one transaction. Schemas stay. */
  async unpublish(env: string, models: readonly string[]): Promise<void> {
    if (models.length === 0) return
    const statements = models.map((m) => `DROP VIEW IF EXISTS ${this.adapter.quoteTable(this.publicName(env, m))}`)
    await this.adapter.transaction(statements)
  }

  /** Drop the environment's views (physical tables stay: other environments may share them). */
  async dropEnvironment(env: string, models: readonly string[]): Promise<void> {
    if (env === this.prodEnv) throw new PlanError('ENV_INVALID', 'prod cannot be dropped')
    await this.unpublish(env, models)
  }

  private async createSchemas(views: readonly TableRef[]): Promise<void> {
    const seen = new Set<string>()
    for (const v of views) {
      const key = JSON.stringify([v.catalog ?? null, v.schema.toLowerCase()])
      if (seen.has(key)) continue
      seen.add(key)
      await this.adapter.createSchema(v.schema, v.catalog)
    }
  }
}
