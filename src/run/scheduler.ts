import type { NodeResult } from './run-result.js'

/** One unit of DAG work: returns its result; must not throw (wrap errors into a failed result). */
export type NodeWork = (name: string, signal: AbortSignal) => Promise<NodeResult>

/**
 * Run nodes in dependency order with at most `concurrency` at once. A node starts when all its
 * parents (within `nodes`) have finished without failing; if any parent failed or was skipped,
 * it is skipped with a message naming that parent. Never throws.
 */
export async function runDag(opts: {
  nodes: readonly string[]
  parents: (name: string) => readonly string[]
  work: NodeWork
  concurrency: number
  signal?: AbortSignal
}): Promise<Map<string, NodeResult>> {
  const inPlan = new Set(opts.nodes)
  const results = new Map<string, NodeResult>()
  const waiting = new Map<string, Set<string>>()
  const children = new Map<string, string[]>()
  for (const n of opts.nodes) {
    const ps = opts.parents(n).filter((p) => inPlan.has(p))
    waiting.set(n, new Set(ps))
    for (const p of ps) children.set(p, [...(children.get(p) ?? []), n])
  }
  const ready: string[] = opts.nodes.filter((n) => waiting.get(n)!.size === 0)
  const controller = new AbortController()
  opts.signal?.addEventListener('abort', () => controller.abort(), { once: true })
  let running = 0

  return new Promise((resolveAll) => {
    const finish = (name: string, r: NodeResult): void => {
      results.set(name, r)
      const bad = r.status === 'failed' || r.status === 'skipped' || r.status === 'cancelled'
      for (const c of children.get(name) ?? []) {
        if (results.has(c)) continue
        if (bad) {
          skip(c, `upstream ${name} ${r.status === 'failed' ? 'failed' : 'did not run'}`)
          continue
        }
        const w = waiting.get(c)!
        w.delete(name)
        if (w.size === 0) ready.push(c)
      }
    }
    const skip = (name: string, message: string): void => {
      finish(name, { name, status: 'skipped', batchesDone: 0, batchesTotal: 0, durationMs: 0, message })
    }
    const pump = (): void => {
      while (running < Math.max(1, opts.concurrency) && ready.length > 0) {
        const name = ready.shift()!
        if (controller.signal.aborted) {
          finish(name, { name, status: 'cancelled', batchesDone: 0, batchesTotal: 0, durationMs: 0, message: 'run cancelled' })
          continue
        }
        running++
        void opts.work(name, controller.signal).then(
          (r) => done(name, r),
          (e: unknown) =>
            done(name, {
              name,
              status: 'failed',
              batchesDone: 0,
              batchesTotal: 0,
              durationMs: 0,
              message: e instanceof Error ? e.message : String(e),
            }),
        )
      }
      if (running === 0 && ready.length === 0) {
        for (const n of opts.nodes) if (!results.has(n)) skip(n, 'not reached')
        resolveAll(results)
      }
    }
    const done = (name: string, r: NodeResult): void => {
      running--
      finish(name, r)
      pump()
    }
    pump()
  })
}
