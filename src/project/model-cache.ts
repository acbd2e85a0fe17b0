import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { QueryAnalysis } from '../sql/sql-service.js'
import type { ModelDefinition } from './model.js'

/** What the engine keeps of a parsed query: small, JSON-safe, enough to plan. */
export interface AnalysisSummary {
  tables: string[]
  columns: string[] | undefined
  canonicalHash: string
  projectionHashes: string[]
  bodyHash: string
}

function h(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22)
}

/**
 * A fast 64-bit string hash (two FNV-1a lanes), for the many projection texts of each model:
 * they only decide breaking vs non-breaking, where a collision (odds ~2^-64) is harmless next to
 * the cost of a cryptographic hash per projection on a cold load.
 */
function fastHash(s: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15)
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36)
}

/** Reduce a full analysis to what is cached and compared between plans. */
export function summarize(a: QueryAnalysis): AnalysisSummary {
  return {
    tables: a.tables,
    columns: a.columns,
    canonicalHash: h(a.canonical),
    projectionHashes: a.projections.map(fastHash),
    bodyHash: fastHash(a.body),
  }
}

/** Bump when ModelDefinition or the loader's derivations change meaning. */
const CACHE_VERSION = 'models-v3'

export interface Entry {
  /** sha256 of the file's content. */
  hash: string
  def: ModelDefinition
  analysis: AnalysisSummary | undefined
  /** What the loader derived (not for SEED models, whose CSV can change on its own). */
  derived?: { parents: string[]; dataHash: string; metadataHash: string }
}

/** As stored: the query is kept as its position in the file (the file is read anyway). */
interface StoredEntry extends Omit<Entry, 'def'> {
  def: Omit<ModelDefinition, 'query'>
  query: [offset: number, length: number]
}

/**
 * Loaded models cached by a hash of each file's content, so an unchanged project is planned
 * without parsing a single header or query. Valid only for the same `scope` (tool cache version,
 * variables, model defaults, user macros): any change there invalidates every entry.
 */
export class ModelCache {
  private entries = new Map<string, StoredEntry>()
  private readonly next = new Map<string, StoredEntry>()
  private changed = false

  constructor(
    private readonly dir: string,
    private readonly scope: string,
  ) {}

  private get file(): string {
    return join(this.dir, `${CACHE_VERSION}.json`)
  }

  /** Hash of everything outside the model files that changes how they load. */
  static scopeOf(parts: unknown): string {
    return createHash('sha256').update(CACHE_VERSION).update(JSON.stringify(parts)).digest('base64url')
  }

  async load(): Promise<void> {
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as { scope: string; entries: Record<string, StoredEntry> }
      if (raw.scope === this.scope) this.entries = new Map(Object.entries(raw.entries))
    } catch {
      this.entries = new Map() // missing or corrupt: start empty
    }
  }

  /** The cached model for `file` if its content hash matches; `text` is the file's content. */
  get(file: string, hash: string, text: string): Entry | undefined {
    const e = this.entries.get(file)
    if (!e || e.hash !== hash || !Array.isArray(e.query)) return undefined
    const [offset, length] = e.query
    return { hash, analysis: e.analysis, derived: e.derived, def: { ...e.def, query: text.slice(offset, offset + length) } }
  }

  /** Remember a successfully loaded model (only what this load saw is kept). */
  set(file: string, text: string, e: Entry): void {
    const prev = this.entries.get(file)
    if (prev && prev.hash === e.hash) {
      this.next.set(file, prev)
      return
    }
    const offset = e.def.query === '' ? 0 : text.lastIndexOf(e.def.query)
    if (offset < 0) return // the query is not verbatim in the file: do not cache this model
    this.changed = true
    const { query, ...def } = e.def
    this.next.set(file, { hash: e.hash, def, analysis: e.analysis, derived: e.derived, query: [offset, query.length] })
  }

  async save(): Promise<void> {
    if (!this.changed && this.next.size === this.entries.size) return
    await mkdir(this.dir, { recursive: true })
    const tmp = `${this.file}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify({ scope: this.scope, entries: Object.fromEntries(this.next) }))
    await rename(tmp, this.file)
  }
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex')
}
