import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditDefinition } from '../../../src/audits/audit.js'
import { BUILTIN_AUDITS } from '../../../src/audits/builtin-audits.js'
import { createAuditRegistry } from '../../../src/audits/registry.js'
import { renderAuditQuery } from '../../../src/audits/render-audit.js'
import { runAudits } from '../../../src/audits/run-audits.js'
import { QueryError } from '../../../src/errors.js'
import { createMacroRegistry } from '../../../src/macros/index.js'
import { AuditBench, builtinRegistry, callsOf, engineErrorOf, MODEL_FILE } from './audit-fixtures.js'

let bench: AuditBench
let events: string
beforeAll(async () => {
  bench = await AuditBench.open()
  events = await bench.table('ds DATE, kind VARCHAR, amount INT', [
    "DATE '2024-01-01', 'sale', NULL",
    "DATE '2024-01-01', 'refund', -5",
    "DATE '2024-01-02', 'sale', 10",
    "DATE '2024-01-02', 'sale', 20",
  ])
})
afterAll(() => bench.close())

const DAY2 = "ds >= DATE '2024-01-02' AND ds < DATE '2024-01-03'"

describe('runAudits: where (the batch window)', () => {
  it('checks only the rows inside ctx.where', async () => {
    const whole = await bench.one(events, 'not_null(columns := (amount))')
    expect(whole.count).toBe(1)
    const batch = await bench.one(events, 'not_null(columns := (amount))', { ctx: { where: DAY2 } })
    expect({ status: batch.status, count: batch.count }).toEqual({ status: 'passed', count: 0 })
    expect(batch.sql).toContain(`(SELECT * FROM ${events} WHERE ${DAY2})`)
  })

  it('restricts aggregate audits to the window too', async () => {
    expect((await bench.one(events, 'number_of_rows(threshold := 3)')).status).toBe('passed')
    expect((await bench.one(events, 'number_of_rows(threshold := 3)', { ctx: { where: DAY2 } })).status).toBe('failed')
  })
})

describe('runAudits: condition', () => {
  it('limits row audits to rows matching the condition', async () => {
    expect((await bench.one(events, "not_null(columns := (amount), condition := kind = 'refund')")).status).toBe('passed')
    expect((await bench.one(events, "accepted_range(column := amount, min_v := 0, condition := kind = 'sale')")).status).toBe('passed')
    expect((await bench.one(events, 'accepted_range(column := amount, min_v := 0)')).count).toBe(1)
  })

  it('limits aggregate audits and combines with where', async () => {
    const r = await bench.one(events, "number_of_rows(threshold := 1, condition := kind = 'sale')", { ctx: { where: DAY2 } })
    expect(r.status).toBe('passed')
    const r2 = await bench.one(events, "number_of_rows(threshold := 2, condition := kind = 'sale')", { ctx: { where: DAY2 } })
    expect(r2).toMatchObject({ status: 'failed', count: 1, sample: [{ row_count: 2 }] })
  })

  it('reads the condition in the model dialect (Trino functions are transpiled)', async () => {
    const r = await bench.one(events, "not_null(columns := (amount), condition := regexp_like(kind, '^ref'))")
    expect(r.status).toBe('passed')
    expect(r.sql).toMatch(/regexp_matches/i)
  })

  it('renders macros in arguments with the interval', async () => {
    const interval = [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)] as const
    const r = await bench.one(events, 'not_null(columns := (amount), condition := ds BETWEEN @start_date AND @end_date)', {
      ctx: { interval },
    })
    expect(r.status).toBe('passed')
    expect(r.interval).toEqual(interval)
  })

  it('renders project variables and user macros in arguments', async () => {
    const macros = createMacroRegistry({ min_amount: () => '0' })
    const ctx = { variables: { max_amount: 15 }, macros }
    const r = await bench.one(events, 'accepted_range(column := amount, min_v := @min_amount, max_v := @max_amount)', { ctx })
    expect(r.count).toBe(2)
  })
})

describe('runAudits: results', () => {
  it('keeps a sample of at most 5 bad rows but counts them all', async () => {
    const t = await bench.table('n INT', Array.from({ length: 7 }, (_, i) => String(-i - 1)))
    const r = await bench.one(t, 'accepted_range(column := n, min_v := 0)')
    expect(r.count).toBe(7)
    expect(r.sample).toHaveLength(5)
    for (const row of r.sample) expect(row['n']).toBeLessThan(0)
  })

  it('returns one result per call, in order, with the call as written', async () => {
    const results = await bench.run(events, "not_null(columns := (kind)), accepted_values(column := kind, is_in := ('sale'))")
    expect(results.map((r) => [r.model, r.audit, r.status, r.args])).toEqual([
      ['shop.items', 'not_null', 'passed', { columns: '(kind)' }],
      ['shop.items', 'accepted_values', 'failed', { column: 'kind', is_in: "('sale')" }],
    ])
    expect(results[0]!.interval).toBeUndefined()
  })

  it('records the interval given to runAudits over ctx.interval', async () => {
    const interval = [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)] as const
    const [r] = await runAudits({
      model: 'shop.items',
      calls: callsOf('not_null(columns := (kind))'),
      registry: builtinRegistry,
      ctx: bench.ctx(events, { interval: [0, 1] }),
      query: (s) => bench.db.query(s),
      interval,
    })
    expect(r!.interval).toEqual(interval)
  })

  it('skips audits declared skip true', async () => {
    const skipped: AuditDefinition = { ...BUILTIN_AUDITS.get('not_null')!, name: 'skipped_check', skip: true }
    const registry = createAuditRegistry([...BUILTIN_AUDITS.values(), skipped])
    const results = await bench.run(events, 'skipped_check(columns := (amount)), not_null(columns := (amount))', { registry })
    expect(results.map((r) => r.audit)).toEqual(['not_null'])
  })

  it('runs every query through the given query function', async () => {
    const seen: string[] = []
    await runAudits({
      model: 'shop.items',
      calls: callsOf('not_null(columns := (amount))'),
      registry: builtinRegistry,
      ctx: bench.ctx(events),
      query: (s) => {
        seen.push(s)
        return bench.db.query(s)
      },
    })
    expect(seen).toHaveLength(2)
    expect(seen[0]).toMatch(/^SELECT count\(\*\) AS n FROM \(/)
    expect(seen[1]).toMatch(/LIMIT 5$/)
  })
})

describe('runAudits: errors', () => {
  it('throws an engine failure as a QueryError naming the audit and model', async () => {
    const e = await engineErrorOf(() => bench.run(events, 'not_null(columns := (no_such_column))'))
    expect(e).toBeInstanceOf(QueryError)
    expect(e.code).toBe('QUERY_FAILED')
    expect(e.message).toMatch(/audit 'not_null' on model 'shop.items' failed to run: .*no_such_column/)
    expect((e as QueryError).sql).toContain('no_such_column')
  })

  it('throws AUDIT_INVALID for an unknown audit, located at the model', async () => {
    const e = await engineErrorOf(() => bench.run(events, 'not_nul(columns := (amount))'))
    expect({ code: e.code, file: e.location?.file }).toEqual({ code: 'AUDIT_INVALID', file: MODEL_FILE })
    expect(e.message).toMatch(/unknown audit 'not_nul'; did you mean not_null/)
  })

  it('throws AUDIT_INVALID for a bad argument at render time', async () => {
    const e = await engineErrorOf(() => bench.run(events, 'accepted_range(column := amount)'))
    expect(e.code).toBe('AUDIT_INVALID')
    expect(e.message).toMatch(/audit 'accepted_range': needs min_v or max_v/)
    expect(e.location).toEqual({ file: MODEL_FILE, line: 1 })
  })

  it('throws TRANSPILE_FAILED naming the audit for a condition that does not parse', async () => {
    const call = { name: 'not_null', args: { columns: 'a', condition: 'a = = 1' } }
    const e = await engineErrorOf(() => renderAuditQuery(call, BUILTIN_AUDITS.get('not_null')!, bench.ctx(events)))
    expect(e.code).toBe('TRANSPILE_FAILED')
    expect(e.message).toMatch(/^audit 'not_null': /)
    expect(e.location?.file).toBe(MODEL_FILE)
  })

  it('throws MACRO_UNKNOWN for an unknown @name in an argument', async () => {
    const e = await engineErrorOf(() => bench.run(events, 'number_of_rows(threshold := @min_rows)'))
    expect(e.code).toBe('MACRO_UNKNOWN')
    expect(e.location?.file).toBe(MODEL_FILE)
  })
})
