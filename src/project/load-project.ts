import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { loadConfig, type ResolvedConfig } from '../config/load-config.js'
import type { AuditRegistry } from '../audits/audit.js'
import { BUILTIN_AUDITS } from '../audits/builtin-audits.js'
import { createAuditRegistry, loadAuditRegistry, validateAuditCalls } from '../audits/registry.js'
import { Dag } from '../dag/graph.js'
import { EngineError, ProjectError } from '../errors.js'
import { emptyMacroRegistry, loadUserMacros, renderSql, type MacroRegistry } from '../macros/index.js'
import { scanQuery } from '../sql/query-scan.js'
import { WORK_DIR } from '../util/paths.js'
import { ModelCache, sha256, summarize, type AnalysisSummary, type Entry } from './model-cache.js'
import { parseExternalModels } from './external-models.js'
import { loadSources, sourceModels, type SourceDefinition } from '../ingest/source-config.js'
import type { ModelDefinition } from './model.js'
import { parseModelFile } from './model-file.js'
import { resolveRelativeCsv } from './relative-dates.js'
import { parseCsv } from './seed-csv.js'

/** One model of a loaded project, with what the engine derived from it. */
export interface LoadedModel {
  def: ModelDefinition
  /** Names this model reads (models or external tables), self-references removed, sorted. */
  parents: string[]
  /** Summary of the parsed query; undefined for SEED and EXTERNAL. */
  analysis: AnalysisSummary | undefined
  /** Hash of everything that changes the data (query, kind, dialect, columns, seed content). */
  dataHash: string
  /** Hash of everything that does not (description, tags, audits, cron, owner). */
  metadataHash: string
  /** A SEED whose CSV has cells relative to the run time (`now-3d`): reloaded every cron interval. */
  relativeDates?: boolean
}

/** A loaded, validated project. */
export interface Project {
  dir: string
  config: ResolvedConfig
  /** Every enabled model and every external table, by name. */
  models: Map<string, LoadedModel>
  dag: Dag<LoadedModel>
  macros: MacroRegistry
  /** Built-in audits and the project's `audits/*.sql`. */
  audits: AuditRegistry
  /** Replication sources (`sources/*.yaml`); their tables are EXTERNAL nodes tagged `source`. */
  sources: SourceDefinition[]
}

/** Problems found while loading; the loader reports all of them at once. */
export class ProjectLoadError extends EngineError {
  readonly errors: EngineError[]
  constructor(errors: EngineError[]) {
    const first = errors[0]!
    super(first.code, errors.map((e) => e.format()).join('\n'), { location: undefined })
    this.errors = errors
  }
  override format(): string {
    return this.message
  }
}

/** The load-time interval macros are rendered with (1970-01-01, one day). */
const LOAD_INTERVAL = [0, 86_400_000] as const

/**
 * Load a project: config, models, external tables, seeds and user macros; parse each query once
 * (cached by content hash in `.tributary/cache`), and build the DAG. Reports every problem it
 * finds, each naming its file and line.
 */
export async function loadProject(dir: string, opts: { gateway?: string } = {}): Promise<Project> {
  const root = resolve(dir)
  const config = loadConfig(root, opts)
  const errors: EngineError[] = []
  const guard = <T>(fn: () => T): T | undefined => {
    try {
      return fn()
    } catch (e) {
      if (e instanceof EngineError) {
        errors.push(e)
        return undefined
      }
      throw e
    }
  }
  const macros = existsSync(join(root, 'macros')) ? await loadUserMacros(join(root, 'macros')) : emptyMacroRegistry
  let audits: AuditRegistry = createAuditRegistry(BUILTIN_AUDITS.values())
  try {
    audits = await loadAuditRegistry(root, { dialect: config.config.model_defaults.dialect })
  } catch (e) {
    if (!(e instanceof EngineError)) throw e
    errors.push(e)
  }
  const defaults = {
    dialect: config.config.model_defaults.dialect,
    cron: config.config.model_defaults.cron,
    start: config.config.model_defaults.start,
  }

  const cache = new ModelCache(
    join(root, WORK_DIR, 'cache'),
    ModelCache.scopeOf([config.variables, defaults, macros.names(), macroFilesSignature(join(root, 'macros'))]),
  )
  await cache.load()
  const defs: ModelDefinition[] = []
  /** Per model: its file's content hash and, when cached, its analysis. */
  const fileInfo = new Map<ModelDefinition, { rel: string; hash: string; text: string; cached: boolean } & Pick<Entry, 'analysis' | 'derived'>>()
  for (const file of listFiles(join(root, 'models'), '.sql')) {
    const rel = relative(root, file).split(sep).join('/')
    const text = readFileSync(file, 'utf8')
    const hash = sha256(text)
    const hit = cache.get(rel, hash, text)
    const def = hit ? hit.def : guard(() => parseModelFile(text, rel, defaults))
    if (!def) continue
    defs.push(def)
    fileInfo.set(def, { rel, hash, text, cached: hit !== undefined, analysis: hit?.analysis, derived: hit?.derived })
  }
  for (const name of ['external_models.yaml', 'external_models.yml']) {
    if (existsSync(join(root, name))) {
      const parsed = guard(() => parseExternalModels(readFileSync(join(root, name), 'utf8'), name))
      if (parsed) defs.push(...parsed)
    }
  }
  const sources = guard(() => loadSources(root)) ?? []
  defs.push(...sourceModels(sources))

  // Duplicate names: report both files.
  const byName = new Map<string, ModelDefinition>()
  for (const def of defs) {
    if (!def.enabled) continue
    const prev = byName.get(def.name)
    if (prev) {
      errors.push(
        new ProjectError('MODEL_DUPLICATE', `model '${def.name}' is also defined in ${prev.file}:${prev.line}`, {
          location: { file: def.file, line: def.line },
        }),
      )
      continue
    }
    byName.set(def.name, def)
  }

  // Render and scan only what the cache does not have.
  const rendered = new Map<string, string>()
  for (const def of byName.values()) {
    if (fileInfo.get(def)?.cached) continue
    const r = guard(() => {
      resolveStart(def, config.variables)
      return hasQuery(def) ? renderForLoad(def, config, macros) : undefined
    })
    if (r !== undefined) rendered.set(def.name, r)
  }
  const models = new Map<string, LoadedModel>()
  for (const def of byName.values()) {
    const info = fileInfo.get(def)
    if (!info?.cached && hasQuery(def) && !rendered.has(def.name)) continue // its error is already reported
    const m =
      info?.derived && def.kind.name !== 'SEED'
        ? { def, analysis: info.analysis, ...info.derived, parents: [...info.derived.parents] }
        : guard(() => deriveModel(root, def, info?.cached ? info.analysis : analyzeRendered(def, rendered.get(def.name))))
    if (!m) continue
    if (def.audits.length > 0) {
      const ok = guard(() => {
        validateAuditCalls(def.audits, audits, { file: def.file, line: def.line }, { variables: config.variables, macros })
        return true
      })
      if (!ok) continue
    }
    models.set(def.name, m)
    if (info) {
      const derived = def.kind.name === 'SEED' ? undefined : { parents: [...m.parents], dataHash: m.dataHash, metadataHash: m.metadataHash }
      cache.set(info.rel, info.text, { hash: info.hash, def, analysis: m.analysis, derived })
    }
  }
  await cache.save()

  const dag = new Dag<LoadedModel>()
  for (const m of models.values()) dag.addNode(m.def.name, m)
  const externalPrefixes = config.config.external_catalogs.map((p) => p.toLowerCase().replace(/\.$/, '') + '.')
  for (const m of models.values()) {
    const kept: string[] = []
    for (const p of m.parents) {
      if (models.has(p)) {
        dag.addEdge(p, m.def.name)
        kept.push(p)
      } else if (externalPrefixes.some((x) => p.startsWith(x))) {
        kept.push(p)
      } else {
        errors.push(
          new ProjectError(
            'DAG_UNKNOWN_TABLE',
            `model '${m.def.name}' reads unknown table '${p}' (not a model, not in external_models.yaml, not under external_catalogs)`,
            { location: { file: m.def.file, line: m.def.queryLine || m.def.line } },
          ),
        )
      }
    }
    m.parents = kept
  }
  const cycle = errors.length === 0 ? dag.findCycle() : undefined
  if (cycle) {
    const files = [...new Set(cycle)].map((n) => `${n} (${models.get(n)!.def.file})`).join(', ')
    const first = models.get(cycle[0]!)!.def
    errors.push(
      new ProjectError('DAG_CYCLE', `dependency cycle: ${cycle.join(' -> ')} in ${files}`, {
        location: { file: first.file, line: first.line },
      }),
    )
  }
  if (errors.length > 0) throw new ProjectLoadError(errors)
  return { dir: root, config, models, dag, macros, audits, sources }
}

function hasQuery(def: ModelDefinition): boolean {
  return def.kind.name !== 'SEED' && def.kind.name !== 'EXTERNAL'
}

/** The query rendered with the load-time placeholder interval, for parsing and fingerprints. */
export function renderForLoad(def: ModelDefinition, config: ResolvedConfig, macros: MacroRegistry): string {
  return renderSql(def.query, {
    dialect: def.dialect,
    variables: config.variables,
    defs: def.defs,
    thisModel: def.name,
    interval: LOAD_INTERVAL,
    executionTime: LOAD_INTERVAL[1],
    macros,
    location: { file: def.file, line: def.queryLine },
  })
}

/** Token-level analysis of a rendered query (the parser verifies it before the model runs). */
function analyzeRendered(def: ModelDefinition, rendered: string | undefined): AnalysisSummary | undefined {
  return rendered === undefined ? undefined : summarize(scanQuery(rendered, def.dialect))
}

/** Re-point an SQL error at the model file: its line is relative to the query. */
export function relocate(e: unknown, location: { file: string; line: number }): unknown {
  if (!(e instanceof EngineError)) return e
  const rel = e.location?.line ?? 1
  return new ProjectError(e.code, e.message, { location: { file: location.file, line: location.line + rel - 1 }, cause: e })
}

function deriveModel(root: string, def: ModelDefinition, analysis: AnalysisSummary | undefined): LoadedModel {
  let parents: string[] = []
  let seedHash = ''
  let relativeDates = false
  if (def.kind.name === 'SEED') {
    const path = resolve(root, dirname(def.file), def.kind.path)
    if (!existsSync(path)) {
      throw new ProjectError('SEED_INVALID', `seed file not found: ${relative(root, path)}`, {
        location: { file: def.file, line: def.line },
      })
    }
    const text = readFileSync(path, 'utf8')
    parseCsv(text, relative(root, path).split(sep).join('/'))
    seedHash = sha256(text)
    relativeDates = resolveRelativeCsv(text, 0).changed
  } else if (analysis) {
    parents = analysis.tables.filter((t) => t !== def.name)
  }
  const extraDeps = def.dependsOn.map((d) => d.toLowerCase())
  parents = [...new Set([...parents, ...extraDeps])].filter((p) => p !== def.name).sort()
  const dataHash = sha256(
    JSON.stringify([
      analysis?.canonicalHash ?? '',
      def.kind,
      def.dialect,
      def.columns,
      def.partitionedBy,
      def.preStatements,
      seedHash,
    ]),
  )
  const metadataHash = sha256(
    JSON.stringify([def.description, def.tags, def.audits, def.cron, def.owner, def.columnDescriptions, def.grain, def.start, def.end]),
  )
  return { def, parents, analysis, dataHash, metadataHash, ...(relativeDates ? { relativeDates } : {}) }
}

/**
 * Header values written as project variables (`start @github_incremental_start`,
 * `lookback @default_daily_incremental_lookback`) -> the variable's value.
 */
function resolveStart(def: ModelDefinition, variables: Record<string, unknown>): void {
  const lookup = (what: string, v: string): unknown => {
    const name = v.slice(1).replace(/^\{|\}$/g, '').toLowerCase()
    if (!(name in variables)) {
      throw new ProjectError('MODEL_INVALID', `${what} refers to unknown variable @${name}`, {
        location: { file: def.file, line: def.line },
      })
    }
    return variables[name]
  }
  for (const key of ['start', 'end'] as const) {
    const v = def[key]
    if (v && v.startsWith('@')) def[key] = String(lookup(key, v))
  }
  const kind = def.kind
  if (kind.name === 'INCREMENTAL_BY_TIME_RANGE') {
    for (const [opt, field] of [['lookback', 'lookback'], ['batch_size', 'batchSize'], ['batch_concurrency', 'batchConcurrency']] as const) {
      const raw = kind.extra[opt]
      if (raw === undefined || !raw.startsWith('@')) continue
      const n = Number(lookup(opt, raw))
      if (!Number.isInteger(n) || n < 0) {
        throw new ProjectError('MODEL_INVALID', `${opt} must be a non-negative integer, got ${raw} = ${String(n)}`, {
          location: { file: def.file, line: def.line },
        })
      }
      kind[field] = n
    }
  }
}

function listFiles(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith(ext)) out.push(p)
    }
  }
  walk(dir)
  return out
}

/** Names, sizes and mtimes of the user macro files: editing one invalidates the model cache. */
function macroFilesSignature(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .sort()
    .map((f) => {
      const st = statSync(join(dir, f))
      return `${f}:${st.size}:${st.mtimeMs}`
    })
}
