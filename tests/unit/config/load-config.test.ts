import { describe, expect, it } from 'vitest'
import { parseConfig, substituteEnvVars } from '../../../src/config/load-config.js'
import { TrinoGateway } from '../../../src/engines/trino/trino-gateway.js'
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
  it('keeps a value with quotes, #, ": ", backslashes or a newline one string, quoted or not', () => {
    const pw = `p"a'ss: #x\\y\nz`
    const text = `a: "{{ env_var('PW') }}"\nb: '{{ env_var('PW') }}'\nc: {{ env_var('PW') }}\nd: "x-{{ env_var('PW') }}-y"\ne: {{ env_var('N') }}\n`
    const one = (t: string, env: Record<string, string>) => parseConfig(`variables:\n${t.replace(/^/gm, '  ').trimEnd()}\n`, 'config.yaml', { env })
    expect(catchErr(() => one(text, { PW: pw, N: '5432' })).format()).toBe("config.yaml:3: environment variable PW holds a line break: put {{ env_var('PW') }} in double quotes")
    const c = one(text, { PW: pw.replace('\n', ' '), N: '5432' })
    const flat = pw.replace('\n', ' ')
    expect(c.variables).toEqual({ a: flat, b: flat, c: flat, d: `x-${flat}-y`, e: 5432 })
    expect(one(`a: "{{ env_var('PW') }}"\nc: {{ env_var('PW') }}\n`, { PW: pw }).variables).toEqual({ a: pw, c: pw })
  })
})

describe('config.yaml: trino gateway', () => {
  const trino = (connection: string): string => `gateways:\n  lake:\n    connection:\n${connection.replace(/^/gm, '      ')}\n`
  const BASE = 'type: trino\nhost: trino.example.com\nuser: etl\ncatalog: iceberg'
  const NESSIE =
    'nessie:\n' +
    '  url: http://127.0.0.1:19120/api/v2\n' +
    '  catalog_properties:\n' +
    '    connector.name: iceberg\n' +
    '    iceberg.catalog.type: nessie\n' +
    '    fs.native-s3.enabled: true\n' +
    '    s3.max-connections: 50'

  it('parses a full trino gateway with defaults', () => {
    const c = parseConfig(trino(`${BASE}\n${NESSIE}`), 'config.yaml')
    expect(c.gatewayName).toBe('lake')
    expect(c.gateway.connection).toEqual({
      type: 'trino',
      host: 'trino.example.com',
      user: 'etl',
      catalog: 'iceberg',
      http_scheme: 'https',
      method: 'no-auth',
      nessie: {
        url: 'http://127.0.0.1:19120/api/v2',
        main_branch: 'main',
        consumer_tag: 'consumer',
        consumer_catalog: 'iceberg_consumer',
        catalog_refresh_wait: 3,
        catalog_properties: {
          'connector.name': 'iceberg',
          'iceberg.catalog.type': 'nessie',
          'fs.native-s3.enabled': 'true',
          's3.max-connections': '50',
        },
      },
    })
  })

  it('keeps explicit settings and stringifies session properties', () => {
    const c = parseConfig(
      trino(
        `${BASE}\nport: 8443\nmethod: basic\npassword: pw\nsession_properties:\n  query_max_memory: 2GB\n  optimize_hash_generation: false\n${NESSIE}\n  main_branch: trunk\n  consumer_tag: readers\n  catalog_refresh_wait: 0`,
      ),
      'config.yaml',
    )
    const conn = c.gateway.connection
    expect(conn?.type).toBe('trino')
    if (conn?.type !== 'trino') return
    expect(conn).toMatchObject({ port: 8443, method: 'basic', password: 'pw', http_scheme: 'https' })
    expect(conn.session_properties).toEqual({ query_max_memory: '2GB', optimize_hash_generation: 'false' })
    expect(conn.nessie).toMatchObject({ main_branch: 'trunk', consumer_tag: 'readers', consumer_catalog: 'iceberg_consumer', catalog_refresh_wait: 0 })
  })

  it('method basic needs a password', () => {
    const e = catchErr(() => parseConfig(trino(`${BASE}\nmethod: basic\n${NESSIE}`), 'config.yaml'))
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.message).toMatch(/^gateways\.lake\.connection\.password: /)
    expect(e.message).toContain('password')
  })

  it('method basic over http is refused', () => {
    const e = catchErr(() => parseConfig(trino(`${BASE}\nmethod: basic\npassword: pw\nhttp_scheme: http\n${NESSIE}`), 'config.yaml'))
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.message).toMatch(/^gateways\.lake\.connection\.http_scheme: .*https/)
    // the password is never part of the message
    expect(e.message).not.toContain('pw')
  })

  it('names an unknown key under nessie and its line', () => {
    const e = catchErr(() => parseConfig(trino(`${BASE}\n${NESSIE}\n  main_brnach: trunk`), 'config.yaml'))
    expect(e.code).toBe('CONFIG_INVALID')
    // line 1 gateways, 2 lake, 3 connection, 4-7 BASE, 8 nessie, 9 url, 10-14 catalog_properties, 15 main_brnach
    expect(e.format()).toBe("config.yaml:15: gateways.lake.connection.nessie: unknown key 'main_brnach'")
  })

  it('rejects a nessie block without catalog_properties and an invalid url', () => {
    expect(catchErr(() => parseConfig(trino(`${BASE}\nnessie:\n  url: http://n/api/v2`), 'c.yaml')).message).toMatch(
      /^gateways\.lake\.connection\.nessie\.catalog_properties: /,
    )
    expect(catchErr(() => parseConfig(trino(`${BASE}\nnessie:\n  url: not a url\n  catalog_properties: {}`), 'c.yaml')).message).toMatch(
      /^gateways\.lake\.connection\.nessie\.url: /,
    )
  })

  it('a trino gateway without nessie parses; TrinoGateway rejects it', () => {
    const c = parseConfig(trino(BASE), 'config.yaml')
    const conn = c.gateway.connection
    expect(conn).toEqual({ type: 'trino', host: 'trino.example.com', user: 'etl', catalog: 'iceberg', http_scheme: 'https', method: 'no-auth' })
    if (conn?.type !== 'trino') throw new Error('expected a trino connection')
    const e = catchErr(() => new TrinoGateway(conn))
    expect(e).toBeInstanceOf(ConfigError)
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.message).toMatch(/needs a 'nessie' block/)
  })
})

describe('config.yaml: postgres state_connection', () => {
  const base = (extra: string): string =>
    `gateways:\n  g:\n    state_connection:\n      type: postgres\n      host: db1\n      port: "6543"\n      database: ops\n      user: tributary_state\n${extra}    state_schema: my_state\n`
  it('takes SQLMesh keys; numbers may be strings (from env_var)', () => {
    const c = parseConfig(base('      password: pw\n'), 'config.yaml')
    expect(c.gateway.state_connection).toEqual({
      type: 'postgres',
      host: 'db1',
      port: 6543,
      database: 'ops',
      user: 'tributary_state',
      password: 'pw',
      sslmode: 'prefer',
      connect_timeout: 10,
      application_name: 'tributary',
    })
    expect(c.gateway.state_schema).toBe('my_state')
  })
  it('refuses password and secret together, a bad sslmode and an unknown key, naming them', () => {
    expect(catchErr(() => parseConfig(base('      password: pw\n      secret: { group: state, key: password }\n'), 'c.yaml')).format()).toMatch(
      /^c\.yaml:\d+: gateways\.g\.state_connection\.secret: give either 'password' or 'secret', not both/,
    )
    expect(catchErr(() => parseConfig(base('      sslmode: always\n'), 'c.yaml')).format()).toMatch(/^c\.yaml:9: gateways\.g\.state_connection\.sslmode/)
    expect(catchErr(() => parseConfig(base('      passwd: x\n'), 'c.yaml')).format()).toMatch(/unknown key 'passwd'/)
    expect(catchErr(() => parseConfig(base('').replace('"6543"', 'abc'), 'c.yaml')).format()).toMatch(/^c\.yaml:6: gateways\.g\.state_connection\.port/)
  })
})
