/**
 * A copy of the example warehouse pointed at the running stack, isolated from everything else on
 * it: its own Nessie "main" branch, consumer tag and Trino catalogs (created here, dropped in
 * `dispose`). Commands run through the built CLI, exactly as a user runs them.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { NessieClient } from '../../../src/catalog/nessie/nessie-client.js'
import { TrinoConnection } from '../../../src/engines/trino/trino-connection.js'

const exec = promisify(execFile)
const REPO = resolve(import.meta.dirname, '../../..')
const CLI = join(REPO, 'dist/cli/main.js')

export interface StackEnv {
  trinoUrl: string
  nessieUrl: string
  lakeDir: string
}

export function stackEnv(): StackEnv {
  const trinoUrl = process.env['TRINO_URL']
  const nessieUrl = process.env['NESSIE_URL']
  const lakeDir = process.env['TRIBUTARY_LAKE_DIR']
  if (!trinoUrl || !nessieUrl || !lakeDir) {
    throw new Error('TRINO_URL, NESSIE_URL and TRIBUTARY_LAKE_DIR must be set: eval "$(bash scripts/stack.sh env)" after `bash scripts/stack.sh up`')
  }
  return { trinoUrl, nessieUrl, lakeDir }
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export class LakehouseProject {
  readonly dir: string
  readonly id: string
  readonly main: string
  readonly tag: string
  readonly catalog: string
  readonly consumerCatalog: string
  readonly nessie: NessieClient
  readonly trino: TrinoConnection

  private constructor(readonly env: StackEnv) {
    this.id = `${process.pid.toString(36)}${Date.now().toString(36)}`
    this.dir = mkdtempSync(join(tmpdir(), 'tributary-lakehouse-'))
    this.main = `it-main-${this.id}`
    this.tag = `it-consumer-${this.id}`
    this.catalog = `it_${this.id}`
    this.consumerCatalog = `it_${this.id}_consumer`
    this.nessie = new NessieClient(env.nessieUrl)
    const u = new URL(env.trinoUrl)
    this.trino = new TrinoConnection({ server: `${u.protocol}//${u.host}`, user: 'tributary-it' })
  }

  /** Copy the example warehouse, create an empty branch + tag for it, and its Trino catalog. */
  static async create(env: StackEnv = stackEnv(), o: { files?: Record<string, string> } = {}): Promise<LakehouseProject> {
    const p = new LakehouseProject(env)
    if (o.files) {
      for (const [rel, text] of Object.entries(o.files)) {
        mkdirSync(dirname(join(p.dir, rel)), { recursive: true })
        writeFileSync(join(p.dir, rel), text)
      }
    } else {
      for (const f of ['models', 'seeds', 'tests']) cpSync(join(REPO, f), join(p.dir, f), { recursive: true })
    }
    // A branch from the very first (empty) commit, so the project starts from nothing.
    const cfg = await fetch(`${env.nessieUrl}/config`).then((r) => r.json() as Promise<{ noAncestorHash: string; defaultBranch: string }>)
    const root = { type: 'BRANCH' as const, name: cfg.defaultBranch, hash: cfg.noAncestorHash }
    await p.nessie.createReference('BRANCH', p.main, root)
    await p.nessie.createReference('TAG', p.tag, { ...root, name: p.main })
    await p.trino.run(`CREATE CATALOG "${p.catalog}" USING iceberg WITH (${p.catalogProps(p.main)})`)
    writeFileSync(join(p.dir, 'config.yaml'), p.configYaml())
    return p
  }

  catalogProps(ref: string): string {
    return Object.entries(this.properties(ref))
      .map(([k, v]) => `"${k}" = '${v}'`)
      .join(', ')
  }

  private properties(ref?: string): Record<string, string> {
    return {
      'iceberg.catalog.type': 'nessie',
      'iceberg.nessie-catalog.uri': this.env.nessieUrl,
      ...(ref ? { 'iceberg.nessie-catalog.ref': ref } : {}),
      'iceberg.nessie-catalog.default-warehouse-dir': 'local:///warehouse',
      'fs.native-local.enabled': 'true',
      'local.location': this.env.lakeDir,
      'iceberg.file-format': 'PARQUET',
    }
  }

  private configYaml(): string {
    const u = new URL(this.env.trinoUrl)
    const props = Object.entries(this.properties())
      .map(([k, v]) => `          ${k}: '${v}'`)
      .join('\n')
    const example = readFileSync(join(REPO, 'config.yaml'), 'utf8')
    const tail = example.slice(example.indexOf('model_defaults:'))
    return `gateways:
  trino:
    connection:
      type: trino
      host: ${u.hostname}
      port: ${u.port}
      http_scheme: http
      user: tributary-it
      catalog: ${this.catalog}
      concurrent_tasks: 2
      nessie:
        url: ${this.env.nessieUrl}
        main_branch: ${this.main}
        consumer_tag: ${this.tag}
        consumer_catalog: ${this.consumerCatalog}
        catalog_refresh_wait: 2
        catalog_properties:
          connector.name: iceberg
${props}
default_gateway: trino

${tail}`
  }

  /** Change config.yaml (e.g. point at a dead port); returns a function that puts it back. */
  editConfig(edit: (yaml: string) => string): () => void {
    const file = join(this.dir, 'config.yaml')
    const original = readFileSync(file, 'utf8')
    writeFileSync(file, edit(original))
    return () => writeFileSync(file, original)
  }

  /** The built CLI, for tests that spawn it themselves. */
  get cliPath(): string {
    return CLI
  }

  /** Run the CLI in the project; never throws on a non-zero exit. */
  async cli(...args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: this.dir, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } })
      return { code: 0, stdout, stderr }
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string }
      return { code: typeof err.code === 'number' ? err.code : 99, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
    }
  }

  async rows(sql: string): Promise<unknown[][]> {
    return (await this.trino.run(sql)).rows
  }

  async mainHash(): Promise<string> {
    return (await this.nessie.getReference(this.main)).hash
  }

  async tagHash(): Promise<string> {
    return (await this.nessie.getReference(this.tag)).hash
  }

  /** Drop the catalogs and refs this project created, and its files. */
  async dispose(): Promise<void> {
    for (const c of [this.catalog, this.consumerCatalog, `${this.catalog}__dev`]) await this.trino.run(`DROP CATALOG IF EXISTS "${c}"`).catch(() => undefined)
    for (const r of await this.nessie.listReferences().catch(() => [])) {
      if (r.name === this.main || r.name === this.tag || r.name.startsWith(`${this.main}-env-`)) {
        await this.nessie.deleteReference(r).catch(() => undefined)
      }
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}
