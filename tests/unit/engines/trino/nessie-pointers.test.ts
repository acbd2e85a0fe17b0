import { describe, expect, it } from 'vitest'
import { CatalogError, type CatalogContent, type CatalogOperation, type NessieClient } from '../../../../src/catalog/nessie/nessie-client.js'
import type { Reference } from '../../../../src/catalog/version-store.js'
import type { TableRef } from '../../../../src/engines/engine-adapter.js'
import { commitOnBranch, missingNamespaces, setKeyOps, tableKey } from '../../../../src/engines/trino/nessie-pointers.js'

const KEY = ['oso', 'x'] as const
const table = (id: string | undefined, metadataLocation: string): CatalogContent => ({
  type: 'ICEBERG_TABLE',
  ...(id === undefined ? {} : { id }),
  metadataLocation,
  snapshotId: '9007199254740993',
  schemaId: 0,
  specId: 0,
  sortOrderId: 0,
})

describe('tableKey', () => {
  it('lower-cases schema and name', () => {
    expect(tableKey({ schema: 'OSO', name: 'Int_Events' })).toEqual(['oso', 'int_events'])
    const ref: TableRef = { catalog: 'Iceberg', schema: 'S', name: 'T' }
    expect(tableKey(ref)).toEqual(['s', 't'])
  })
})

describe('setKeyOps', () => {
  const physical = table('id-physical', 's3://w/physical/metadata/00001.json')

  it('removes the key when the target is undefined, and does nothing when nothing is there', () => {
    expect(setKeyOps(KEY, table('id-old', 's3://w/old.json'), undefined)).toEqual([{ type: 'DELETE', key: KEY }])
    expect(setKeyOps(KEY, undefined, undefined)).toEqual([])
  })

  it('has no operations when the key already shows the same metadata', () => {
    expect(setKeyOps(KEY, table('id-pointer', physical.metadataLocation!), physical)).toEqual([])
  })

  it('a changed content type at the same metadata location is not "the same"', () => {
    const view = { ...table('id-pointer', physical.metadataLocation!), type: 'ICEBERG_VIEW' }
    expect(setKeyOps(KEY, view, physical)).toEqual([
      { type: 'DELETE', key: KEY },
      { type: 'PUT', key: KEY, content: table(undefined, physical.metadataLocation!) },
    ])
  })

  it('puts a fresh entry without content id when the key is empty', () => {
    const ops = setKeyOps(KEY, undefined, physical)
    expect(ops).toEqual([{ type: 'PUT', key: KEY, content: table(undefined, physical.metadataLocation!) }])
    const put = ops[0] as Extract<CatalogOperation, { type: 'PUT' }>
    expect('id' in put.content).toBe(false)
    // the caller's object is not modified
    expect(physical.id).toBe('id-physical')
  })

  it('updates in place (PUT with the content id) when the key holds the same table', () => {
    const current = table('id-physical', 's3://w/physical/metadata/00000.json')
    expect(setKeyOps(KEY, current, physical)).toEqual([{ type: 'PUT', key: KEY, content: physical }])
  })

  it('replaces a different table with DELETE then PUT without id', () => {
    const current = table('id-other', 's3://w/other/metadata/00003.json')
    expect(setKeyOps(KEY, current, physical)).toEqual([
      { type: 'DELETE', key: KEY },
      { type: 'PUT', key: KEY, content: table(undefined, physical.metadataLocation!) },
    ])
  })

  it('a target without id never reuses the current id', () => {
    const target = table(undefined, 's3://w/new.json')
    expect(setKeyOps(KEY, table(undefined, 's3://w/old.json'), target)).toEqual([
      { type: 'DELETE', key: KEY },
      { type: 'PUT', key: KEY, content: target },
    ])
  })
})

/** An in-memory Nessie: the head moves on every getReference; commit fails as scripted. */
function fakeNessie(failures: unknown[] = []) {
  let heads = 0
  const commits: Array<{ branch: string; hash: string; ops: readonly CatalogOperation[]; message: string }> = []
  const fake = {
    async getReference(name: string): Promise<Reference> {
      heads++
      return { type: 'BRANCH', name, hash: `h${heads}` }
    },
    async commit(branch: string, hash: string, ops: readonly CatalogOperation[], message: string): Promise<string> {
      commits.push({ branch, hash, ops, message })
      const f = failures.shift()
      if (f !== undefined) throw f
      return `c-${hash}`
    },
  }
  return { nessie: fake as unknown as NessieClient, commits, heads: () => heads }
}

const conflict = (): CatalogError => new CatalogError('REFERENCE_CONFLICT', 'expected hash moved', 409, 'http://nessie/api/v2/trees/work@h/history/commit')
const PUT: CatalogOperation = { type: 'PUT', key: ['oso', 'x'], content: { type: 'ICEBERG_TABLE', metadataLocation: 's3://m.json' } }

describe('commitOnBranch', () => {
  it('commits the operations built from the current head', async () => {
    const f = fakeNessie()
    const refs: string[] = []
    const out = await commitOnBranch(f.nessie, 'work', 'publish', async (ref) => {
      refs.push(ref)
      return [PUT]
    })
    expect(out).toBe('c-h1')
    expect(refs).toEqual(['work@h1'])
    expect(f.commits).toEqual([{ branch: 'work', hash: 'h1', ops: [PUT], message: 'publish' }])
  })

  it('retries on a 409 conflict, rebuilding from the new head', async () => {
    const f = fakeNessie([conflict(), conflict()])
    const refs: string[] = []
    const out = await commitOnBranch(f.nessie, 'work', 'publish', async (ref) => {
      refs.push(ref)
      return [PUT]
    })
    expect(out).toBe('c-h3')
    expect(refs).toEqual(['work@h1', 'work@h2', 'work@h3'])
    expect(f.commits.map((c) => c.hash)).toEqual(['h1', 'h2', 'h3'])
  })

  it('gives up after 5 attempts and rethrows the conflict', async () => {
    const errors = Array.from({ length: 10 }, conflict)
    const f = fakeNessie([...errors])
    const err = await commitOnBranch(f.nessie, 'work', 'publish', async () => [PUT]).catch((e: unknown) => e)
    expect(err).toBe(errors[4])
    expect(f.commits).toHaveLength(5)
  })

  it('succeeds on the fifth attempt', async () => {
    const f = fakeNessie([conflict(), conflict(), conflict(), conflict()])
    await expect(commitOnBranch(f.nessie, 'work', 'm', async () => [PUT])).resolves.toBe('c-h5')
    expect(f.commits).toHaveLength(5)
  })

  it('does not retry other errors', async () => {
    const notFound = new CatalogError('REFERENCE_NOT_FOUND', 'no branch', 404, 'http://nessie')
    const f1 = fakeNessie([notFound])
    await expect(commitOnBranch(f1.nessie, 'work', 'm', async () => [PUT])).rejects.toBe(notFound)
    expect(f1.commits).toHaveLength(1)

    const noStatus = new CatalogError('UNREACHABLE', 'down', undefined, 'http://nessie')
    const f2 = fakeNessie([noStatus])
    await expect(commitOnBranch(f2.nessie, 'work', 'm', async () => [PUT])).rejects.toBe(noStatus)
    expect(f2.commits).toHaveLength(1)

    // a 409-looking error that is not a CatalogError
    const plain = Object.assign(new Error('conflict'), { status: 409 })
    const f3 = fakeNessie([plain])
    await expect(commitOnBranch(f3.nessie, 'work', 'm', async () => [PUT])).rejects.toBe(plain)
    expect(f3.commits).toHaveLength(1)
  })

  it('returns undefined without committing when there is nothing to change', async () => {
    const f = fakeNessie()
    await expect(commitOnBranch(f.nessie, 'work', 'm', async () => [])).resolves.toBeUndefined()
    expect(f.commits).toEqual([])
    expect(f.heads()).toBe(1)
  })

  it('stops retrying as soon as a rebuilt operation list is empty', async () => {
    const f = fakeNessie([conflict()])
    let calls = 0
    const out = await commitOnBranch(f.nessie, 'work', 'm', async () => (++calls === 1 ? [PUT] : []))
    expect(out).toBeUndefined()
    expect(f.commits).toHaveLength(1)
  })
})

describe('missingNamespaces', () => {
  function fakeContents(existing: string[]) {
    const calls: Array<{ ref: string; keys: ReadonlyArray<readonly string[]> }> = []
    const fake = {
      async getContents(ref: string, keys: ReadonlyArray<readonly string[]>) {
        calls.push({ ref, keys })
        const contents = new Map<string, CatalogContent>()
        for (const k of keys) if (existing.includes(k.join('.'))) contents.set(k.join('.'), { type: 'NAMESPACE', elements: [...k] })
        return { hash: 'h', contents }
      },
    }
    return { nessie: fake as unknown as NessieClient, calls }
  }

  it('puts only the namespaces missing at the ref, each asked once', async () => {
    const f = fakeContents(['oso'])
    const ops = await missingNamespaces(f.nessie, 'work@h1', [
      ['oso', 'a'],
      ['oso', 'b'],
      ['tributary__oso', 'a__v1'],
      ['deep', 'ns', 't'],
      ['toplevel'],
    ])
    expect(ops).toEqual([
      { type: 'PUT', key: ['tributary__oso'], content: { type: 'NAMESPACE', elements: ['tributary__oso'] } },
      { type: 'PUT', key: ['deep', 'ns'], content: { type: 'NAMESPACE', elements: ['deep', 'ns'] } },
    ])
    expect(f.calls).toEqual([{ ref: 'work@h1', keys: [['oso'], ['tributary__oso'], ['deep', 'ns']] }])
  })

  it('returns nothing when every namespace exists', async () => {
    const f = fakeContents(['oso', 'raw'])
    await expect(missingNamespaces(f.nessie, 'main', [['oso', 'a'], ['raw', 'b']])).resolves.toEqual([])
  })

  it('does not call Nessie when no key has a namespace', async () => {
    const f = fakeContents([])
    await expect(missingNamespaces(f.nessie, 'main', [])).resolves.toEqual([])
    await expect(missingNamespaces(f.nessie, 'main', [['t']])).resolves.toEqual([])
    expect(f.calls).toEqual([])
  })
})
