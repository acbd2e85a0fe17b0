import { describe, expect, it } from 'vitest'
import { ProjectLoadError } from '../../../src/project/load-project.js'
import { formatFailure } from '../../../src/testing/format-diff.js'
import type { TestResult } from '../../../src/testing/types.js'
import { runShopTests } from './shop-project.js'

const ORDERS = `
    shop.raw_orders:
      - {id: 1, customer: ann, amount: 10, ordered_at: '2024-01-01 09:00:00'}
      - {id: 2, customer: bob, amount: 5.5, ordered_at: '2024-01-01 18:30:00'}
      - {id: 3, customer: ann, amount: 0, ordered_at: '2024-01-02 08:00:00'}
      - {id: 4, customer: ann, amount: 7, ordered_at: '2024-01-03 23:59:59'}`

function byName(results: readonly TestResult[], name: string): TestResult {
  const r = results.find((t) => t.name === name)
  if (!r) throw new Error(`no result for ${name}`)
  return r
}

describe('runModelTests', () => {
  it('passes a correct test and fails a wrong expected value with the diff', async () => {
    const run = await runShopTests({
      'tests/test_customers.yaml': `
test_customers_ok:
  model: shop.customers
  inputs:${ORDERS}
  outputs:
    query:
      - {customer: ann, orders: 3, last_order: '2024-01-03 23:59:59'}
      - {customer: bob, orders: 1, last_order: 2024-01-01 18:30:00}
test_customers_wrong:
  model: shop.customers
  inputs:${ORDERS}
  outputs:
    query:
      - {customer: ann, orders: 2, last_order: '2024-01-03 23:59:59'}
      - {customer: bob, orders: 1, last_order: '2024-01-01 18:30:00'}
`,
    })
    expect([run.total, run.passed, run.failed, run.errors]).toEqual([2, 1, 1, 0])
    expect(byName(run.tests, 'test_customers_ok').status).toBe('passed')
    const wrong = byName(run.tests, 'test_customers_wrong')
    expect(wrong.status).toBe('failed')
    expect(wrong.message).toBe('query: 1 missing, 1 unexpected')
    expect(formatFailure(wrong)).toBe(
      [
        'query: 2 expected rows, 2 produced; 1 missing, 1 unexpected',
        '  - missing (expected, not produced):',
        '    {customer: "ann", orders: 2, last_order: "2024-01-03 23:59:59"}',
        '  + unexpected (produced, not expected):',
        '    {customer: "ann", orders: 3, last_order: "2024-01-03 23:59:59"}',
        '  ~ expected row 1 differs from a produced row in: orders (expected 2, got 3)',
      ].join('\n'),
    )
  })

  it('reads CSV and query inputs, and query and CSV outputs', async () => {
    const run = await runShopTests({
      'tests/test_forms.yaml': `
test_csv_input:
  model: shop.customers
  inputs:
    shop.raw_orders:
      format: csv
      rows: |
        id,customer,amount,ordered_at
        1,ann,10,2024-01-01 09:00:00
        2,bob,,2024-01-02 09:00:00
  outputs:
    query:
      format: csv
      csv_settings: {delimiter: '|'}
      rows: |
        customer|orders|last_order
        ann|1|2024-01-01 09:00:00
        bob|1|2024-01-02 09:00:00
test_query_input:
  model: shop.customers
  inputs:
    shop.raw_orders:
      query: >
        SELECT CAST(n AS BIGINT) AS id, 'c' || CAST(n % 2 AS VARCHAR) AS customer, 1.0 AS amount,
               TIMESTAMP '2024-01-01 00:00:00' + n * INTERVAL '1' HOUR AS ordered_at
        FROM UNNEST(SEQUENCE(1, 4)) AS t(n)
  outputs:
    query:
      query: SELECT 'c0' AS customer, 2 AS orders, TIMESTAMP '2024-01-01 04:00:00' AS last_order UNION ALL SELECT 'c1', 2, TIMESTAMP '2024-01-01 03:00:00'
`,
    })
    expect(run.tests.map((t) => [t.name, t.status, t.message])).toEqual([
      ['test_csv_input', 'passed', undefined],
      ['test_query_input', 'passed', undefined],
    ])
  })

  it('checks only the given columns with partial, and fails unlisted columns without it', async () => {
    const run = await runShopTests({
      'tests/test_partial.yaml': `
test_partial_query:
  model: shop.customers
  inputs:${ORDERS}
  outputs:
    query:
      partial: true
      rows: [{customer: ann}, {customer: bob}]
test_partial_outputs:
  model: shop.customers
  inputs:${ORDERS}
  outputs:
    partial: true
    query: [{customer: ann, orders: 3}, {customer: bob, orders: 1}]
test_not_partial:
  model: shop.customers
  inputs:${ORDERS}
  outputs:
    query: [{customer: ann, orders: 3}, {customer: bob, orders: 1}]
`,
    })
    expect(run.tests.map((t) => t.status)).toEqual(['passed', 'passed', 'failed'])
    expect(formatFailure(byName(run.tests, 'test_not_partial'))).toContain('output columns missing from the expected rows: last_order')
  })

  it('renders for the interval of vars (end date inclusive) and applies project variable overrides', async () => {
    const test = (name: string, vars: string, rows: string): string => `
${name}:
  model: shop.orders_daily
  inputs:${ORDERS}
  outputs:
    query: ${rows}
  vars: ${vars}
`
    const run = await runShopTests({
      'tests/test_vars.yaml':
        test('test_day_one', '{start: 2024-01-01, end: 2024-01-01}', '[{day: 2024-01-01, orders: 2, revenue: 15.5}]') +
        test('test_days_two_three', '{start_dt: 2024-01-02, end_dt: 2024-01-03}', '[{day: 2024-01-03, orders: 1, revenue: 7}]') +
        test('test_timestamp_end_exclusive', "{start: 2024-01-01, end: '2024-01-01 12:00:00'}", '[{day: 2024-01-01, orders: 1, revenue: 10}]') +
        test('test_min_amount', '{start: 2024-01-01, end: 2024-01-03, min_amount: 6}', '[{day: 2024-01-01, orders: 1, revenue: 10}, {day: 2024-01-03, orders: 1, revenue: 7}]') +
        test('test_default_interval', '{}', '[{day: 2024-01-01, orders: 2, revenue: 15.5}, {day: 2024-01-03, orders: 1, revenue: 7}]'),
    })
    expect(run.tests.map((t) => [t.name, t.status, t.message])).toEqual([
      ['test_day_one', 'passed', undefined],
      ['test_days_two_three', 'passed', undefined],
      ['test_timestamp_end_exclusive', 'passed', undefined],
      ['test_min_amount', 'passed', undefined],
      ['test_default_interval', 'passed', undefined],
    ])
  })

  it('checks a CTE on its own, and reports a wrong CTE row and an unknown CTE', async () => {
    const run = await runShopTests({
      'tests/test_ctes.yaml': `
test_paid_cte:
  model: shop.orders_daily
  vars: {start: 2024-01-01, end: 2024-01-01}
  inputs:${ORDERS}
  outputs:
    ctes:
      paid:
        partial: true
        rows: [{id: 1}, {id: 2}, {id: 4}]
    query: [{day: 2024-01-01, orders: 2, revenue: 15.5}]
test_paid_cte_wrong:
  model: shop.orders_daily
  vars: {start: 2024-01-01, end: 2024-01-01}
  inputs:${ORDERS}
  outputs:
    ctes:
      paid: {partial: true, rows: [{id: 1}, {id: 2}, {id: 3}]}
test_unknown_cte:
  model: shop.orders_daily
  inputs:${ORDERS}
  outputs:
    ctes:
      unpaid: []
`,
    })
    expect(run.tests.map((t) => t.status)).toEqual(['passed', 'failed', 'error'])
    const wrong = byName(run.tests, 'test_paid_cte_wrong')
    expect(wrong.checks[0]!.output).toBe('cte paid')
    expect(wrong.checks[0]!.missing).toEqual([{ id: 3 }])
    expect(wrong.checks[0]!.unexpected).toEqual([{ id: 4 }])
    expect(byName(run.tests, 'test_unknown_cte').message).toBe(
      "tests/test_ctes.yaml:39: test 'test_unknown_cte' (model shop.orders_daily): the model has no top-level CTE 'unpaid' (CTEs: paid)",
    )
  })

  it('resolves time-relative cells against vars.execution_time, in rows, seed files, vars and expected rows', async () => {
    const run = await runShopTests({
      'tests/data/recent.csv': 'id,customer,amount,ordered_at\n1,ann,1,now-1d\n2,bob,2,now-3h\n3,cy,4,today-5d\n',
      'tests/test_relative.yaml': `
test_relative_seed:
  model: shop.orders_daily
  vars: {start: today-2d, end: today, execution_time: '2024-03-10 06:00:00'}
  inputs:
    shop.raw_orders: {path: data/recent.csv}
  outputs:
    query:
      - {day: today-1d, orders: 1, revenue: 1}
      - {day: 2024-03-10, orders: 1, revenue: 2}
test_relative_rows:
  model: shop.customers
  vars: {execution_time: '2024-03-10 06:00:00'}
  inputs:
    shop.raw_orders: [{id: 1, customer: ann, ordered_at: now-2h}, {id: 2, customer: ann, ordered_at: now-1w}]
  outputs:
    query: [{customer: ann, orders: 2, last_order: '2024-03-10 04:00:00'}]
`,
    })
    expect(run.tests.map((t) => [t.name, t.status, t.message])).toEqual([
      ['test_relative_seed', 'passed', undefined],
      ['test_relative_rows', 'passed', undefined],
    ])
  })

  it('freezes CURRENT_DATE to vars.execution_time', async () => {
    const test = (name: string, exec: string, rows: string): string => `
${name}:
  model: shop.recent_orders
  vars: {execution_time: '${exec}'}
  inputs:
    shop.raw_orders: [{id: 1, ordered_at: '2024-01-01 10:00:00'}, {id: 2, ordered_at: '2024-01-03 10:00:00'}]
  outputs:
    query: ${rows}
`
    const run = await runShopTests({
      'tests/test_frozen.yaml':
        test('test_on_the_2nd', '2024-01-02 08:00:00', '[{id: 1, as_of: 2024-01-02}, {id: 2, as_of: 2024-01-02}]') +
        test('test_on_the_4th', '2024-01-04 08:00:00', '[{id: 2, as_of: 2024-01-04}]'),
    })
    expect(run.tests.map((t) => t.status)).toEqual(['passed', 'passed'])
  })

  it('types inputs of upstream models through the DAG, creates omitted columns as NULL and names three-part inputs', async () => {
    const run = await runShopTests({
      'tests/test_types.yaml': `
test_all_null_timestamp_column:
  model: shop.customer_summary
  inputs:
    shop.customers: [{customer: ann, orders: 2}, {customer: bob}]
  outputs:
    query:
      - {customer: ann, doubled: 4, last_day: null}
      - {customer: bob, doubled: null, last_day: null}
test_external_three_part_name:
  model: shop.tiers
  inputs:
    lake.crm.accounts: [{id: 1, tier: gold}, {id: 2, tier: gold}, {id: 3}]
  outputs:
    query: [{tier: gold, accounts: 2}, {tier: null, accounts: 1}]
test_missing_input_is_empty:
  model: shop.tiers
  outputs:
    query: []
`,
    })
    expect(run.tests.map((t) => [t.name, t.status, t.message])).toEqual([
      ['test_all_null_timestamp_column', 'passed', undefined],
      ['test_external_three_part_name', 'passed', undefined],
      ['test_missing_input_is_empty', 'passed', undefined],
    ])
  })

  it('reports an expected column the output lacks and an input column the upstream lacks as errors naming the test', async () => {
    const run = await runShopTests({
      'tests/test_columns.yaml': `
test_bad_output_column:
  model: shop.customers
  inputs:${ORDERS}
  outputs:
    query:
      partial: true
      rows: [{customer: ann, total: 3}]
test_bad_input_column:
  model: shop.customers
  inputs:
    shop.raw_orders: [{id: 1, custmer: ann}]
  outputs:
    query: []
`,
    })
    expect(run.tests.map((t) => t.status)).toEqual(['error', 'error'])
    expect(run.errors).toBe(2)
    expect(run.tests[0]!.message).toBe(
      "tests/test_columns.yaml:11: test 'test_bad_output_column' (model shop.customers): query: expected column 'total' not in the model's output (columns: customer, orders, last_order)",
    )
    expect(run.tests[1]!.message).toMatch(/^tests\/test_columns\.yaml:17: test 'test_bad_input_column' .*column 'custmer' is not a column of shop\.raw_orders \(did you mean customer\?\)/)
  })

  it('refuses an unknown model and an input the model does not read, naming file, line and test', async () => {
    const err = await runShopTests({
      'tests/test_bad.yaml': `
test_unknown_model:
  model: shop.customer
  outputs: {query: []}
test_unread_input:
  model: shop.customers
  inputs:
    shop.orders_daily: []
  outputs: {query: []}
`,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProjectLoadError)
    const message = (err as Error).message
    expect(message).toContain("tests/test_bad.yaml:2: test 'test_unknown_model': unknown model 'shop.customer' (did you mean shop.customers")
    expect(message).toContain("tests/test_bad.yaml:8: test 'test_unread_input': input 'shop.orders_daily' is not read by model 'shop.customers' (it reads shop.raw_orders)")
  })

  it('selects tests by model selector, by test-name glob and by file::name', async () => {
    const files = {
      'tests/test_a.yaml': 't_customers:\n  model: shop.customers\n  outputs: {query: []}\nt_daily:\n  model: shop.orders_daily\n  outputs: {query: []}\n',
      'tests/sub/test_b.yaml': 't_tiers:\n  model: shop.tiers\n  outputs: {query: []}\n',
    }
    const names = async (selectors: string[]): Promise<string[]> => (await runShopTests(files, { selectors })).tests.map((t) => t.name)
    expect(await names([])).toEqual(['t_tiers', 't_customers', 't_daily'])
    expect(await names(['shop.orders_*'])).toEqual(['t_daily'])
    expect(await names(['t_c*', 'shop.tiers'])).toEqual(['t_tiers', 't_customers'])
    expect(await names(['test_b.yaml'])).toEqual(['t_tiers'])
    expect(await names(['tests/test_a.yaml::t_d*'])).toEqual(['t_daily'])
    await expect(names(['shop.nope'])).rejects.toThrow(/matches no models/)
  })
})
