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

export const ConnectionSchema = z.discriminatedUnion('type', [DuckDbConnectionSchema])

export const GatewaySchema = z
  .object({
    connection: ConnectionSchema.optional(),
    /** Where state lives. Absent = the embedded store in `.tributary/`. */
    state_connection: DuckDbConnectionSchema.optional(),
    state_schema: z.string().min(1).optional(),
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
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema>
export type GatewayConfig = z.infer<typeof GatewaySchema>
export type DuckDbConnection = z.infer<typeof DuckDbConnectionSchema>
