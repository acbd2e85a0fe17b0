import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml'
import type { z } from 'zod'
import { ConfigError } from '../errors.js'
import { ConfigSchema, type Config, type GatewayConfig } from './schema.js'

export const CONFIG_FILES = ['config.yaml', 'config.yml'] as const

/** The resolved configuration of one project. */
export interface ResolvedConfig {
  config: Config
  /** Project-relative config file name. */
  file: string
  gatewayName: string
  gateway: GatewayConfig
  /** Project variables, gateway variables layered over global ones, keys lower-cased. */
  variables: Record<string, unknown>
}

/** Find and validate `config.yaml` in `projectDir`. Throws ConfigError naming the file, line and key. */
export function loadConfig(projectDir: string, opts: { gateway?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedConfig {
  const file = CONFIG_FILES.find((f) => existsSync(join(projectDir, f)))
  if (!file) {
    throw new ConfigError('CONFIG_NOT_FOUND', `no config.yaml in ${projectDir} (create one with \`models init\`)`)
  }
  const text = readFileSync(join(projectDir, file), 'utf8')
  return parseConfig(text, file, opts)
}

/** Validate config text. Exposed for tests. */
export function parseConfig(text: string, file: string, opts: { gateway?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedConfig {
  const lines = new LineCounter()
  const doc = parseDocument(substituteEnvVars(text, file, opts.env ?? process.env), { lineCounter: lines })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const line = e.linePos?.[0]?.line
    throw new ConfigError('CONFIG_INVALID', `invalid YAML: ${e.message.split('\n')[0]}`, { location: { file, line } })
  }
  const raw: unknown = doc.toJS() ?? {}
  const parsed = ConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const { path, message } = describeIssue(issue)
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path
    const line = lineOf(doc.contents, at, lines)
    throw new ConfigError('CONFIG_INVALID', `${path ? `${path}: ` : ''}${message}`, { location: { file, line } })
  }
  const config = parsed.data
  const names = Object.keys(config.gateways)
  const gatewayName = opts.gateway ?? config.default_gateway ?? names[0] ?? 'local'
  const gateway = config.gateways[gatewayName]
  if (!gateway && (opts.gateway || config.default_gateway || names.length > 0)) {
    const known = names.length ? names.join(', ') : 'none'
    throw new ConfigError('CONFIG_INVALID', `unknown gateway '${gatewayName}' (known: ${known})`, { location: { file } })
  }
  const variables: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(config.variables)) variables[k.toLowerCase()] = v
  for (const [k, v] of Object.entries(gateway?.variables ?? {})) variables[k.toLowerCase()] = v
  return { config, file, gatewayName, gateway: gateway ?? {}, variables }
}

export function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  const path = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ')
    return { path, message: `unknown key ${keys}` }
  }
  if (issue.code === 'invalid_union' || issue.code === 'invalid_value') {
    return { path, message: issue.message.replace(/^Invalid input: /, '') }
  }
  return { path, message: issue.message }
}

/** Line of the deepest YAML node found along `path` (1-based). */
export function lineOf(root: unknown, path: readonly PropertyKey[], lines: LineCounter): number | undefined {
  let node = root as YamlNode | null | undefined
  let best: number | undefined
  const mark = (n: YamlNode | null | undefined): void => {
    if (n?.range) best = lines.linePos(n.range[0]).line
  }
  mark(node)
  for (const key of path) {
    if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as YamlNode | null | undefined
      mark(node)
      continue
    }
    if (!isMap(node)) break
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key))
    if (!pair) break
    mark(pair.key as YamlNode)
    node = pair.value as YamlNode | null
  }
  return best
}

/**
 * SQLMesh's `{{ env_var('NAME') }}` / `{{ env_var('NAME', 'default') }}` syntax. A missing
 * variable without default is an error naming the variable (never its value). Values are escaped
 * for where they land, so a password with quotes, `#`, `: ` or a newline stays one string:
 * inside "…" as a double-quoted escape, inside '…' with doubled quotes, unquoted as a
 * double-quoted scalar unless it is plain (letters, digits, `._/+=~-`).
 */
export function substituteEnvVars(text: string, file: string, env: NodeJS.ProcessEnv): string {
  const re = /\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*\}\}/g
  return text.replace(re, (_m, _q, name: string, _q2, def: string | undefined, offset: number) => {
    const v = env[name] ?? def
    if (v === undefined) throw new ConfigError('CONFIG_INVALID', `environment variable ${name} is not set`, { location: { file } })
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1
    const quote = openQuote(text.slice(lineStart, offset))
    if (quote === '"') return JSON.stringify(v).slice(1, -1)
    if (quote === "'") {
      // Single-quoted YAML folds line breaks: such a value must go in double quotes.
      if (/[\r\n]/.test(v)) throw new ConfigError('CONFIG_INVALID', `environment variable ${name} holds a line break: put {{ env_var('${name}') }} in double quotes`, { location: { file, line: text.slice(0, offset).split('\n').length } })
      return v.replaceAll("'", "''")
    }
    return /^[A-Za-z0-9_./+=~-]*$/.test(v) ? v : JSON.stringify(v)
  })
}

/** The YAML quote open at the end of `prefix` (one line), if any; a `#` outside quotes starts a comment. */
function openQuote(prefix: string): '"' | "'" | undefined {
  let open: '"' | "'" | undefined
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i]
    if (open === '"') {
      if (c === '\\') i++
      else if (c === '"') open = undefined
    } else if (open === "'") {
      if (c === "'" && prefix[i + 1] === "'") i++
      else if (c === "'") open = undefined
    } else if (c === '"' || c === "'") open = c
    else if (c === '#' && (i === 0 || /\s/.test(prefix[i - 1]!))) return undefined
  }
  return open
}
