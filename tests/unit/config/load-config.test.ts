import { describe, expect, it } from 'vitest'
import { parseConfig, substituteEnvVars } from '../../../src/config/load-config.js'
import { ConfigError } from '../../../src/errors.js'

const catchErr = (fn: () => unknown): ConfigError => {
  try {
    fn()
  } catch (e) {
    return e as ConfigError
  }
  throw new Error('expected an error')
}

describe('config.yaml', () => {
  it('loads the SQLMesh shape with defaults', () => {
    const c = parseConfig(
      "gateways:\n  local:\n    connection:\n      type: duckdb\n      database: w.duckdb\ndefault_gateway: local\nmodel_defaults:\n  start: '2024-01-01'\nvariables:\n  Activity_Window: 30\n",
      'config.yaml',
    )
    expect(c.gatewayName).toBe('local')
    expect(c.gateway.connection).toEqual({ type: 'duckdb', database: 'w.duckdb' })
    expect(c.config.model_defaults).toEqual({ dialect: 'trino', cron: '@daily', start: '2024-01-01' })
    expect(c.variables).toEqual({ activity_window: 30 })
  })
  it('accepts an empty file (embedded DuckDB default)', () => {
    const c = parseConfig('', 'config.yaml')
    expect(c.gateway).toEqual({})
    expect(c.config.model_defaults.dialect).toBe('trino')
  })
  it('names an unknown key and its line', () => {
    const e = catchErr(() => parseConfig('model_defaults:\n  dialect: trino\n  colour: red\n', 'config.yaml'))
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.format()).toBe("config.yaml:3: model_defaults: unknown key 'colour'")
  })
  it('rejects an unknown connection type and a bad dialect', () => {
    expect(catchErr(() => parseConfig('gateways:\n  g:\n    connection:\n      type: oracle\n', 'c.yaml')).format()).toMatch(
      /^c\.yaml:4: gateways\.g\.connection\.type/,
    )
    expect(catchErr(() => parseConfig('model_defaults:\n  dialect: mysql\n', 'c.yaml')).format()).toMatch(/^c\.yaml:2: model_defaults\.dialect/)
  })
  it('reports YAML syntax errors with a line', () => {
    expect(catchErr(() => parseConfig('a: [1, 2\nb: 3\n', 'config.yaml')).format()).toMatch(/^config\.yaml:\d+: invalid YAML/)
  })
  it('rejects an unknown gateway', () => {
    expect(catchErr(() => parseConfig('gateways:\n  local: {}\n', 'config.yaml', { gateway: 'prod' })).message).toMatch(
      /unknown gateway 'prod' \(known: local\)/,
    )
  })
  it('substitutes env_var() and never prints values', () => {
    expect(substituteEnvVars("x: {{ env_var('A') }} {{env_var(\"B\", 'dflt')}}", 'c', { A: 'secret' })).toBe('x: secret dflt')
    const e = catchErr(() => substituteEnvVars("x: {{ env_var('MISSING') }}", 'c', {}))
    expect(e.message).toBe('environment variable MISSING is not set')
  })
})
