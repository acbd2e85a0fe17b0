import { z } from 'zod'

/**
 * config.yaml, in SQLMesh's YAML shape. Only the keys we understand are accepted; an unknown key
 * is an error that names it (so a typo never silently changes behaviour).
 */
export const DuckDbConnectionSchema = z
  .object({
    type: z.literal('duckdb'),
    /** Database file, relative to the project. Default: `.tributary/warehouse.duckdb`. */
    database: z.string().min(1).optional(),
    /** Max models run at once (SQLMesh's key). Default 4. */
    concurrent_tasks: z.number().int().positive().optional(),
    // Accepted for SQLMesh compatibility; they do not change behaviour here.
    register_comments: z.boolean().optional(),
    pre_ping: z.boolean().optional(),
    pretty_sql: z.boolean().optional(),
    extensions: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
    connector_config: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()

/**
 * Tributary extension of a Trino gateway: the Nessie catalog behind its Iceberg catalogs. With it,
 * runs write on a work branch merged into `main_branch` after their audits pass, dev environments
 * are Nessie branches, and `models promote` moves `consumer_tag`.
 */
export const NessieSettingsSchema = z
  .object({
    /** Nessie REST API v2 base URL, e.g. `http://127.0.0.1:19120/api/v2`. */
    url: z.string().url(),
    /** Bearer token for Nessie (take it from the environment: `{{ env_var('NESSIE_TOKEN') }}`). */
    token: z.string().min(1).optional(),
    main_branch: z.string().min(1).default('main'),
    consumer_tag: z.string().min(1).default('consumer'),
    /** The Trino catalog on `consumer_tag` that consumers read. */
    consumer_catalog: z.string().min(1).default('iceberg_consumer'),
    /**
     * Properties of the Iceberg connector behind `catalog`, except `iceberg.nessie-catalog.ref`:
     * Tributary creates catalogs with them for work branches, dev environments and the consumer
     * tag (Trino's dynamic catalog management, `catalog.management=dynamic`). Trino does not
     * expose catalog properties, so they are repeated here. Values may hold secrets: they are
     * never logged or printed.
     */
    catalog_properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)),
    /** Seconds to wait between dropping and re-creating a catalog so Trino forgets the old one. Default 3. */
    catalog_refresh_wait: z.number().nonnegative().default(3),
  })
  .strict()

/** SQLMesh's `type: trino` connection, plus Tributary's `nessie` block. */
export const TrinoConnectionSchema = z
  .object({
    type: z.literal('trino'),
    host: z.string().min(1),
    /** Default 443 with https, 8080 with http. */
    port: z.number().int().positive().optional(),
    user: z.string().min(1),
    /** The Iceberg catalog models are written to (on Nessie's main branch), e.g. `iceberg`. */
    catalog: z.string().min(1),
    http_scheme: z.enum(['http', 'https']).default('https'),
    /** `basic` (user + password, https only) or `no-auth` (user header only). */
    method: z.enum(['basic', 'no-auth']).default('no-auth'),
    password: z.string().optional(),
    http_headers: z.record(z.string(), z.string()).optional(),
    session_properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    source: z.string().optional(),
    concurrent_tasks: z.number().int().positive().optional(),
    /** Seconds before a single statement is cancelled. Default: no limit. */
    query_timeout: z.number().positive().optional(),
    nessie: NessieSettingsSchema.optional(),
    // Accepted for SQLMesh compatibility; they do not change behaviour here.
    register_comments: z.boolean().optional(),
    pre_ping: z.boolean().optional(),
    pretty_sql: z.boolean().optional(),
    roles: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.method === 'basic' && c.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: "method 'basic' needs a password" })
    }
    if (c.method === 'basic' && c.http_scheme !== 'https') {
      ctx.addIssue({ code: 'custom', path: ['http_scheme'], message: "Trino accepts passwords only over https: set http_scheme: https" })
    }
  })

export const ConnectionSchema = z.discriminatedUnion('type', [DuckDbConnectionSchema, TrinoConnectionSchema])

/** A secret looked up by the secret resolver chain (env var `TRIBUTARY__<GROUP>__<KEY>`, then the secrets file). */
export const SecretRefSchema = z.object({ group: z.string().min(1), key: z.string().min(1) }).strict()

/**
 * SQLMesh's `type: postgres` state connection: the shared state store of a team. Values usually
 * come from the environment (`{{ env_var('DGS_PG_SRV') }}`), so numbers are accepted as strings.
 */
export const PostgresStateConnectionSchema = z
  .object({
    type: z.literal('postgres'),
    host: z.string().min(1),
    port: z.coerce.number().int().positive().max(65535).default(5432),
    database: z.string().min(1),
    user: z.string().min(1),
    /** Prefer `secret` (or `{{ env_var(...) }}`); never printed. */
    password: z.string().optional(),
    /** Tributary extension: the password from the secret resolver instead of `password`. */
    secret: SecretRefSchema.optional(),
    sslmode: z.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']).default('prefer'),
    /** Seconds to wait for a connection. Default 10. */
    connect_timeout: z.coerce.number().positive().default(10),
    application_name: z.string().min(1).default('tributary'),
    // Accepted for SQLMesh compatibility; they do not change behaviour here.
    concurrent_tasks: z.coerce.number().int().positive().optional(),
    keepalives_idle: z.coerce.number().optional(),
    pre_ping: z.boolean().optional(),
    role: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.password !== undefined && c.secret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: "give either 'password' or 'secret', not both" })
    }
  })

export const StateConnectionSchema = z.discriminatedUnion('type', [DuckDbConnectionSchema, PostgresStateConnectionSchema])

export const GatewaySchema = z
  .object({
    connection: ConnectionSchema.optional(),
    /** Where state lives. Absent = the embedded store in `.tributary/`. */
    state_connection: StateConnectionSchema.optional(),
    /** Schema of a Postgres state store (everything lives in it). Default `tributary_state`. */
    state_schema: z.string().min(1).max(63).optional(),
    test_connection: DuckDbConnectionSchema.optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()

export const ModelDefaultsSchema = z
  .object({
    dialect: z.enum(['trino', 'duckdb']).default('trino'),
    start: z.union([z.string(), z.number()]).transform(String).optional(),
    cron: z.string().min(1).default('@daily'),
    owner: z.string().optional(),
    kind: z.string().optional(),
  })
  .strict()

export const ConfigSchema = z
  .object({
    project: z.string().optional(),
    gateways: z.record(z.string(), GatewaySchema).default({}),
    default_gateway: z.string().optional(),
    model_defaults: ModelDefaultsSchema.default({ dialect: 'trino', cron: '@daily' }),
    variables: z.record(z.string(), z.unknown()).default({}),
    /**
     * Tributary extension: dotted name prefixes of tables that exist outside the project
     * (e.g. `bigquery` or `raw`): references under them are not "unknown tables".
     */
    external_catalogs: z.array(z.string().min(1)).default([]),
    /** Tributary extension: what `models promote` requires besides a verified run. */
    promotion: z
      .object({
        /** Run the project's unit tests before moving the tag; a failing test refuses the promotion. */
        require_tests: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema>
export type GatewayConfig = z.infer<typeof GatewaySchema>
export type DuckDbConnection = z.infer<typeof DuckDbConnectionSchema>
export type TrinoConnection = z.infer<typeof TrinoConnectionSchema>
export type NessieSettings = z.infer<typeof NessieSettingsSchema>
export type PostgresStateConnection = z.infer<typeof PostgresStateConnectionSchema>
export type StateConnection = z.infer<typeof StateConnectionSchema>
