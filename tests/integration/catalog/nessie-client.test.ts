import { beforeAll, describe, expect, it } from 'vitest'
import { CatalogError, NessieClient } from '../../../src/catalog/nessie/nessie-client.js'

/**
 * Against a real Nessie server: `scripts/stack.sh up` starts one and prints NESSIE_URL.
 * Run with `NESSIE_URL=... npm run test:integration`.
 */
const url = process.env['NESSIE_URL']
if (!url) throw new Error('NESSIE_URL is not set: start the stack with `bash scripts/stack.sh up` first')

describe('NessieClient against a real Nessie', () => {
  const nessie = new NessieClient(url)
  const suffix = `${process.pid}_${Date.now()}`

  beforeAll(async () => {
    await nessie.getReference('main')
  })

  it('reads references and creates a tag at main', async () => {
    const main = await nessie.getReference('main')
    expect(main.type).toBe('BRANCH')
    expect(main.hash).toMatch(/^[0-9a-f]{16,64}$/)
    const tag = await nessie.createReference('TAG', `t_${suffix}`, main)
    expect(tag).toEqual({ type: 'TAG', name: `t_${suffix}`, hash: main.hash })
    expect((await nessie.listReferences()).map((r) => r.name)).toContain(`t_${suffix}`)
    await nessie.deleteReference(tag)
  })

  it('moves a tag only from its expected hash; a stale hash is a conflict', async () => {
    const main = await nessie.getReference('main')
    const branch = await nessie.createReference('BRANCH', `b_${suffix}`, main)
    const tag = await nessie.createReference('TAG', `c_${suffix}`, main)
    // A second writer moves the tag first (to the same hash through the branch): ours is stale.
    const moved = await nessie.assignReference(tag, branch)
    expect(moved.hash).toBe(branch.hash)
    const stale = { ...tag, hash: '0'.repeat(64) }
    const err = await nessie.assignReference(stale, main).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CatalogError)
    expect((err as CatalogError).status).toBe(409)
    expect((err as CatalogError).nessieCode).toMatch(/CONFLICT/)
    await nessie.deleteReference(moved)
    await nessie.deleteReference(branch)
  })

  it('reports unknown references with Nessie\'s error code', async () => {
    const err = await nessie.getReference(`nope_${suffix}`).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CatalogError)
    expect((err as CatalogError).nessieCode).toBe('REFERENCE_NOT_FOUND')
  })

  it('reads the commit log of main', async () => {
    const log = await nessie.history('main', { max: 5 })
    expect(Array.isArray(log)).toBe(true)
    for (const e of log) expect(e.hash).toMatch(/^[0-9a-f]+$/)
  })

  it('says clearly when Nessie is unreachable', async () => {
    const err = await new NessieClient('http://127.0.0.1:9/api/v2', { timeoutMs: 2000 }).getReference('main').catch((e: unknown) => e)
    expect((err as CatalogError).nessieCode).toBe('UNREACHABLE')
    expect((err as Error).message).toMatch(/Nessie is unreachable at http:\/\/127\.0\.0\.1:9\/api\/v2/)
  })
})
