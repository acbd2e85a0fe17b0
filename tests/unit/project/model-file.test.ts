import { describe, expect, it } from 'vitest'
import { parseModelFile, type ModelDefaults } from '../../../src/project/model-file.js'

const defaults: ModelDefaults = { dialect: 'trino', cron: '@daily', start: '2024-08-01' }
const parse = (text: string, d: ModelDefaults = defaults) => parseModelFile(text, 'models/m.sql', d)

describe('parseModelFile: header forms', () => {
  it('reads a minimal model and applies defaults', () => {
    const m = parse('MODEL (name oso.Minimal, kind FULL);\nSELECT 1 AS a')
    expect(m).toMatchObject({
      name: 'oso.minimal',
      kind: { name: 'FULL' },
      file: 'models/m.sql',
      line: 1,
      dialect: 'trino',
      cron: '@daily',
      start: '2024-08-01',
      enabled: true,
      query: 'SELECT 1 AS a',
      queryLine: 2,
    })
    expect(m.end).toBeUndefined()
  })

  it('defaults the kind to VIEW and leaves start unset without a default', () => {
    const m = parse('MODEL (name oso.v); SELECT 1', { dialect: 'duckdb', cron: '@hourly' })
    expect(m.kind).toEqual({ name: 'VIEW' })
    expect(m.dialect).toBe('duckdb')
    expect(m.cron).toBe('@hourly')
    expect(m.start).toBeUndefined()
  })

  it('accepts MODEL( with no space, lower-case model keyword and lower-case kind', () => {
    const m = parse("model(name oso.x, kind full, cron '@monthly'); select 1")
    expect(m.kind).toEqual({ name: 'FULL' })
    expect(m.cron).toBe('@monthly')
    expect(m.query).toBe('select 1')
  })

  it('skips -- and /* */ comments and blank lines before MODEL, and records the MODEL line', () => {
    const text = '-- leading comment\n\n/* block\n comment */\n\nMODEL (\n  name oso.x\n);\nSELECT 1'
    const m = parse(text)
    expect(m.line).toBe(6)
    expect(m.queryLine).toBe(9)
  })

  it('accepts trailing commas after the last property, in tuples and after audits(...)', () => {
    const m = parse(`MODEL (
  name oso.x,
  kind VIEW,
  tags ('a', 'b',),
  grain (id, ds,),
  audits (not_null(columns := (id),), unique_values(columns := (id)),),
);
SELECT 1`)
    expect(m.tags).toEqual(['a', 'b'])
    expect(m.grain).toEqual(['id', 'ds'])
    expect(m.audits).toEqual([
      { name: 'not_null', args: { columns: '(id)' } },
      { name: 'unique_values', args: { columns: '(id)' } },
    ])
  })

  it('accepts comments anywhere inside the header and inside the kind', () => {
    const m = parse(`MODEL ( -- header
  name /* the name */ oso.x, -- trailing
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column ts, -- the time
    batch_size 90,
  ) /* forward_only true, */ /* on_destructive_change warn */,
  /* cron '@hourly', */
  cron '@daily'
);
SELECT ts FROM t`)
    expect(m.name).toBe('oso.x')
    expect(m.kind).toEqual({
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 'ts',
      batchSize: 90,
      lookback: 0,
      forwardOnly: false,
      extra: {},
    })
    expect(m.cron).toBe('@daily')
  })

  it('reads single- and double-quoted strings, quoted and bare dialects', () => {
    const a = parse(`MODEL (name oso.a, description "Optimism oracles 'fees'", owner 'data-team', dialect "duckdb"); SELECT 1`)
    expect(a.description).toBe("Optimism oracles 'fees'")
    expect(a.owner).toBe('data-team')
    expect(a.dialect).toBe('duckdb')
    const b = parse(`MODEL (name oso.b, description 'it''s here', dialect TRINO); SELECT 1`, { ...defaults, dialect: 'duckdb' })
    expect(b.description).toBe("it's here")
    expect(b.dialect).toBe('trino')
  })

  it('keeps @variable references raw in start and end', () => {
    const m = parse('MODEL (name oso.x, start @github_incremental_start, end "2025-01-01"); SELECT 1')
    expect(m.start).toBe('@github_incremental_start')
    expect(m.end).toBe('2025-01-01')
  })

  it('reads tags as a tuple or a single string', () => {
    expect(parse(`MODEL (name oso.x, tags ( "entity_category=project", 'github', incremental )); SELECT 1`).tags).toEqual([
      'entity_category=project',
      'github',
      'incremental',
    ])
    expect(parse(`MODEL (name oso.x, tags 'export'); SELECT 1`).tags).toEqual(['export'])
  })

  it('reads grain and partitioned_by as tuples or single expressions, keeping raw SQL', () => {
    const a = parse('MODEL (name oso.x, grain set_id, partitioned_by DAY(created_at)); SELECT 1')
    expect(a.grain).toEqual(['set_id'])
    expect(a.partitionedBy).toEqual(['DAY(created_at)'])
    const b = parse('MODEL (name oso.x, grain(a, b), partitioned_by (DAY("block_timestamp"), "chain")); SELECT 1')
    expect(b.grain).toEqual(['a', 'b'])
    expect(b.partitionedBy).toEqual(['DAY("block_timestamp")', '"chain"'])
    expect(parse('MODEL (name oso.x, partitioned_by sample_date); SELECT 1').partitionedBy).toEqual(['sample_date'])
  })

  it('reads columns with verbatim types and column_descriptions with = and :=', () => {
    const m = parse(`MODEL (
  name oso.x,
  columns ( source TEXT, amount DECIMAL(38, 18), "Mixed" TIMESTAMP(6) WITH TIME ZONE, ),
  column_descriptions ( source = 'Where it came from', amount := "How much", id = @doc('id'), ),
); SELECT 1`)
    expect(m.columns).toEqual([
      { name: 'source', type: 'TEXT' },
      { name: 'amount', type: 'DECIMAL(38, 18)' },
      { name: 'Mixed', type: 'TIMESTAMP(6) WITH TIME ZONE' },
    ])
    expect(m.columnDescriptions).toEqual({ source: 'Where it came from', amount: 'How much', id: "@doc('id')" })
  })

  it('reads audits: bare names, upper-case names, := and = named args, positional args', () => {
    const m = parse(`MODEL (
  name oso.x,
  audits (
    HAS_AT_LEAST_N_ROWS(threshold := 0),
    no_gaps(time_column := bucket_day, no_gap_date_part := 'day'),
    number_of_rows(threshold = 10),
    unique_combination_of_columns,
    accepted_range(amount, 0, 100),
  )
); SELECT 1`)
    expect(m.audits).toEqual([
      { name: 'has_at_least_n_rows', args: { threshold: '0' } },
      { name: 'no_gaps', args: { time_column: 'bucket_day', no_gap_date_part: "'day'" } },
      { name: 'number_of_rows', args: { threshold: '10' } },
      { name: 'unique_combination_of_columns', args: {} },
      { name: 'accepted_range', args: { '0': 'amount', '1': '0', '2': '100' } },
    ])
  })

  it('reads depends_on, enabled (bare or quoted) and verbatim extras', () => {
    const m = parse(`MODEL (
  name oso.x,
  depends_on (oso.a, "OSO".b),
  enabled 'false',
  ignored_rules ( "incrementalmustdefinenogapsaudit", "incrementalmusthaveforwardonly", ),
  physical_properties (format = 'PARQUET' /* iceberg */),
  gateway trino,
); SELECT 1`)
    expect(m.dependsOn).toEqual(['oso.a', 'oso.b'])
    expect(m.enabled).toBe(false)
    expect(m.extra).toEqual({
      ignored_rules: '( "incrementalmustdefinenogapsaudit", "incrementalmusthaveforwardonly", )',
      physical_properties: "(format = 'PARQUET' )",
      gateway: 'trino',
    })
    expect(parse('MODEL (name oso.x, enabled TRUE); SELECT 1').enabled).toBe(true)
  })

  it('ignores a UTF-8 byte order mark before MODEL', () => {
    const m = parse('\uFEFFMODEL (name oso.bom);\nSELECT 1')
    expect(m.name).toBe('oso.bom')
    expect(m.queryLine).toBe(2)
  })

  it('accepts property names in any case', () => {
    const m = parse("MODEL (NAME oso.x, Kind Full, CRON '@hourly'); SELECT 1")
    expect(m.name).toBe('oso.x')
    expect(m.cron).toBe('@hourly')
  })
})

describe('parseModelFile: kinds', () => {
  it('reads INCREMENTAL_BY_TIME_RANGE options written as key value, key := value and key = value', () => {
    const m = parse(`MODEL (
  name oso.x,
  kind incremental_by_time_range(
    time_column := bucket_day, batch_size = 90, batch_concurrency 2,
    lookback 31, forward_only true, on_destructive_change warn, auto_restatement_cron '@weekly',
  ),
); SELECT 1`)
    expect(m.kind).toEqual({
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 'bucket_day',
      batchSize: 90,
      batchConcurrency: 2,
      lookback: 31,
      forwardOnly: true,
      extra: { on_destructive_change: 'warn', auto_restatement_cron: "'@weekly'" },
    })
  })

  it('reads time_column (col, format) and keeps an @variable lookback in extra', () => {
    const m = parse(`MODEL (
  name oso.x,
  kind INCREMENTAL_BY_TIME_RANGE (time_column (ds, '%Y-%m-%d'), lookback @default_daily_incremental_lookback)
); SELECT 1`)
    expect(m.kind).toEqual({
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 'ds',
      timeColumnFormat: '%Y-%m-%d',
      lookback: 0,
      forwardOnly: false,
      extra: { lookback: '@default_daily_incremental_lookback' },
    })
  })

  it('reads INCREMENTAL_BY_UNIQUE_KEY with a tuple or a single key', () => {
    const a = parse('MODEL (name oso.x, kind INCREMENTAL_BY_UNIQUE_KEY (unique_key (a, B), batch_size 5, when_matched x)); SELECT 1')
    expect(a.kind).toEqual({ name: 'INCREMENTAL_BY_UNIQUE_KEY', uniqueKey: ['a', 'b'], batchSize: 5, extra: { when_matched: 'x' } })
    const b = parse('MODEL (name oso.x, kind INCREMENTAL_BY_UNIQUE_KEY (unique_key id)); SELECT 1')
    expect(b.kind).toEqual({ name: 'INCREMENTAL_BY_UNIQUE_KEY', uniqueKey: ['id'], extra: {} })
  })

  it('reads VIEW (materialized true)', () => {
    expect(parse('MODEL (name oso.x, kind VIEW (materialized true)); SELECT 1').kind).toEqual({ name: 'VIEW', materialized: true })
  })

  it('reads a SEED model without a query and without a trailing ;', () => {
    const text = `-- seed
MODEL (
  name oso.seed_chain_alias_to_chain_name,
  kind SEED ( path '../../seeds/chain_alias_to_chain_name.csv', csv_settings (delimiter = ','), ),
  columns ( source TEXT, chain_alias TEXT, oso_chain_name TEXT ),
  audits ( has_at_least_n_rows(threshold := 0) )
)
`
    const m = parse(text)
    expect(m.kind).toEqual({
      name: 'SEED',
      path: '../../seeds/chain_alias_to_chain_name.csv',
      extra: { csv_settings: "(delimiter = ',')" },
    })
    expect(m.line).toBe(2)
    expect(m.query).toBe('')
    expect(m.columns.map((c) => c.name)).toEqual(['source', 'chain_alias', 'oso_chain_name'])
    expect(m.audits).toEqual([{ name: 'has_at_least_n_rows', args: { threshold: '0' } }])
  })

  it('keeps inline AUDIT blocks (and their queries) out of the model query', () => {
    const text = `MODEL (name oso.s, kind SEED (path 's.csv'), audits (positive_ids));

AUDIT (name positive_ids);
SELECT * FROM @this_model WHERE id < 0;
`
    const m = parse(text)
    expect(m.query).toBe('')
    expect(m.extra['inline_audits']).toBe('AUDIT (name positive_ids);\nSELECT * FROM @this_model WHERE id < 0')
    const q = parse('MODEL (name oso.q);\nSELECT 1 AS id;\nAUDIT (name a);\nSELECT * FROM @this_model WHERE id IS NULL')
    expect(q.query).toBe('SELECT 1 AS id')
    expect(q.queryLine).toBe(2)
  })
})

describe('parseModelFile: body', () => {
  it('reads @DEF in both forms, pre-statements, the query and its line', () => {
    const text = `MODEL (name oso.x, kind FULL);

@DEF(event_date_threshold, DATE('2024-01-01'));
@def("full_time_days", 10);
@DEF(to_artifact_name, LOWER(all_tvl_events.slug) /* comment */);
SET SESSION query_max_run_time = '2h';

-- the query
WITH a AS (SELECT 1 AS x; ) SELECT x FROM a WHERE x > @full_time_days;
`
    const m = parse(text)
    expect(m.defs).toEqual([
      { name: 'event_date_threshold', expr: "DATE('2024-01-01')" },
      { name: 'full_time_days', expr: '10' },
      { name: 'to_artifact_name', expr: 'LOWER(all_tvl_events.slug)' },
    ])
    expect(m.preStatements).toEqual(["SET SESSION query_max_run_time = '2h'"])
    expect(m.query).toBe('WITH a AS (SELECT 1 AS x; ) SELECT x FROM a WHERE x > @full_time_days')
    expect(m.queryLine).toBe(9)
  })

  it('takes a whole-query macro call as the query and keeps statements after the query apart', () => {
    const m = parse(`MODEL (name oso.x)
;
@transactions_with_receipts_deployers(@start_dt, @end_dt, @oso_source('bigquery.x.y'), block_timestamp_column := x);
`)
    expect(m.query).toMatch(/^@transactions_with_receipts_deployers\(/)
    expect(m.queryLine).toBe(3)
    const post = parse('MODEL (name oso.x); SELECT 1; @IF(@runtime_stage = \'evaluating\', ANALYZE oso.x);')
    expect(post.query).toBe('SELECT 1')
    expect(post.extra['post_statements']).toBe("@IF(@runtime_stage = 'evaluating', ANALYZE oso.x)")
  })

  it('accepts a query right after the header without ;', () => {
    const m = parse('MODEL (name oso.x)\nSELECT 2')
    expect(m.query).toBe('SELECT 2')
    expect(m.queryLine).toBe(2)
  })

  it('does not fail on a disabled model without a query', () => {
    const m = parse('MODEL (name oso.x, enabled false);')
    expect(m.enabled).toBe(false)
    expect(m.query).toBe('')
  })
})

describe('parseModelFile: a realistic OSO model', () => {
  it('reads every field of an incremental staging model', () => {
    const text = `/* Github events, one row per event */
MODEL (
  name oso.int_events__github,
  description "Github events, normalised",
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column time,
    batch_size 365,
    batch_concurrency 1,
    lookback 31,
    forward_only true,
  ),
  start @github_incremental_start,
  cron '@daily',
  dialect trino,
  partitioned_by (DAY("time"), "event_type"),
  grain (time, event_type, event_source, from_artifact_id, to_artifact_id),
  audits (
    has_at_least_n_rows(threshold := 0),
    no_gaps(
      time_column := time,
      no_gap_date_part := 'day',
    ),
  ),
  tags (
    "github",
    "incremental",
  ),
  ignored_rules ("incrementalmustdefinenogapsaudit",),
);

SELECT
  events.created_at AS time,
  UPPER(events.type) AS event_type,
  @oso_id(events.repository_id) AS to_artifact_id,
  actor_id,
FROM @oso_source('bigquery.oso.stg_github__events') AS events
WHERE events.created_at BETWEEN @start_dt AND @end_dt
`
    const m = parseModelFile(text, 'models/intermediate/events/int_events__github.sql', { dialect: 'trino', cron: '@weekly' })
    expect(m.name).toBe('oso.int_events__github')
    expect(m.line).toBe(2)
    expect(m.description).toBe('Github events, normalised')
    expect(m.kind).toEqual({
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 'time',
      batchSize: 365,
      batchConcurrency: 1,
      lookback: 31,
      forwardOnly: true,
      extra: {},
    })
    expect(m.start).toBe('@github_incremental_start')
    expect(m.cron).toBe('@daily')
    expect(m.partitionedBy).toEqual(['DAY("time")', '"event_type"'])
    expect(m.grain).toEqual(['time', 'event_type', 'event_source', 'from_artifact_id', 'to_artifact_id'])
    expect(m.audits).toEqual([
      { name: 'has_at_least_n_rows', args: { threshold: '0' } },
      { name: 'no_gaps', args: { time_column: 'time', no_gap_date_part: "'day'" } },
    ])
    expect(m.tags).toEqual(['github', 'incremental'])
    expect(m.extra).toEqual({ ignored_rules: '("incrementalmustdefinenogapsaudit",)' })
    expect(m.queryLine).toBe(31)
    expect(m.query.startsWith('SELECT\n  events.created_at AS time,')).toBe(true)
    expect(m.query.endsWith('BETWEEN @start_dt AND @end_dt')).toBe(true)
    expect(m.preStatements).toEqual([])
    expect(m.defs).toEqual([])
  })
})

describe('regression: property names inside tuples', () => {
  it('accepts a column named like a property inside columns (...)', () => {
    const def = parseModelFile(
      "MODEL (\n  name oso.s,\n  kind SEED (path 'x.csv'),\n  columns (\n    name VARCHAR,\n    description VARCHAR\n  ),\n  description 'd'\n)",
      'models/s.sql',
      { dialect: 'trino', cron: '@daily' },
    )
    expect(def.columns.map((c) => c.name)).toEqual(['name', 'description'])
    expect(def.description).toBe('d')
  })
})
