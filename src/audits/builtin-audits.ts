/**
 * SQLMesh's built-in audits, with its names, parameters and pass/fail semantics, each also as a
 * `<name>_non_blocking` twin. Each builds its SQL from the call's arguments by parameter kind (a
 * column list becomes one predicate per column), reading the rows to check from a table text the
 * renderer supplies (already restricted by the batch window and the call's `condition`).
 */
import type { Dialect } from '../sql/dialect.js'
import type { AuditDefinition } from './audit.js'
import { allOf, anyOf, badRows, BuiltinArgs, outOfRange, partitionClause, regexpMatches } from './builtin-sql.js'

/** One built-in, before its `_non_blocking` twin is derived. */
interface BuiltinSpec {
  name: string
  required: string[]
  /** Optional parameters and their default SQL text (`undefined` = no default). */
  optional?: Record<string, string | undefined>
  build(a: BuiltinArgs, t: string, d: Dialect): string
}

const UUID_PATTERN = "'^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
const EMAIL_PATTERN = "'^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\\.[a-zA-Z0-9-.]+$'"
const URL_PATTERN = "'^(https?|ftp)://[^\\s/$.?#].[^\\s]*$'"
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT']
const RANGE = { min_v: undefined, max_v: undefined, inclusive: 'true' }

/** Bad rows: `column` is outside the range (row-level). */
function rangeOnRows(expr: (c: string) => string): BuiltinSpec['build'] {
  return (a, t) => badRows(t, outOfRange(expr(a.column('column')), a))
}

/** One row when the aggregate `agg(column)` is outside the range. */
function rangeOnAggregate(agg: string, alias: string): BuiltinSpec['build'] {
  return (a, t) => {
    const c = a.column('column')
    return `SELECT * FROM (SELECT ${agg}(${c}) AS ${alias} FROM ${t}) AS s WHERE ${outOfRange(alias, a)}`
  }
}

const SPECS: BuiltinSpec[] = [
  {
    name: 'not_null',
    required: ['columns'],
    build: (a, t) => badRows(t, anyOf(a.columns('columns'), (c) => `${c} IS NULL`)),
  },
  {
    name: 'unique_values',
    required: ['columns'],
    // Every row after the first of each value, per column (NULLs count as one value, as in SQLMesh).
    build: (a, t) => {
      const cols = a.columns('columns')
      const ranks = cols.map((c, i) => `row_number() OVER (PARTITION BY ${c} ORDER BY ${c}) AS audit_rank_${i}`)
      const dup = anyOf(cols.map((_, i) => String(i)), (i) => `audit_rank_${i} > 1`)
      return `SELECT * FROM (SELECT *, ${ranks.join(', ')} FROM ${t}) AS r WHERE ${dup}`
    },
  },
  {
    name: 'unique_combination_of_columns',
    required: ['columns'],
    // One row per duplicated combination, with how often it occurs.
    build: (a, t) => {
      const cols = a.columns('columns').join(', ')
      return `SELECT ${cols}, count(*) AS duplicate_count FROM ${t} GROUP BY ${cols} HAVING count(*) > 1`
    },
  },
  {
    name: 'accepted_values',
    required: ['column', 'is_in'],
    build: (a, t) => badRows(t, `${a.column('column')} NOT IN (${a.list('is_in').join(', ')})`),
  },
  {
    name: 'not_accepted_values',
    required: ['column', 'is_in'],
    build: (a, t) => badRows(t, `${a.column('column')} IN (${a.list('is_in').join(', ')})`),
  },
  { name: 'accepted_range', required: ['column'], optional: RANGE, build: rangeOnRows((c) => c) },
  {
    name: 'number_of_rows',
    required: ['threshold'],
    // Fails when there are at most `threshold` rows. A literal threshold lets the scan stop early.
    build: (a, t) => {
      const threshold = a.expr('threshold')
      const limit = /^\d+$/.test(threshold) ? ` LIMIT ${BigInt(threshold) + 1n}` : ''
      return `SELECT count(*) AS row_count FROM (SELECT 1 AS one FROM ${t}${limit}) AS s HAVING count(*) <= ${threshold}`
    },
  },
  {
    name: 'at_least_one',
    required: ['column'],
    // As in SQLMesh, no rows at all passes; rows that are all NULL fail.
    build: (a, t) => {
      const c = a.column('column')
      return `SELECT count(*) AS row_count FROM ${t} HAVING count(*) > 0 AND count(${c}) = 0`
    },
  },
  {
    name: 'not_constant',
    required: ['column'],
    build: (a, t) => {
      const c = a.column('column')
      return `SELECT count(DISTINCT ${c}) AS distinct_count FROM ${t} HAVING count(DISTINCT ${c}) <= 1`
    },
  },
  { name: 'not_empty_string', required: ['column'], build: (a, t) => badRows(t, `${a.column('column')} = ''`) },
  {
    name: 'forall',
    required: ['criteria'],
    build: (a, t) => badRows(t, a.list('criteria').map((c) => `NOT (${c})`).join(' OR ')),
  },
  {
    name: 'sequential_values',
    required: ['column'],
    optional: { interval: '1' },
    build: (a, t) => {
      const c = a.column('column')
      const inner = `SELECT ${c} AS audit_value, lag(${c}) OVER (ORDER BY ${c}) AS previous_value FROM ${t}`
      return `SELECT * FROM (${inner}) AS w WHERE NOT (audit_value = previous_value + ${a.expr('interval')})`
    },
  },
  {
    name: 'not_null_proportion',
    required: ['column', 'threshold'],
    // SQLMesh's behaviour: fails when the share of non-NULL values is at most `threshold`.
    build: (a, t) => {
      const c = a.column('column')
      const inner = `SELECT count(*) AS total_count, count(${c}) AS not_null_count FROM ${t}`
      return `SELECT * FROM (${inner}) AS s WHERE not_null_count <= total_count * ${a.expr('threshold')}`
    },
  },
  {
    name: 'string_length_equal',
    required: ['column', 'v'],
    build: (a, t) => badRows(t, `length(${a.column('column')}) <> ${a.expr('v')}`),
  },
  { name: 'string_length_between', required: ['column'], optional: RANGE, build: rangeOnRows((c) => `length(${c})`) },
  {
    name: 'valid_uuid',
    required: ['column'],
    build: (a, t, d) => badRows(t, `NOT ${regexpMatches(d, `lower(${a.column('column')})`, UUID_PATTERN)}`),
  },
  {
    name: 'valid_email',
    required: ['column'],
    build: (a, t, d) => badRows(t, `NOT ${regexpMatches(d, a.column('column'), EMAIL_PATTERN)}`),
  },
  {
    name: 'valid_url',
    required: ['column'],
    build: (a, t, d) => badRows(t, `NOT ${regexpMatches(d, a.column('column'), URL_PATTERN)}`),
  },
  {
    name: 'valid_http_method',
    required: ['column'],
    build: (a, t) => badRows(t, `${a.column('column')} NOT IN (${HTTP_METHODS.map((m) => `'${m}'`).join(', ')})`),
  },
  {
    name: 'match_regex_pattern_list',
    required: ['column', 'patterns'],
    build: (a, t, d) => badRows(t, allOf(a.list('patterns'), (p) => `NOT ${regexpMatches(d, a.column('column'), p)}`)),
  },
  {
    name: 'not_match_regex_pattern_list',
    required: ['column', 'patterns'],
    build: (a, t, d) => badRows(t, anyOf(a.list('patterns'), (p) => regexpMatches(d, a.column('column'), p))),
  },
  {
    name: 'match_like_pattern_list',
    required: ['column', 'patterns'],
    build: (a, t) => badRows(t, allOf(a.list('patterns'), (p) => `NOT ${a.column('column')} LIKE ${p}`)),
  },
  {
    name: 'not_match_like_pattern_list',
    required: ['column', 'patterns'],
    build: (a, t) => badRows(t, anyOf(a.list('patterns'), (p) => `${a.column('column')} LIKE ${p}`)),
  },
  { name: 'mean_in_range', required: ['column'], optional: RANGE, build: rangeOnAggregate('avg', 'mean_value') },
  { name: 'stddev_in_range', required: ['column'], optional: RANGE, build: rangeOnAggregate('stddev', 'stddev_value') },
  {
    name: 'z_score',
    required: ['column', 'threshold'],
    build: (a, t) => {
      const c = a.column('column')
      const z = `(${c} - s.audit_mean) / nullif(s.audit_stddev, 0)`
      const stats = `(SELECT avg(${c}) AS audit_mean, stddev(${c}) AS audit_stddev FROM ${t}) AS s`
      return `SELECT r.*, ${z} AS z_score FROM ${t} AS r CROSS JOIN ${stats} WHERE abs(${z}) > ${a.expr('threshold')}`
    },
  },
  {
    name: 'mutually_exclusive_ranges',
    required: ['lower_bound_column', 'upper_bound_column'],
    optional: { partition_clause: undefined },
    // A row fails when its bounds are reversed, or its range overlaps the next one in its partition
    // (touching bounds are fine).
    build: (a, t) => {
      const lo = a.column('lower_bound_column')
      const hi = a.column('upper_bound_column')
      const part = partitionClause(a.raw('partition_clause'))
      const inner =
        `SELECT ${lo} AS lower_bound, ${hi} AS upper_bound, ` +
        `lead(${lo}) OVER (${part}ORDER BY ${lo}, ${hi}) AS next_lower_bound, ` +
        `row_number() OVER (${part}ORDER BY ${lo} DESC, ${hi} DESC) = 1 AS is_last_record FROM ${t}`
      const ok =
        'coalesce(lower_bound <= upper_bound, false) AND coalesce(upper_bound <= next_lower_bound, is_last_record, false)'
      return `SELECT * FROM (${inner}) AS w WHERE NOT (${ok})`
    },
  },
]

/** The SQL of a built-in with `@param` in place of each argument, as its documented `query`. */
function template(spec: BuiltinSpec): string {
  const args: Record<string, string> = {}
  for (const p of spec.required) args[p] = `@${p}`
  for (const [p, dflt] of Object.entries(spec.optional ?? {})) args[p] = dflt ?? `@${p}`
  try {
    return spec.build(new BuiltinArgs(args), '@this_model', 'trino')
  } catch {
    return ''
  }
}

function toDefinition(spec: BuiltinSpec, blocking: boolean): AuditDefinition {
  const defaults: Record<string, string> = {}
  for (const [p, dflt] of Object.entries(spec.optional ?? {})) if (dflt !== undefined) defaults[p] = dflt
  return {
    name: blocking ? spec.name : `${spec.name}_non_blocking`,
    dialect: 'trino',
    query: template(spec),
    required: [...spec.required],
    defaults,
    blocking,
    params: [...spec.required, ...Object.keys(spec.optional ?? {})],
    build: (args, table, dialect) => spec.build(new BuiltinArgs(args), table, dialect),
  }
}

/**
 * Every built-in audit and its `_non_blocking` twin, by name: `not_null(columns)`,
 * `unique_values(columns)`, `unique_combination_of_columns(columns)`, `accepted_values(column, is_in)`,
 * `not_accepted_values(column, is_in)`, `accepted_range(column, min_v, max_v, inclusive = true)`,
 * `number_of_rows(threshold)`, `at_least_one(column)`, `not_constant(column)`,
 * `not_empty_string(column)`, `forall(criteria)`, `sequential_values(column, interval = 1)`,
 * `not_null_proportion(column, threshold)`, `string_length_equal(column, v)`,
 * `string_length_between(column, min_v, max_v, inclusive = true)`, `valid_uuid`, `valid_email`,
 * `valid_url`, `valid_http_method` (column), `[not_]match_regex_pattern_list(column, patterns)`,
 * `[not_]match_like_pattern_list(column, patterns)`, `mean_in_range` / `stddev_in_range(column,
 * min_v, max_v, inclusive = true)`, `z_score(column, threshold)` and
 * `mutually_exclusive_ranges(lower_bound_column, upper_bound_column, partition_clause)`.
 * Every one also takes `condition` and `blocking`.
 */
export const BUILTIN_AUDITS: ReadonlyMap<string, AuditDefinition> = new Map(
  SPECS.flatMap((s) => [toDefinition(s, true), toDefinition(s, false)]).map((d) => [d.name, d]),
)
