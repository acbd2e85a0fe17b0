import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_AUDITS } from '../../../src/audits/builtin-audits.js'
import { AuditBench } from './audit-fixtures.js'

/**
 * One case per built-in (some more): a table on which the call passes and one on which it fails
 * with exactly `bad` bad rows. Calls are written as in a Trino model and run on DuckDB.
 */
interface Case {
  call: string
  columns: string
  good: string[]
  bad: string[]
  badCount: number
}

const CASES: Case[] = [
  { call: 'not_null(columns := (a, s))', columns: 'a INT, s VARCHAR', good: ["1, 'x'", "2, 'y'"], bad: ["1, NULL", "NULL, 'y'", "3, 'z'"], badCount: 2 },
  { call: 'unique_values(columns := (a))', columns: 'a INT, s VARCHAR', good: ["1, 'x'", "2, 'x'"], bad: ["1, 'x'", "1, 'y'", "2, 'z'"], badCount: 1 },
  { call: 'unique_combination_of_columns(columns := (a, s))', columns: 'a INT, s VARCHAR', good: ["1, 'x'", "1, 'y'"], bad: ["1, 'x'", "1, 'x'", "2, 'y'"], badCount: 1 },
  { call: "accepted_values(column := s, is_in := ('a', 'b'))", columns: 's VARCHAR', good: ["'a'", "'b'", 'NULL'], bad: ["'a'", "'c'"], badCount: 1 },
  { call: "not_accepted_values(column := s, is_in := ('bad'))", columns: 's VARCHAR', good: ["'a'"], bad: ["'bad'", "'a'"], badCount: 1 },
  { call: 'accepted_range(column := n, min_v := 0, max_v := 10)', columns: 'n INT', good: ['0', '10', '5'], bad: ['-1', '11', '5'], badCount: 2 },
  { call: 'accepted_range(column := n, min_v := 0, max_v := 10, inclusive := false)', columns: 'n INT', good: ['1', '9'], bad: ['0', '10', '5'], badCount: 2 },
  { call: 'accepted_range(column := n, min_v := 0)', columns: 'n INT', good: ['0', '1000'], bad: ['-5', '3'], badCount: 1 },
  { call: 'number_of_rows(threshold := 2)', columns: 'a INT', good: ['1', '2', '3'], bad: ['1', '2'], badCount: 1 },
  { call: 'at_least_one(column := n)', columns: 'n INT', good: ['NULL', '1'], bad: ['NULL', 'NULL'], badCount: 1 },
  { call: 'not_constant(column := n)', columns: 'n INT', good: ['1', '2'], bad: ['1', '1'], badCount: 1 },
  { call: 'not_empty_string(column := s)', columns: 's VARCHAR', good: ["'a'", 'NULL'], bad: ["''", "'a'"], badCount: 1 },
  { call: 'forall(criteria := (n > 0, s IS NOT NULL))', columns: 'n INT, s VARCHAR', good: ["1, 'a'"], bad: ["0, 'a'", "1, NULL", "2, 'b'"], badCount: 2 },
  { call: 'sequential_values(column := n)', columns: 'n INT', good: ['3', '1', '2'], bad: ['1', '2', '4'], badCount: 1 },
  { call: 'sequential_values(column := n, interval := 2)', columns: 'n INT', good: ['2', '4', '6'], bad: ['2', '3', '5'], badCount: 1 },
  { call: 'not_null_proportion(column := n, threshold := 0.5)', columns: 'n INT', good: ['1', '2', 'NULL'], bad: ['1', 'NULL', 'NULL', 'NULL'], badCount: 1 },
  { call: 'string_length_equal(column := s, v := 3)', columns: 's VARCHAR', good: ["'abc'"], bad: ["'ab'", "'abc'"], badCount: 1 },
  { call: 'string_length_between(column := s, min_v := 2, max_v := 3)', columns: 's VARCHAR', good: ["'ab'", "'abc'"], bad: ["'a'", "'abcd'", "'ab'"], badCount: 2 },
  { call: 'valid_uuid(column := s)', columns: 's VARCHAR', good: ["'123E4567-e89b-12d3-a456-426614174000'"], bad: ["'not-a-uuid'", "'123e4567-e89b-12d3-a456-426614174000'"], badCount: 1 },
  { call: 'valid_email(column := s)', columns: 's VARCHAR', good: ["'a.b+c@example.com'"], bad: ["'nope'", "'x@y'", "'ok@example.org'"], badCount: 2 },
  { call: 'valid_url(column := s)', columns: 's VARCHAR', good: ["'https://example.com/x?y=1'", "'ftp://files.example.com'"], bad: ["'example.com'", "'http://ok.example.com'"], badCount: 1 },
  { call: 'valid_http_method(column := s)', columns: 's VARCHAR', good: ["'GET'", "'POST'"], bad: ["'FETCH'", "'GET'"], badCount: 1 },
  { call: "match_regex_pattern_list(column := s, patterns := ('^a', 'z$'))", columns: 's VARCHAR', good: ["'abc'", "'xyz'"], bad: ["'bcd'", "'abc'"], badCount: 1 },
  { call: "not_match_regex_pattern_list(column := s, patterns := ('^tmp_', '_old$'))", columns: 's VARCHAR', good: ["'abc'"], bad: ["'tmp_x'", "'x_old'", "'fine'"], badCount: 2 },
  { call: "match_like_pattern_list(column := s, patterns := ('a%', '%z'))", columns: 's VARCHAR', good: ["'ab'", "'yz'"], bad: ["'b'", "'ab'"], badCount: 1 },
  { call: "not_match_like_pattern_list(column := s, patterns := ('%test%'))", columns: 's VARCHAR', good: ["'prod'"], bad: ["'a_test_b'", "'prod'"], badCount: 1 },
  { call: 'mean_in_range(column := n, min_v := 1, max_v := 3)', columns: 'n INT', good: ['1', '3'], bad: ['5', '7'], badCount: 1 },
  { call: 'stddev_in_range(column := n, min_v := 0, max_v := 1)', columns: 'n INT', good: ['1', '2'], bad: ['1', '10'], badCount: 1 },
  { call: 'z_score(column := n, threshold := 1.5)', columns: 'n INT', good: ['1', '2', '3'], bad: [...Array<string>(9).fill('1'), '20'], badCount: 1 },
  {
    call: 'mutually_exclusive_ranges(lower_bound_column := lo, upper_bound_column := hi)',
    columns: 'lo INT, hi INT',
    good: ['1, 2', '2, 4', '5, 6'],
    bad: ['1, 3', '2, 4', '5, 6'],
    badCount: 1,
  },
  {
    call: 'mutually_exclusive_ranges(lower_bound_column := lo, upper_bound_column := hi, partition_clause := (g))',
    columns: 'g INT, lo INT, hi INT',
    good: ['1, 1, 3', '2, 2, 4'],
    bad: ['1, 1, 3', '1, 2, 4'],
    badCount: 1,
  },
]

let bench: AuditBench
beforeAll(async () => {
  bench = await AuditBench.open()
})
afterAll(() => bench.close())

describe('built-in audits on DuckDB (Trino-dialect calls)', () => {
  it.each(CASES)('$call passes on good rows and fails on bad rows', async (c) => {
    const good = await bench.one(await bench.table(c.columns, c.good), c.call)
    expect({ status: good.status, count: good.count, sample: good.sample }).toEqual({ status: 'passed', count: 0, sample: [] })
    const bad = await bench.one(await bench.table(c.columns, c.bad), c.call)
    expect({ status: bad.status, count: bad.count }).toEqual({ status: 'failed', count: c.badCount })
    expect(bad.sample).toHaveLength(Math.min(c.badCount, 5))
    expect(bad.blocking).toBe(true)
  })

  it('has a case for every built-in', () => {
    const covered = new Set(CASES.map((c) => c.call.slice(0, c.call.indexOf('('))))
    const names = [...BUILTIN_AUDITS.keys()].filter((n) => !n.endsWith('_non_blocking'))
    expect(names.filter((n) => !covered.has(n))).toEqual([])
    expect(names.length).toBeGreaterThanOrEqual(27)
  })

  it('reports the bad rows themselves as the sample', async () => {
    const t = await bench.table('a INT, s VARCHAR', ["1, 'x'", "2, NULL"])
    const r = await bench.one(t, 'not_null(columns := (s))')
    expect(r.sample).toEqual([{ a: 2, s: null }])
  })

  it('passes at_least_one on an empty table and fails not_constant on it, as SQLMesh does', async () => {
    const t = await bench.table('n INT', [])
    expect((await bench.one(t, 'at_least_one(column := n)')).status).toBe('passed')
    expect((await bench.one(t, 'not_constant(column := n)')).status).toBe('failed')
    expect((await bench.one(t, 'number_of_rows(threshold := 0)')).status).toBe('failed')
  })

  it('accepts quoted and string column names, and one column without parentheses', async () => {
    const t = await bench.table('"Mixed" INT, plain INT', ['NULL, 1', '1, NULL'])
    expect((await bench.one(t, `not_null(columns := ("Mixed"))`)).count).toBe(1)
    expect((await bench.one(t, `not_null(columns := 'plain')`)).count).toBe(1)
    expect((await bench.one(t, `not_null(columns := plain)`)).count).toBe(1)
    expect((await bench.one(t, `not_null(columns := [plain, "Mixed"])`)).count).toBe(2)
  })

  it('builds the regex audits for a DuckDB-dialect model too', async () => {
    const t = await bench.table('s VARCHAR', ["'nope'", "'a@b.io'"])
    const r = await bench.one(t, 'valid_email(column := s)', { dialect: 'duckdb', ctx: { modelDialect: 'duckdb' } })
    expect(r.count).toBe(1)
    expect(r.sql).toContain('regexp_matches')
  })
})

describe('_non_blocking twins', () => {
  it('exist for every built-in with blocking false and the same parameters', () => {
    for (const [name, def] of BUILTIN_AUDITS) {
      if (name.endsWith('_non_blocking')) continue
      const twin = BUILTIN_AUDITS.get(`${name}_non_blocking`)
      expect(twin, name).toBeDefined()
      expect({ blocking: twin!.blocking, required: twin!.required, params: twin!.params }).toEqual({
        blocking: false,
        required: def.required,
        params: def.params,
      })
      expect(def.blocking).toBe(true)
    }
  })

  it('runs like the blocking audit but reports blocking: false', async () => {
    const t = await bench.table('a INT', ['NULL', '1'])
    const [blocking, nonBlocking] = await bench.run(t, 'not_null(columns := (a)), not_null_non_blocking(columns := (a))')
    expect(blocking).toMatchObject({ audit: 'not_null', status: 'failed', count: 1, blocking: true })
    expect(nonBlocking).toMatchObject({ audit: 'not_null_non_blocking', status: 'failed', count: 1, blocking: false })
  })

  it('honours blocking := false at the call site', async () => {
    const t = await bench.table('a INT', ['NULL'])
    const r = await bench.one(t, 'not_null(columns := (a), blocking := false)')
    expect({ blocking: r.blocking, status: r.status }).toEqual({ blocking: false, status: 'failed' })
  })

  it('documents each built-in with a template query', () => {
    for (const def of BUILTIN_AUDITS.values()) expect(def.query, def.name).toContain('@this_model')
  })
})
