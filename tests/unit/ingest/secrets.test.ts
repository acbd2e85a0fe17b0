import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EnvSecretResolver, envVarName, FileSecretResolver, SecretChain } from '../../../src/ingest/secrets.js'

describe('secret resolution', () => {
  const ref = { group: 'my_database', key: 'db_connection_string' }

  it('reads TRIBUTARY__<GROUP>__<KEY> first, then the secrets file', async () => {
    expect(envVarName({ group: 'my-db', key: 'conn.string' })).toBe('TRIBUTARY__MY_DB__CONN_STRING')
    const dir = mkdtempSync(join(tmpdir(), 'trib-sec-'))
    const file = join(dir, 'secrets.yaml')
    writeFileSync(file, 'my_database:\n  db_connection_string: postgresql://u:from-file@h/db\n')
    const fromFile = new SecretChain([new EnvSecretResolver({}), new FileSecretResolver(file)])
    expect(await fromFile.resolve(ref)).toBe('postgresql://u:from-file@h/db')
    const fromEnv = new SecretChain([new EnvSecretResolver({ TRIBUTARY__MY_DATABASE__DB_CONNECTION_STRING: 'postgresql://u:from-env@h/db' }), new FileSecretResolver(file)])
    expect(await fromEnv.resolve(ref)).toBe('postgresql://u:from-env@h/db')
  })

  it('a missing secret names the reference and where it looked, never a value', async () => {
    const chain = new SecretChain([new EnvSecretResolver({}), new FileSecretResolver('/nonexistent/secrets.yaml')])
    await expect(chain.resolve(ref)).rejects.toThrow(
      'secret my_database.db_connection_string is not set: looked in environment variable TRIBUTARY__MY_DATABASE__DB_CONNECTION_STRING, then /nonexistent/secrets.yaml (my_database.db_connection_string)',
    )
  })

  it('redacts every resolved value, its password alone, and any URL password', async () => {
    const chain = new SecretChain([new EnvSecretResolver({ TRIBUTARY__MY_DATABASE__DB_CONNECTION_STRING: 'postgresql://app:s3cr%40t-pw@db.internal:5432/prod' })])
    await chain.resolve(ref)
    const msg = chain.redact('failed for postgresql://app:s3cr%40t-pw@db.internal:5432/prod; password s3cr@t-pw; other postgres://x:y@z/w')
    expect(msg).not.toMatch(/s3cr/)
    expect(msg).toContain('postgres://x:***@z/w')
  })
})
