/**
 * Replication sources: `sources/*.yaml`, one operational database per file, each table a source
 * node of the DAG named `<source name>.<destination table>`.
 *
 * ```yaml
 * name: my_database                 # dataset/schema the tables land in
 * connection:
 *   secret: { group: my_database, key: db_connection_string }   # never the password itself
 * tables:
 *   - table: some_time_series_table
 *     incremental: { cursor: time, initial_value: "2024-01-01", lag: "1 hour" }
 *     primary_key: [id]
 *     write_disposition: merge      # replace | append | merge
 *   - table: some_non_time_series_table        # no cursor: full refresh every sync
 *     destination_table_name: lookup
 * ```
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml'
import { z } from 'zod'
import { describeIssue, lineOf } from '../config/load-config.js'
import { ProjectError } from '../errors.js'
import { externalDefinition } from '../project/external-models.js'
import type { ModelDefinition } from '../project/model.js'

export const SOURCES_DIR = 'sources'

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `1 hour`, `30 minutes`, `2 days` (time cursors) or a number (numeric cursors, in cursor units). */
const LagSchema = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\s*\d+(\.\d+)?\s*(seconds?|minutes?|hours?|days?|weeks?)\s*$/i, "lag must look like '1 hour', '30 minutes', '2 days' or be a number"),
])

export const IncrementalSchema = z.strictObject({
  /** Column whose value only grows (an update time, a serial id). */
  cursor: z.string().min(1),
  /** Where the first sync starts (inclusive); absent = the whole table. */
  initial_value: z.union([z.string(), z.number()]).optional(),
  /** Re-read this much before the last value on every sync, for rows committed late (pair with merge). */
  lag: LagSchema.optional(),
  /** Rows whose cursor is NULL: `fail` (default), `include` (re-read on every sync), `exclude`. */
  on_null: z.enum(['fail', 'include', 'exclude']).default('fail'),
})

export const SourceTableSchema = z.strictObject({
  table: z.string().min(1),
  /** Schema of the table in the source database. Default `public`. */
  schema: z.string().min(1).default('public'),
  destination_table_name: z.string().regex(IDENT, 'destination_table_name must be a plain identifier').optional(),
  incremental: IncrementalSchema.optional(),
  /** Overrides the source's primary key (needed for merge when the table has none). */
  primary_key: z.array(z.string().min(1)).min(1).optional(),
  /** Default: `replace` without a cursor; with a cursor `merge` when there is a primary key, else `append`. */
  write_disposition: z.enum(['replace', 'append', 'merge']).optional(),
})

export const SecretRefSchema = z.strictObject({ group: z.string().min(1), key: z.string().min(1) })

/** Change data capture for every table of the source: a logical replication slot and a publication. */
export const CdcSchema = z.strictObject({
  slot: z.string().regex(/^[a-z0-9_]{1,63}$/, 'cdc.slot must be lower-case letters, digits and _ (a Postgres replication slot name)'),
  publication: z.string().regex(IDENT, 'cdc.publication must be a plain identifier'),
})

export const SourceFileSchema = z.strictObject({
  name: z.string().regex(IDENT, 'name must be a plain identifier (it is the schema the tables land in)'),
  /** Only Postgres today. */
  type: z.literal('postgres').default('postgres'),
  connection: z.strictObject({ secret: SecretRefSchema }),
  cdc: CdcSchema.optional(),
  tables: z.array(SourceTableSchema).min(1),
})

export type SecretRef = z.infer<typeof SecretRefSchema>
export type SourceTable = z.infer<typeof SourceTableSchema> & { line: number }
export type CdcSettings = z.infer<typeof CdcSchema>
export interface SourceDefinition {
  name: string
  type: 'postgres'
  secret: SecretRef
  /** Set: every table is replicated by change data capture (slot + publication). */
  cdc?: CdcSettings
  tables: SourceTable[]
  /** Project-relative file. */
  file: string
  line: number
}

/** Name of a replicated table in the DAG and the warehouse: `my_database.lookup`. */
export function sourceNodeName(source: Pick<SourceDefinition, 'name'>, t: Pick<SourceTable, 'table' | 'destination_table_name'>): string {
  return `${source.name}.${(t.destination_table_name ?? t.table).toLowerCase()}`.toLowerCase()
}

function fail(file: string, line: number | undefined, message: string): never {
  throw new ProjectError('SOURCE_INVALID', message, { location: { file, line } })
}

/** Parse one `sources/*.yaml`. Throws ProjectError('SOURCE_INVALID') naming the file, line and key. */
export function parseSourceFile(text: string, file: string): SourceDefinition {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    fail(file, e.linePos?.[0]?.line, `invalid YAML: ${e.message.split('\n')[0]}`)
  }
  const parsed = SourceFileSchema.safeParse(doc.toJS() ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const { path, message } = describeIssue(issue)
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path
    fail(file, lineOf(doc.contents, at, lines), `${path ? `${path}: ` : ''}${message}`)
  }
  const src = parsed.data
  const tablesNode = isMap(doc.contents) ? (doc.contents.get('tables', true) as YamlNode | undefined) : undefined
  const tableLine = (i: number): number => {
    const n = isSeq(tablesNode) ? (tablesNode.items[i] as YamlNode | undefined) : undefined
    return n?.range ? lines.linePos(n.range[0]).line : 1
  }
  const seen = new Map<string, number>()
  const tables: SourceTable[] = src.tables.map((t, i) => {
    const line = tableLine(i)
    const dest = sourceNodeName(src, t)
    const first = seen.get(dest)
    if (first !== undefined) fail(file, line, `table '${dest}' is replicated twice (first on line ${first}); set destination_table_name`)
    seen.set(dest, line)
    if (!IDENT.test(t.destination_table_name ?? t.table)) {
      fail(file, line, `table '${t.table}' needs a destination_table_name that is a plain identifier`)
    }
    return { ...t, line }
  })
  return { name: src.name, type: src.type, secret: src.connection.secret, ...(src.cdc ? { cdc: src.cdc } : {}), tables, file, line: 1 }
}

/** Every `sources/*.yaml|yml` of a project, sorted by file name; a source name used twice is an error. */
export function loadSources(projectDir: string): SourceDefinition[] {
  const dir = join(projectDir, SOURCES_DIR)
  if (!existsSync(dir)) return []
  const out: SourceDefinition[] = []
  const names = new Map<string, string>()
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const rel = `${SOURCES_DIR}/${f}`
    const s = parseSourceFile(readFileSync(join(dir, f), 'utf8'), rel)
    const prev = names.get(s.name)
    if (prev) fail(rel, 1, `source '${s.name}' is also defined in ${prev}`)
    names.set(s.name, rel)
    out.push(s)
  }
  return out
}

/** Source tables as DAG nodes: external tables (never built by a model) tagged `source`. */
export function sourceModels(sources: readonly SourceDefinition[]): ModelDefinition[] {
  return sources.flatMap((s) =>
    s.tables.map((t) =>
      externalDefinition({
        name: sourceNodeName(s, t),
        file: s.file,
        line: t.line,
        dialect: 'duckdb',
        tags: ['source', `source=${s.name}`],
        grain: t.primary_key ?? [],
        extra: { source: s.name, sourceTable: `${t.schema}.${t.table}` },
        description: `replicated from ${s.type} ${t.schema}.${t.table} (source '${s.name}')`,
      }),
    ),
  )
}

/** Lag in the cursor's unit: milliseconds for time cursors, as is for numbers. */
export function lagAmount(lag: string | number | undefined): number {
  if (lag === undefined) return 0
  if (typeof lag === 'number') return lag
  const m = /^\s*(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?\s*$/i.exec(lag)!
  const unit = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 }[m[2]!.toLowerCase() as 'second']
  return Number(m[1]) * unit
}
