import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/errors.js'
import { lagAmount, loadSources, parseSourceFile, sourceModels, sourceNodeName } from '../../../src/ingest/source-config.js'

const GOOD = `name: my_database
connection:
  secret: { group: my_database, key: db_connection_string }
tables:
  - table: some_time_series_table
    incremental: { cursor: time, initial_value: "2024-01-01", lag: "1 hour" }
    primary_key: [id]
    write_disposition: merge
  - table: some_non_time_series_table
    destination_table_name: lookup
`

function failure(text: string): EngineError {
  try {
    parseSourceFile(text, 'sources/db.yaml')
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError)
    return e as EngineError
  }
  throw new Error('expected a failure')
}

describe('sources/*.yaml', () => {
  it('parses the documented example with defaults and lines', () => {
    const s = parseSourceFile(GOOD, 'sources/db.yaml')
    expect(s.name).toBe('my_database')
    expect(s.secret).toEqual({ group: 'my_database', key: 'db_connection_string' })
    expect(s.tables.map((t) => [sourceNodeName(s, t), t.schema, t.line])).toEqual([
      ['my_database.some_time_series_table', 'public', 5],
      ['my_database.lookup', 'public', 9],
    ])
    expect(s.tables[0]!.incremental).toEqual({ cursor: 'time', initial_value: '2024-01-01', lag: '1 hour', on_null: 'fail' })
  })

  it('names the file, line and key of a mistake', () => {
    expect(failure(GOOD.replace('write_disposition: merge', 'write_disposition: upsert')).format()).toMatch(/^sources\/db\.yaml:8: tables\.0\.write_disposition: /)
    expect(failure(GOOD.replace('primary_key: [id]', 'primary_kye: [id]')).format()).toMatch(/^sources\/db\.yaml:7: .*unknown key 'primary_kye'/)
    expect(failure(GOOD.replace('lag: "1 hour"', 'lag: "soon"')).format()).toMatch(/lag must look like/)
    const withPassword = failure(GOOD.replace('key: db_connection_string }', 'key: db_connection_string }\n  password: hunter2'))
    expect(withPassword.format()).toMatch(/^sources\/db\.yaml:4: connection: unknown key 'password'/)
    expect(withPassword.format()).not.toContain('hunter2')
    expect(failure(GOOD.replace('destination_table_name: lookup', 'destination_table_name: some_time_series_table')).format()).toMatch(
      /:9: table 'my_database\.some_time_series_table' is replicated twice \(first on line 5\)/,
    )
    expect(failure('name: my-db\nconnection: { secret: { group: a, key: b } }\ntables: [{ table: t }]').code).toBe('SOURCE_INVALID')
  })

  it('source tables become EXTERNAL nodes tagged source; two files with one name are an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trib-src-'))
    mkdirSync(join(dir, 'sources'))
    writeFileSync(join(dir, 'sources', 'a.yaml'), GOOD)
    const models = sourceModels(loadSources(dir))
    expect(models.map((m) => [m.name, m.kind.name, m.tags])).toEqual([
      ['my_database.some_time_series_table', 'EXTERNAL', ['source', 'source=my_database']],
      ['my_database.lookup', 'EXTERNAL', ['source', 'source=my_database']],
    ])
    writeFileSync(join(dir, 'sources', 'b.yml'), GOOD)
    expect(() => loadSources(dir)).toThrow(/source 'my_database' is also defined in sources\/a\.yaml/)
  })

  it('accepts a cdc block and checks its names', () => {
    const withCdc = GOOD.replace('tables:', 'cdc: { slot: oso_slot, publication: oso_publication }\ntables:')
    expect(parseSourceFile(withCdc, 'sources/db.yaml').cdc).toEqual({ slot: 'oso_slot', publication: 'oso_publication' })
    expect(failure(withCdc.replace('oso_slot', 'Bad-Slot')).format()).toMatch(/:4: cdc\.slot: cdc\.slot must be lower-case/)
  })

  it('lag in milliseconds for time units, as is for numbers', () => {
    expect(lagAmount('1 hour')).toBe(3_600_000)
    expect(lagAmount('30 minutes')).toBe(1_800_000)
    expect(lagAmount('2 days')).toBe(172_800_000)
    expect(lagAmount(500)).toBe(500)
    expect(lagAmount(undefined)).toBe(0)
  })
})
