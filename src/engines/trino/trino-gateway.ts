/**
 * Trino + Iceberg + Nessie: the production gateway.
 *
 * - Models are written to versioned physical tables (`tributary__oso.x__<version>`) on a work
 *   branch per run, created from `main` and reached through a catalog created for it
 *   (`CREATE CATALOG`, Trino's dynamic catalog management). Audits run there; a write that fails
 *   is rolled back on the branch; then the branch is merged into `main` in one commit, so readers
 *   of `main` never see unaudited or half-written data (write-audit-publish).
 * - Environments are not views (the Nessie catalog has none): prod's public tables (`oso.x`) are
 *   catalog entries on `main` pointing at the physical tables' metadata; a dev environment is a
 *   Nessie branch `tributary-env-<env>` with the same kind of pointers, read through the catalog
 *   `<catalog>__<env>`.
 * - Consumers read the tag `consumer` through `iceberg_consumer`; `models promote` moves the tag
 *   and re-creates that catalog so it sees the new commit.
 */
import { CatalogError, NessieClient, type CatalogContent, type CatalogOperation } from '../../catalog/nessie/nessie-client.js'
import type { ConsumerCheck, PromotionTarget } from '../../catalog/promotion-target.js'
import type { Reference } from '../../catalog/version-store.js'
import type { NessieSettings, TrinoConnection as TrinoConnectionConfig } from '../../config/schema.js'
import { ConfigError, EngineError, PlanError } from '../../errors.js'
import type { EnvironmentLayer, TableRef, WriteSession } from '../engine-adapter.js'
import { TrinoAdapter, type WriteGuard } from './trino-adapter.js'
import { TrinoConnection } from './trino-connection.js'
import { commitOnBranch, missingNamespaces, setKeyOps, tableKey } from './nessie-pointers.js'
import { quoteIdent, quoteString } from '../../sql/quote.js'

const PROD = 'prod'
const WORK_PREFIX = 'tributary-work-'
const ENV_PREFIX = 'tributary-env-'
/** Work branches older than this are leftovers of a killed run and are removed. */
const STALE_WORK_MS = 6 * 3600_000

type Entry = { model: string; physical: TableRef }

export class TrinoGateway {
  readonly conn: TrinoConnection
  readonly nessie: NessieClient
  readonly catalog: string
  readonly settings: NessieSettings
  /** Reads outside a write session (queries, audits, info) go to the main catalog. */
  readonly engine: TrinoAdapter
  readonly environments: TrinoEnvironmentLayer

  constructor(cfg: TrinoConnectionConfig, opts: { sleep?: (ms: number) => Promise<void> } = {}) {
    if (!cfg.nessie) {
      throw new ConfigError(
        'CONFIG_INVALID',
        "a 'type: trino' gateway needs a 'nessie' block (url, catalog_properties): Tributary writes Iceberg tables through Nessie branches",
      )
    }
    this.settings = cfg.nessie
    const port = cfg.port ?? (cfg.http_scheme === 'https' ? 443 : 8080)
    const session: Record<string, string> = { ...cfg.session_properties }
    if (cfg.query_timeout !== undefined) session['query_max_run_time'] = `${Math.ceil(cfg.query_timeout)}s`
    this.conn = new TrinoConnection({
      server: `${cfg.http_scheme}://${cfg.host}:${port}`,
      user: cfg.user,
      password: cfg.method === 'basic' ? cfg.password : undefined,
      source: cfg.source,
      headers: cfg.http_headers,
      session,
    })
    this.nessie = new NessieClient(cfg.nessie.url, cfg.nessie.token ? { headers: { Authorization: `Bearer ${cfg.nessie.token}` } } : {})
    this.catalog = cfg.catalog
    this.engine = new TrinoAdapter(this.conn, this.catalog)
    this.environments = new TrinoEnvironmentLayer(this, undefined)
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  private readonly sleep: (ms: number) => Promise<void>

  /** Catalog readers of a dev environment use: `iceberg__dev`. */
  envCatalog(env: string): string {
    return `${this.catalog}__${env.replace(/-/g, '_')}`
  }

  /** Branch of a dev environment: `tributary-env-dev` (prefixed with the main branch's name when that is not `main`). */
  envBranch(env: string): string {
    const main = this.settings.main_branch
    return main === 'main' ? `${ENV_PREFIX}${env}` : `${main}-env-${env}`
  }

  /** Start a run: a work branch from `main`'s head and a catalog on it. */
  async beginWrite(runId: string): Promise<TrinoWriteSession> {
    await this.removeStaleWork()
    const main = await this.nessie.getReference(this.settings.main_branch)
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)
    const id = runId.replace(/-/g, '').slice(0, 12)
    const branch = `${WORK_PREFIX}${stamp}-${id}`
    const catalog = `tributary_work_${stamp}_${id}`
    await this.nessie.createReference('BRANCH', branch, main)
    try {
      await this.createCatalog(catalog, branch)
    } catch (e) {
      await this.nessie.deleteReference(await this.nessie.getReference(branch)).catch(() => undefined)
      throw e
    }
    return new TrinoWriteSession(this, branch, catalog, main)
  }

  /** `CREATE CATALOG name USING iceberg WITH (… ref …)` from the configured properties (never shown in errors). */
  async createCatalog(name: string, ref: string): Promise<void> {
    const props = { ...this.settings.catalog_properties }
    const connector = props['connector.name'] ?? 'iceberg'
    delete props['connector.name']
    props['iceberg.nessie-catalog.ref'] = ref
    const withList = Object.entries(props)
      .map(([k, v]) => `${quoteIdent(k)} = ${quoteString(v)}`)
      .join(', ')
    if (!/^[a-z][a-z0-9_]*$/.test(connector)) throw new ConfigError('CONFIG_INVALID', `nessie.catalog_properties: connector.name '${connector}' is not a connector name`)
    await this.conn.run(`CREATE CATALOG ${quoteIdent(name)} USING ${connector} WITH (${withList})`, { redact: true })
  }

  async dropCatalog(name: string): Promise<void> {
    await this.conn.run(`DROP CATALOG IF EXISTS ${quoteIdent(name)}`)
  }

  async catalogExists(name: string): Promise<boolean> {
    const r = await this.conn.run(`SELECT 1 FROM system.metadata.catalogs WHERE catalog_name = ${quoteString(name)}`)
    return r.rows.length > 0
  }

  /** Remove work branches (and their catalogs) left behind by runs that were killed. */
  private async removeStaleWork(): Promise<void> {
    const refs = await this.nessie.listReferences()
    const now = Date.now()
    for (const r of refs) {
      const m = /^tributary-work-(\d{14})-([0-9a-f]+)$/.exec(r.name)
      if (!m || r.type !== 'BRANCH') continue
      const at = Date.UTC(+m[1]!.slice(0, 4), +m[1]!.slice(4, 6) - 1, +m[1]!.slice(6, 8), +m[1]!.slice(8, 10), +m[1]!.slice(10, 12), +m[1]!.slice(12, 14))
      if (now - at < STALE_WORK_MS) continue
      await this.dropCatalog(`tributary_work_${m[1]}_${m[2]}`).catch(() => undefined)
      await this.nessie.deleteReference(r).catch(() => undefined)
    }
  }

  /** Commit pointer updates for an environment's public tables on `branch`, reading physical tables at `sourceRef`. */
  async commitPointers(branch: string, sourceRef: string, publish: readonly Entry[], unpublish: readonly string[], message: string): Promise<string | undefined> {
    const pubKeys = publish.map((e) => modelKey(e.model))
    const physKeys = publish.map((e) => tableKey(e.physical))
    const { contents: sources } = await this.nessie.getContents(sourceRef, physKeys)
    const missing = physKeys.filter((k) => !sources.has(k.join('.')))
    if (missing.length > 0) {
      throw new EngineError('CATALOG_ERROR', `cannot publish: physical table(s) ${missing.map((k) => k.join('.')).join(', ')} not found on ${sourceRef.split('@')[0]}`)
    }
    const dropKeys = unpublish.map(modelKey)
    return commitOnBranch(this.nessie, branch, message, async (head) => {
      const { contents: current } = await this.nessie.getContents(head, [...pubKeys, ...dropKeys])
      const ops: CatalogOperation[] = await missingNamespaces(this.nessie, head, pubKeys)
      publish.forEach((_e, i) => ops.push(...setKeyOps(pubKeys[i]!, current.get(pubKeys[i]!.join('.')), sources.get(physKeys[i]!.join('.')))))
      for (const k of dropKeys) ops.push(...setKeyOps(k, current.get(k.join('.')), undefined))
      return ops
    })
  }

  /** The env's branch (created from main's head if missing) and its catalog. */
  async ensureEnvironment(env: string): Promise<Reference> {
    let ref: Reference
    try {
      ref = await this.nessie.getReference(this.envBranch(env))
    } catch (e) {
      if (!(e instanceof CatalogError) || e.status !== 404) throw e
      ref = await this.nessie.createReference('BRANCH', this.envBranch(env), await this.nessie.getReference(this.settings.main_branch))
    }
    if (!(await this.catalogExists(this.envCatalog(env)))) await this.createCatalog(this.envCatalog(env), this.envBranch(env))
    return ref
  }

  /** Delete a dev environment's branch and catalog (the physical tables stay: other environments may share them). */
  async dropEnvironment(env: string): Promise<void> {
    if (env === PROD) throw new PlanError('ENV_INVALID', 'prod lives on the main branch and cannot be dropped')
    await this.dropCatalog(this.envCatalog(env))
    try {
      await this.nessie.deleteReference(await this.nessie.getReference(this.envBranch(env)))
    } catch (e) {
      if (!(e instanceof CatalogError) || e.status !== 404) throw e
    }
  }

  promotionTarget(): PromotionTarget {
    return {
      store: this.nessie,
      mainBranch: this.settings.main_branch,
      defaultTag: this.settings.consumer_tag,
      refreshConsumers: (tag, hash, previous) => this.refreshConsumers(tag, hash, previous),
    }
  }

  /**
   * Trino resolves a tag once per catalog: drop and re-create the consumer catalog, then check
   * through it that a table changed by the target commit shows the target's metadata.
   */
  async refreshConsumers(tag: string, hash: string, previous?: string): Promise<ConsumerCheck> {
    const catalog = tag === this.settings.consumer_tag ? this.settings.consumer_catalog : `${this.catalog}__tag_${tag.replace(/[^A-Za-z0-9_]/g, '_')}`
    const probe = await this.probeTable(hash, previous)
    let detail = ''
    for (let attempt = 1; attempt <= 4; attempt++) {
      await this.dropCatalog(catalog)
      // Trino keeps a dropped catalog's connector (and its pinned hash) until it prunes it.
      await this.sleep(this.settings.catalog_refresh_wait * 1000 * attempt)
      await this.createCatalog(catalog, tag)
      if (!probe) return { catalog, verified: true, detail: 'no tables at the target commit: nothing to check' }
      const seen = await this.latestMetadata(catalog, probe.key)
      detail = `${probe.key.join('.')}: ${catalog} reads ${short(seen)}, the target commit has ${short(probe.metadata)}`
      if (seen === probe.metadata) return { catalog, verified: true, detail }
    }
    return { catalog, verified: false, detail }
  }

  /** A public table at `hash` (one that differs from `previous` when given) and its metadata file. */
  private async probeTable(hash: string, previous?: string): Promise<{ key: string[]; metadata: string } | undefined> {
    const main = this.settings.main_branch
    const ref = `${main}@${hash}`
    const isPublic = (k: readonly string[]): boolean => k.length === 2 && !k[0]!.startsWith('tributary__')
    if (previous && previous !== hash) {
      const changed = (await this.nessie.diff(`${main}@${previous}`, ref)).filter((d) => isPublic(d.key) && d.to?.metadataLocation)
      if (changed.length > 0) return { key: changed[0]!.key, metadata: changed[0]!.to!.metadataLocation! }
    }
    const candidates = (await this.nessie.listTables(ref)).filter(isPublic)
    if (candidates.length === 0) return undefined
    const { contents } = await this.nessie.getContents(ref, candidates.slice(0, 50))
    for (const k of candidates.slice(0, 50)) {
      const c: CatalogContent | undefined = contents.get(k.join('.'))
      if (c?.metadataLocation) return { key: k, metadata: c.metadataLocation }
    }
    return undefined
  }

  private async latestMetadata(catalog: string, key: readonly string[]): Promise<string | undefined> {
    const t = `${quoteIdent(catalog)}.${quoteIdent(key[0]!)}.${quoteIdent(`${key[1]}$metadata_log_entries`)}`
    try {
      const r = await this.conn.run(`SELECT file FROM ${t} ORDER BY timestamp DESC LIMIT 1`)
      const f = r.rows[0]?.[0]
      return typeof f === 'string' ? f : undefined
    } catch {
      return undefined
    }
  }
}

/** One run on Trino: writes on a work branch, merged into main by `publish()`. */
export class TrinoWriteSession implements WriteSession {
  readonly engine: TrinoAdapter
  readonly environments: TrinoEnvironmentLayer
  readonly deferred = true
  /** Dev environment changes, applied on their branches after the merge. */
  readonly pending = new Map<string, { publish: Entry[]; unpublish: string[] }>()
  private closed = false

  constructor(
    readonly gateway: TrinoGateway,
    readonly branch: string,
    readonly catalog: string,
    readonly base: Reference,
  ) {
    const guard: WriteGuard = { checkpoint: (t) => this.checkpoint(t) }
    this.engine = new TrinoAdapter(gateway.conn, catalog, guard)
    this.environments = new TrinoEnvironmentLayer(gateway, this)
  }

  /**
   * Run `fn` (several statements on the work branch); if it throws, put every table of `tables`
   * back as it was before, so nothing of a failed step is merged.
   */
  async guarded<T>(tables: readonly TableRef[], fn: () => Promise<T>): Promise<T> {
    const undo = await Promise.all(tables.map((t) => this.checkpoint(t)))
    try {
      return await fn()
    } catch (e) {
      for (const u of undo.reverse()) await u()
      throw e
    }
  }

  /** Remember a physical table's entry on the work branch; the undo puts it back. */
  private async checkpoint(t: TableRef): Promise<() => Promise<void>> {
    const nessie = this.gateway.nessie
    const key = tableKey(t)
    const before = (await nessie.getContents(this.branch, [key])).contents.get(key.join('.'))
    return async () => {
      await commitOnBranch(nessie, this.branch, `tributary: roll back ${key.join('.')}`, async (head) => {
        const now = (await nessie.getContents(head, [key])).contents.get(key.join('.'))
        return setKeyOps(key, now, before)
      })
    }
  }

  async publish(message: string): Promise<{ commit?: string }> {
    const nessie = this.gateway.nessie
    const mainName = this.gateway.settings.main_branch
    const work = await nessie.getReference(this.branch)
    let commit: string | undefined
    if (work.hash !== this.base.hash) {
      const main = await nessie.getReference(mainName)
      commit = main.hash === this.base.hash ? await this.fastForward(main, work) : undefined
      // Someone else committed to main meanwhile: merge (Nessie refuses conflicting keys).
      commit ??= (await nessie.merge(work, await nessie.getReference(mainName), message)).hash
    }
    const source = `${mainName}@${commit ?? (await nessie.getReference(mainName)).hash}`
    for (const [env, p] of this.pending) {
      await this.gateway.ensureEnvironment(env)
      await this.gateway.commitPointers(this.gateway.envBranch(env), source, p.publish, p.unpublish, `tributary: publish environment ${env}`)
    }
    this.pending.clear()
    return { commit }
  }

  /** Main has not moved since the run began: point it at the work branch's head (atomic, against main's hash). */
  private async fastForward(main: Reference, work: Reference): Promise<string | undefined> {
    try {
      return (await this.gateway.nessie.assignReference(main, work)).hash
    } catch (e) {
      if (e instanceof CatalogError && e.status === 409) return undefined
      throw e
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.gateway.dropCatalog(this.catalog).catch(() => undefined)
    try {
      await this.gateway.nessie.deleteReference(await this.gateway.nessie.getReference(this.branch))
    } catch {
      // Already gone, or Nessie unreachable: the next run removes stale work branches.
    }
  }
}

/**
 * Environments as Nessie pointers. Prod: entries on the run's work branch (merged into main with
 * the data, in one commit). Dev: entries on `tributary-env-<env>`, committed after the merge.
 */
export class TrinoEnvironmentLayer implements EnvironmentLayer {
  constructor(
    private readonly gateway: TrinoGateway,
    private readonly session: TrinoWriteSession | undefined,
  ) {}

  publicName(env: string, model: string): TableRef {
    const [schema, name] = modelKey(model)
    return { catalog: env === PROD ? this.gateway.catalog : this.gateway.envCatalog(env), schema: schema!, name: name! }
  }

  async publish(env: string, entries: ReadonlyArray<{ model: string; physical: TableRef }>): Promise<void> {
    await this.change(env, entries, [])
  }

  async unpublish(env: string, models: readonly string[]): Promise<void> {
    await this.change(env, [], models)
  }

  /** A dev environment is a branch + catalog: delete both. */
  async dropEnvironment(env: string): Promise<void> {
    await this.gateway.dropEnvironment(env)
  }

  private async change(env: string, publish: readonly Entry[], unpublish: readonly string[]): Promise<void> {
    if (publish.length === 0 && unpublish.length === 0) return
    const s = this.session
    if (!s) throw new EngineError('CATALOG_ERROR', 'publishing on Trino happens inside a run (write session); this is a bug')
    if (env === PROD) {
      await this.gateway.commitPointers(s.branch, s.branch, publish, unpublish, 'tributary: publish prod')
      return
    }
    const p = s.pending.get(env) ?? { publish: [], unpublish: [] }
    p.publish.push(...publish)
    p.unpublish.push(...unpublish)
    s.pending.set(env, p)
  }
}

/** `oso.x` / `cat.oso.x` -> ['oso', 'x']. */
function modelKey(model: string): string[] {
  const parts = model.toLowerCase().split('.')
  return parts.slice(-2)
}


function short(s: string | undefined): string {
  if (!s) return '(nothing)'
  const f = s.split('/').pop() ?? s
  return f.length > 24 ? `${f.slice(0, 24)}…` : f
}

