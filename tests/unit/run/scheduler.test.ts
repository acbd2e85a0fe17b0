import { describe, expect, it } from 'vitest'
import { runDag } from '../../../src/run/scheduler.js'
import type { NodeResult } from '../../../src/run/run-result.js'

const ok = (name: string): NodeResult => ({ name, status: 'succeeded', batchesDone: 1, batchesTotal: 1, durationMs: 0 })

describe('runDag', () => {
  const parents: Record<string, string[]> = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'], e: [] }

  it('runs parents before children and bounds concurrency', async () => {
    const started: string[] = []
    let running = 0
    let peak = 0
    const res = await runDag({
      nodes: ['a', 'b', 'c', 'd', 'e'],
      parents: (n) => parents[n]!,
      concurrency: 2,
      work: async (n) => {
        started.push(n)
        running++
        peak = Math.max(peak, running)
        await new Promise((r) => setTimeout(r, 5))
        running--
        return ok(n)
      },
    })
    expect(peak).toBe(2)
    expect(started.indexOf('d')).toBeGreaterThan(started.indexOf('b'))
    expect(started.indexOf('d')).toBeGreaterThan(started.indexOf('c'))
    expect([...res.values()].every((r) => r.status === 'succeeded')).toBe(true)
  })

  it('skips everything downstream of a failure and runs the rest', async () => {
    const res = await runDag({
      nodes: ['a', 'b', 'c', 'd', 'e'],
      parents: (n) => parents[n]!,
      concurrency: 4,
      work: async (n) => (n === 'b' ? { ...ok(n), status: 'failed', message: 'boom' } : ok(n)),
    })
    expect(res.get('b')!.status).toBe('failed')
    expect(res.get('d')!.status).toBe('skipped')
    expect(res.get('d')!.message).toBe('upstream b failed')
    expect(res.get('c')!.status).toBe('succeeded')
    expect(res.get('e')!.status).toBe('succeeded')
  })

  it('turns a thrown error into a failed result', async () => {
    const res = await runDag({
      nodes: ['a', 'b'],
      parents: (n) => parents[n] ?? [],
      concurrency: 1,
      work: async (n) => {
        if (n === 'a') throw new Error('kaput')
        return ok(n)
      },
    })
    expect(res.get('a')).toMatchObject({ status: 'failed', message: 'kaput' })
    expect(res.get('b')!.status).toBe('skipped')
  })

  it('cancels nodes not yet started when aborted', async () => {
    const controller = new AbortController()
    const res = await runDag({
      nodes: ['a', 'b', 'c', 'd'],
      parents: (n) => parents[n]!,
      concurrency: 1,
      signal: controller.signal,
      work: async (n) => {
        if (n === 'a') controller.abort()
        return ok(n)
      },
    })
    expect(res.get('a')!.status).toBe('succeeded')
    expect(['cancelled', 'skipped']).toContain(res.get('b')!.status)
    expect(res.get('d')!.status).not.toBe('succeeded')
  })
})
