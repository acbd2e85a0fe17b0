/**
 * Table pointers on Nessie branches. Trino's Nessie catalog has no views, so an environment's
 * public table (`oso.x`) is a second catalog entry pointing at the same Iceberg metadata as the
 * versioned physical table (`tributary__oso.x__<version>`): zero-copy, and many tables change in
 * one Nessie commit.
 */
import { CatalogError, type CatalogContent, type CatalogOperation, type NessieClient } from '../../catalog/nessie/nessie-client.js'
import type { TableRef } from '../engine-adapter.js'

/** Nessie content key of a table (Trino stores names lower-cased). */
export function tableKey(t: Pick<TableRef, 'schema' | 'name'>): string[] {
  return [t.schema.toLowerCase(), t.name.toLowerCase()]
}

/** Content to PUT at a key that shows what `source` shows (a fresh entry: no content id). */
function pointerTo(source: CatalogContent): CatalogContent {
  const { id: _id, ...rest } = source
  return rest
}

/**
 * Operations that make `key` hold `target` (or disappear when undefined), given what it holds
 * now. Nessie requires the existing content id to update a key in place; a different table
 * at the key is replaced by a delete + put in the same commit.
 */
export function setKeyOps(key: readonly string[], current: CatalogContent | undefined, target: CatalogContent | undefined): CatalogOperation[] {
  if (target === undefined) return current === undefined ? [] : [{ type: 'DELETE', key }]
  if (current !== undefined && current.metadataLocation === target.metadataLocation && current.type === target.type) return []
  if (current === undefined) return [{ type: 'PUT', key, content: pointerTo(target) }]
  if (target.id !== undefined && current.id === target.id) return [{ type: 'PUT', key, content: target }]
  return [
    { type: 'DELETE', key },
    { type: 'PUT', key, content: pointerTo(target) },
  ]
}

/**
 * Commit `build(head)`'s operations on `branch`, retrying when a concurrent writer (Trino
 * committing another table of the same run) moved the branch in between.
 */
export async function commitOnBranch(
  nessie: NessieClient,
  branch: string,
  message: string,
  build: (headRef: string) => Promise<CatalogOperation[]>,
): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    const head = await nessie.getReference(branch)
    const ops = await build(`${branch}@${head.hash}`)
    if (ops.length === 0) return undefined
    try {
      return await nessie.commit(branch, head.hash, ops, message)
    } catch (e) {
      if (attempt >= 5 || !(e instanceof CatalogError) || e.status !== 409) throw e
    }
  }
}

/** PUT operations for the namespaces of `keys` that do not exist at `ref` yet. */
export async function missingNamespaces(nessie: NessieClient, ref: string, keys: ReadonlyArray<readonly string[]>): Promise<CatalogOperation[]> {
  const namespaces = [...new Set(keys.map((k) => k.slice(0, -1).join('.')).filter((n) => n !== ''))].map((n) => n.split('.'))
  if (namespaces.length === 0) return []
  const { contents } = await nessie.getContents(ref, namespaces)
  return namespaces
    .filter((n) => !contents.has(n.join('.')))
    .map((n) => ({ type: 'PUT' as const, key: n, content: { type: 'NAMESPACE', elements: n } }))
}
