/**
 * Secret references (`{ group, key }`) are resolved only when a connection is opened, by a chain
 * of resolvers: the environment variable `TRIBUTARY__<GROUP>__<KEY>` first, then a secrets file.
 * A cloud secret manager is one more `SecretResolver`. Values never reach logs, errors, plans,
 * state or JSON output: errors name the reference, and `redact()` scrubs known values from any
 * message that might echo them (e.g. a driver error quoting a connection string).
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { EngineError } from '../errors.js'
import type { SecretRef } from './source-config.js'

export interface SecretResolver {
  /** The value, or undefined when this resolver does not have it. */
  resolve(ref: SecretRef): Promise<string | undefined>
  /** Where it looks, for the "not found" message (never values). */
  describe(ref: SecretRef): string
}

/** `TRIBUTARY__MY_DATABASE__DB_CONNECTION_STRING`. */
export function envVarName(ref: SecretRef): string {
  const part = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
  return `TRIBUTARY__${part(ref.group)}__${part(ref.key)}`
}

export class EnvSecretResolver implements SecretResolver {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}
  async resolve(ref: SecretRef): Promise<string | undefined> {
    const v = this.env[envVarName(ref)]
    return v === undefined || v === '' ? undefined : v
  }
  describe(ref: SecretRef): string {
    return `environment variable ${envVarName(ref)}`
  }
}

/**
 * A YAML file `{ <group>: { <key>: value } }`: `$TRIBUTARY_SECRETS_FILE`, else
 * `~/.config/tributary/secrets.yaml`. Keep it out of version control (mode 0600).
 */
export class FileSecretResolver implements SecretResolver {
  constructor(readonly path: string = process.env['TRIBUTARY_SECRETS_FILE'] ?? join(homedir(), '.config', 'tributary', 'secrets.yaml')) {}
  async resolve(ref: SecretRef): Promise<string | undefined> {
    if (!existsSync(this.path)) return undefined
    let doc: unknown
    try {
      doc = parse(readFileSync(this.path, 'utf8'))
    } catch {
      throw new EngineError('SECRET_UNAVAILABLE', `secrets file ${this.path} is not valid YAML`)
    }
    const v = (doc as Record<string, Record<string, unknown> | undefined> | null)?.[ref.group]?.[ref.key]
    return v === undefined || v === null ? undefined : String(v)
  }
  describe(ref: SecretRef): string {
    return `${this.path} (${ref.group}.${ref.key})`
  }
}

/** Tries resolvers in order; remembers every value it handed out so they can be redacted. */
export class SecretChain {
  private readonly seen = new Set<string>()

  constructor(private readonly resolvers: readonly SecretResolver[] = [new EnvSecretResolver(), new FileSecretResolver()]) {}

  async resolve(ref: SecretRef): Promise<string> {
    for (const r of this.resolvers) {
      const v = await r.resolve(ref)
      if (v !== undefined) {
        this.seen.add(v)
        for (const part of secretParts(v)) this.seen.add(part)
        return v
      }
    }
    throw new EngineError(
      'SECRET_UNAVAILABLE',
      `secret ${ref.group}.${ref.key} is not set: looked in ${this.resolvers.map((r) => r.describe(ref)).join(', then ')}`,
    )
  }

  /** `text` with every resolved secret (and a URL's password) replaced by `***`. */
  redact(text: string): string {
    let out = text
    for (const s of [...this.seen].sort((a, b) => b.length - a.length)) if (s.length >= 4) out = out.split(s).join('***')
    return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@')
  }
}

/** Pieces of a connection string that may show up alone in driver messages (the password). */
function secretParts(v: string): string[] {
  try {
    const u = new URL(v)
    return u.password ? [u.password, decodeURIComponent(u.password)] : []
  } catch {
    return []
  }
}
