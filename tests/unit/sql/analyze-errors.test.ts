import { beforeAll, describe, expect, it } from 'vitest'
import { SqlError } from '../../../src/errors.js'
import { createSqlService } from '../../../src/sql/polyglot-sql-service.js'
import type { SqlService } from '../../../src/sql/sql-service.js'

let sql: SqlService
beforeAll(async () => {
  sql = await createSqlService()
})

function catchError(fn: () => unknown): SqlError {
  try {
    fn()
  } catch (e) {
    if (e instanceof SqlError) return e
    throw e
  }
  throw new Error('expected a SqlError')
}

describe('parse errors', () => {
  it('throws SQL_PARSE with the 1-based line inside the SQL string', () => {
    const e = catchError(() => sql.analyze('SELECT a\nFROM t\nWHERE', 'trino'))
    expect(e.code).toBe('SQL_PARSE')
    expect(e.location?.line).toBe(3)
    expect(e.location?.file).toBe('<sql>')
  })

  it('rejects invalid SQL that looks plausible', () => {
    expect(catchError(() => sql.analyze('SELECT CAST(a) FROM t', 'trino')).code).toBe('SQL_PARSE')
  })

  it('rejects empty input and multiple statements', () => {
    expect(catchError(() => sql.analyze('-- nothing here', 'trino')).code).toBe('SQL_PARSE')
    const e = catchError(() => sql.analyze('SELECT 1;\nSELECT 2', 'trino'))
    expect(e.message).toMatch(/one statement/)
    expect(e.location?.line).toBe(1)
  })

  it('accepts one trailing semicolon', () => {
    expect(sql.analyze('SELECT 1 AS x;', 'trino').columns).toEqual(['x'])
  })

  it('throws TRANSPILE_FAILED with a line when transpiling invalid SQL', () => {
    const e = catchError(() => sql.transpile('SELECT a,\n  date_add(\nFROM t', 'trino', 'duckdb'))
    expect(e.code).toBe('TRANSPILE_FAILED')
    expect(e.location?.line).toBeGreaterThanOrEqual(2)
  })
})
