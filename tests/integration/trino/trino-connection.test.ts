import { describe, expect, it } from 'vitest'
import { TrinoConnection, TrinoQueryError } from '../../../src/engines/trino/trino-connection.js'
import { stackEnv } from './lakehouse-project.js'

/** The client wrapper against the real Trino of the stack. */
describe('TrinoConnection against a real Trino', () => {
  const c = new TrinoConnection({ server: stackEnv().trinoUrl, user: 'tributary-it' })

  it('keeps BIGINT values beyond 2^53 exact, also in unnamed and repeated columns', async () => {
    const r = await c.run("SELECT max(x), 'a' AS a, max(x) FROM (VALUES BIGINT '9007199254740993') t(x)")
    expect(r.rows).toEqual([['9007199254740993', 'a', '9007199254740993']])
    expect(r.columns.map((col) => col.type)).toEqual(['bigint', 'varchar(1)', 'bigint'])
  })

  it('turns an error in the result into a TrinoQueryError with Trino’s name', async () => {
    const e = await c.run('SELECT * FROM iceberg.information_schema.no_such_table').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(TrinoQueryError)
    expect((e as TrinoQueryError).errorName).toBe('TABLE_NOT_FOUND')
  })

  it('collects every page of a large result exactly once', async () => {
    const r = await c.run('SELECT i * 2 + j AS x FROM UNNEST(sequence(1, 10000)) AS a(i) CROSS JOIN UNNEST(sequence(0, 1)) AS b(j)')
    expect(r.rows.length).toBe(20000)
    expect(new Set(r.rows.map((row) => row[0])).size).toBe(20000)
  })
})
