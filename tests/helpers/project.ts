import { mkdirSync, mkdtempSync, writeFileSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Write a project's files (path -> text) into a fresh temp folder and return it. */
export function writeProject(files: Record<string, string>, dir = mkdtempSync(join(tmpdir(), 'trib-'))): string {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel)
    mkdirSync(dirname(p), { recursive: true })
    writeFileSync(p, text)
  }
  return dir
}

/** Copy the repository's bundled example warehouse into a temp folder. */
export function copyExampleWarehouse(): string {
  const repo = join(import.meta.dirname, '..', '..')
  const dir = mkdtempSync(join(tmpdir(), 'trib-example-'))
  for (const p of ['config.yaml', 'models', 'seeds']) cpSync(join(repo, p), join(dir, p), { recursive: true })
  return dir
}

export const DUCKDB_CONFIG = `gateways:
  local:
    connection:
      type: duckdb
default_gateway: local
model_defaults:
  dialect: trino
  start: '2024-01-01'
  cron: '@daily'
`
