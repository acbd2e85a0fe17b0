import { EngineError } from '../../errors.js'
import type { CommitEntry, Reference, VersionStore } from '../version-store.js'

/** A table's entry in the catalog (Nessie `ICEBERG_TABLE` content); `snapshotId` kept exact as a string. */
export interface CatalogContent {
  type: string
  id?: string
  metadataLocation?: string
  snapshotId?: string
  schemaId?: number
  specId?: number
  sortOrderId?: number
  [k: string]: unknown
}

export type CatalogOperation = { type: 'PUT'; key: readonly string[]; content: CatalogContent } | { type: 'DELETE'; key: readonly string[] }

/** Nessie's error, with its own error code (e.g. `REFERENCE_NOT_FOUND`, `REFERENCE_CONFLICT`). */
export class CatalogError extends EngineError {
  constructor(
    readonly nessieCode: string,
    message: string,
    readonly status: number | undefined,
    readonly url: string,
    cause?: unknown,
  ) {
    super('CATALOG_ERROR', message, { cause })
  }
}

interface RefJson {
  type: string
  name: string
  hash?: string
}

function toRef(r: RefJson): Reference {
  const type = r.type.toUpperCase()
  if (type !== 'BRANCH' && type !== 'TAG') throw new CatalogError('UNEXPECTED', `unexpected reference type ${r.type}`, undefined, '')
  return { type, name: r.name, hash: r.hash ?? '' }
}

/**
 * A typed client for Nessie's REST API v2 (`…/api/v2`). Errors keep Nessie's error code and
 * message; every change sends the expected hash (optimistic concurrency).
 *
 * @example
 * const nessie = new NessieClient('http://127.0.0.1:19120/api/v2')
 * const main = await nessie.getReference('main')
 */
export class NessieClient implements VersionStore {
  private readonly base: string

  constructor(baseUrl: string, private readonly opts: { timeoutMs?: number; headers?: Record<string, string> } = {}) {
    this.base = baseUrl.replace(/\/+$/, '')
  }

  async getReference(name: string): Promise<Reference> {
    const r = await this.call<{ reference: RefJson }>('GET', `/trees/${enc(name)}`)
    return toRef(r.reference)
  }

  async listReferences(): Promise<Reference[]> {
    const r = await this.call<{ references: RefJson[] }>('GET', '/trees')
    return r.references.map(toRef)
  }

  async history(branch: string, o: { max?: number; fromHash?: string } = {}): Promise<CommitEntry[]> {
    const out: CommitEntry[] = []
    const max = o.max ?? 100
    let token: string | undefined
    const ref = o.fromHash ? `${branch}@${o.fromHash}` : branch
    do {
      const q = new URLSearchParams({ 'max-records': String(Math.min(max - out.length, 250)) })
      if (token) q.set('page-token', token)
      const r = await this.call<{
        logEntries: Array<{ commitMeta: { hash: string; message: string; author?: string; commitTime?: string; properties?: Record<string, string> } }>
        hasMore?: boolean
        token?: string
      }>('GET', `/trees/${enc(ref)}/history?${q}`)
      for (const e of r.logEntries) {
        const m = e.commitMeta
        out.push({ hash: m.hash, message: m.message, author: m.author, commitTime: m.commitTime, properties: m.properties ?? {} })
      }
      token = r.hasMore ? r.token : undefined
    } while (token && out.length < max)
    return out
  }

  async containsCommit(branch: string, hash: string): Promise<boolean> {
    if (!/^[0-9a-f]{8,64}$/i.test(hash)) return false
    let token: string | undefined
    do {
      const q = new URLSearchParams({ 'max-records': '250', 'limit-hash': hash, fetch: 'MINIMAL' })
      if (token) q.set('page-token', token)
      const r = await this.call<{ logEntries: Array<{ commitMeta: { hash: string } }>; hasMore?: boolean; token?: string }>(
        'GET',
        `/trees/${enc(branch)}/history?${q}`,
      )
      if (r.logEntries.some((e) => e.commitMeta.hash.toLowerCase().startsWith(hash.toLowerCase()))) return true
      token = r.hasMore ? r.token : undefined
    } while (token)
    return false
  }

  async createReference(type: Reference['type'], name: string, from: Reference): Promise<Reference> {
    const q = new URLSearchParams({ name, type })
    const r = await this.call<{ reference: RefJson }>('POST', `/trees?${q}`, { type: from.type, name: from.name, hash: from.hash })
    return toRef(r.reference)
  }

  async assignReference(expected: Reference, to: Reference): Promise<Reference> {
    const r = await this.call<{ reference: RefJson }>('PUT', `/trees/${enc(`${expected.name}@${expected.hash}`)}?type=${expected.type}`, {
      type: to.type,
      name: to.name,
      hash: to.hash,
    })
    return toRef(r.reference)
  }

  async merge(from: Reference, into: Reference, message: string): Promise<Reference> {
    const r = await this.call<{ resultantTargetHash?: string; wasSuccessful?: boolean }>(
      'POST',
      `/trees/${enc(`${into.name}@${into.hash}`)}/history/merge`,
      { fromRefName: from.name, fromHash: from.hash, message },
    )
    if (r.wasSuccessful === false) {
      throw new CatalogError('REFERENCE_CONFLICT', `merge of ${from.name} into ${into.name} had conflicts`, 409, this.base)
    }
    return { ...into, hash: r.resultantTargetHash ?? into.hash }
  }

  async deleteReference(ref: Reference): Promise<void> {
    await this.call('DELETE', `/trees/${enc(`${ref.name}@${ref.hash}`)}?type=${ref.type}`)
  }

  /** Contents of `keys` on `ref` (`name` or `name@hash`); absent keys are absent from the map (keyed by dotted name). */
  async getContents(ref: string, keys: ReadonlyArray<readonly string[]>): Promise<{ hash: string; contents: Map<string, CatalogContent> }> {
    const contents = new Map<string, CatalogContent>()
    let hash = ''
    for (let i = 0; i < keys.length || i === 0; i += 200) {
      const r = await this.call<{ contents: Array<{ key: { elements: string[] }; content: CatalogContent }>; effectiveReference?: RefJson }>(
        'POST',
        `/trees/${enc(ref)}/contents`,
        { requestedKeys: keys.slice(i, i + 200).map((k) => ({ elements: k })) },
      )
      hash = r.effectiveReference?.hash ?? hash
      for (const c of r.contents) contents.set(c.key.elements.join('.'), c.content)
      if (keys.length === 0) break
    }
    return { hash, contents }
  }

  /** Keys of the Iceberg tables at `ref`. */
  async listTables(ref: string): Promise<string[][]> {
    const out: string[][] = []
    let token: string | undefined
    do {
      const q = new URLSearchParams({ 'max-records': '1000' })
      if (token) q.set('page-token', token)
      const r = await this.call<{ entries: Array<{ type: string; name: { elements: string[] } }>; hasMore?: boolean; token?: string }>(
        'GET',
        `/trees/${enc(ref)}/entries?${q}`,
      )
      for (const e of r.entries) if (e.type === 'ICEBERG_TABLE') out.push(e.name.elements)
      token = r.hasMore ? r.token : undefined
    } while (token)
    return out
  }

  /** Entries that differ between two refs (`name` or `name@hash`), with their content on each side. */
  async diff(fromRef: string, toRef: string): Promise<Array<{ key: string[]; from?: CatalogContent; to?: CatalogContent }>> {
    const out: Array<{ key: string[]; from?: CatalogContent; to?: CatalogContent }> = []
    let token: string | undefined
    do {
      const q = new URLSearchParams({ 'max-records': '1000' })
      if (token) q.set('page-token', token)
      const r = await this.call<{ diffs: Array<{ key: { elements: string[] }; from?: CatalogContent | null; to?: CatalogContent | null }>; hasMore?: boolean; token?: string }>(
        'GET',
        `/trees/${enc(fromRef)}/diff/${enc(toRef)}?${q}`,
      )
      for (const d of r.diffs) out.push({ key: d.key.elements, from: d.from ?? undefined, to: d.to ?? undefined })
      token = r.hasMore ? r.token : undefined
    } while (token)
    return out
  }

  /** One commit of `operations` on `branch`, whose head must still be `expectedHash` (or not touch the same keys). */
  async commit(branch: string, expectedHash: string, operations: readonly CatalogOperation[], message: string): Promise<string> {
    const r = await this.call<{ targetBranch: RefJson }>('POST', `/trees/${enc(`${branch}@${expectedHash}`)}/history/commit`, {
      commitMeta: { message },
      operations: operations.map((op) => (op.type === 'DELETE' ? { type: 'DELETE', key: { elements: op.key } } : { type: 'PUT', key: { elements: op.key }, content: op.content })),
    })
    return r.targetBranch.hash ?? ''
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.base}${path}`
    let res: Response
    try {
      res = await fetch(url, {
        method,
        headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...this.opts.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      })
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e)
      throw new CatalogError('UNREACHABLE', `Nessie is unreachable at ${this.base}: ${msg}`, undefined, url, e)
    }
    const text = await res.text()
    if (!res.ok) {
      let code = `HTTP_${res.status}`
      let message = text.slice(0, 500)
      try {
        const j = JSON.parse(text) as { errorCode?: string; message?: string }
        code = j.errorCode ?? code
        message = j.message ?? message
      } catch {
        // not JSON: keep the text
      }
      throw new CatalogError(code, `Nessie ${method} ${path.split('?')[0]} failed (${res.status} ${code}): ${message}`, res.status, url)
    }
    // Iceberg snapshot ids are 64-bit: keep them exact (Nessie accepts them back as strings).
    return (text ? JSON.parse(text.replace(/"snapshotId"\s*:\s*(-?\d+)/g, '"snapshotId":"$1"')) : {}) as T
  }
}

/** Encode a ref path element (`name` or `name@hash`). */
function enc(ref: string): string {
  return encodeURIComponent(ref).replace(/%40/g, '@')
}
