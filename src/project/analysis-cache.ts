import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dialect } from '../sql/dialect.js'
import type { QueryAnalysis } from '../sql/sql-service.js'

/** What the engine keeps of a parsed query: small, JSON-safe, enough to plan. */
export interface AnalysisSummary {
  tables: string[]
  columns: string[] | undefined
  canonicalHash: string
  projectionHashes: string[]
  bodyHash: string
}

/** Bump when the analysis or its summary changes meaning, to invalidate old caches. */
const CACHE_VERSION = 'analysis-v1'

/**
 * Parse results cached by a hash of the rendered query text, so an unchanged project is planned
 * without parsing any SQL. Stored as one JSON file under `.tributary/cache/`; written atomically.
 * Entries not used by the current load are dropped on save, so the cache never grows unbounded.
 */
export class AnalysisCache {
  private entries = new Map<string, AnalysisSummary>()
  private readonly used = new Map<string, AnalysisSummary>()
  private dirty = false

  constructor(private readonly dir: string) {}

  private get file(): string {
    return join(this.dir, `${CACHE_VERSION}.json`)
  }

  async load(): Promise<void> {
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, AnalysisSummary>
      this.entries = new Map(Object.entries(raw))
    } catch {
      this.entries = new Map() // missing or corrupt cache: start empty
    }
  }

  /** Cached summary for this query, or compute it with `analyze` and remember it. */
  get(dialect: Dialect, sql: string, analyze: () => QueryAnalysis): AnalysisSummary {
    const key = createHash('sha256').update(dialect).update('\0').update(sql).digest('base64url')
    let hit = this.entries.get(key)
    if (!hit) {
      hit = summarize(analyze())
      this.dirty = true
    }
    this.used.set(key, hit)
    return hit
  }

  async save(): Promise<void> {
    if (!this.dirty && this.used.size === this.entries.size) return
    await mkdir(this.dir, { recursive: true })
    const tmp = `${this.file}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.used)))
    await rename(tmp, this.file)
  }
}

function h(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22)
}

export function summarize(a: QueryAnalysis): AnalysisSummary {
  return {
    tables: a.tables,
    columns: a.columns,
    canonicalHash: h(a.canonical),
    projectionHashes: a.projections.map(h),
    bodyHash: h(a.body),
  }
}
