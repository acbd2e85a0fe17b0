import Graphology from 'graphology'
import { hasCycle, topologicalSort } from 'graphology-dag'

// graphology ships CJS with a default export; under NodeNext the class is on `.default` at type level.
const DirectedGraph = (Graphology as unknown as { DirectedGraph: typeof Graphology.DirectedGraph }).DirectedGraph

/**
 * The model dependency graph: an edge `a -> b` means b reads a. Node keys are model names.
 * Thin wrapper over graphology so the rest of the engine does not depend on its API.
 */
export class Dag<T = unknown> {
  private readonly g = new DirectedGraph()
  private readonly data = new Map<string, T>()
  private order: string[] | undefined

  addNode(name: string, value: T): void {
    if (!this.g.hasNode(name)) this.g.addNode(name)
    this.data.set(name, value)
    this.order = undefined
  }

  /** Add `parent -> child`. Both nodes must exist. Duplicate edges are ignored. */
  addEdge(parent: string, child: string): void {
    if (!this.g.hasEdge(parent, child)) this.g.addDirectedEdge(parent, child)
    this.order = undefined
  }

  has(name: string): boolean {
    return this.data.has(name)
  }
  get(name: string): T | undefined {
    return this.data.get(name)
  }
  get size(): number {
    return this.data.size
  }
  nodes(): string[] {
    return [...this.data.keys()]
  }
  edges(): Array<[string, string]> {
    return this.g.mapEdges((_e, _a, s, t) => [s, t] as [string, string])
  }
  parents(name: string): string[] {
    return this.g.hasNode(name) ? this.g.inNeighbors(name) : []
  }
  children(name: string): string[] {
    return this.g.hasNode(name) ? this.g.outNeighbors(name) : []
  }

  /** Topological order (parents first). Throws if the graph has a cycle: call `findCycle` first. */
  topoOrder(): string[] {
    this.order ??= topologicalSort(this.g)
    return this.order
  }

  /** All ancestors of the given nodes (not including them). */
  upstream(names: Iterable<string>): Set<string> {
    return this.closure(names, (n) => this.parents(n))
  }

  /** All descendants of the given nodes (not including them). */
  downstream(names: Iterable<string>): Set<string> {
    return this.closure(names, (n) => this.children(n))
  }

  private closure(names: Iterable<string>, next: (n: string) => string[]): Set<string> {
    const start = new Set(names)
    const seen = new Set<string>()
    const stack = [...start]
    while (stack.length) {
      const n = stack.pop()!
      for (const m of next(n)) {
        if (!seen.has(m)) {
          seen.add(m)
          stack.push(m)
        }
      }
    }
    for (const n of start) seen.delete(n)
    return seen
  }

  /** One cycle as a node path that starts and ends with the same node (`a, b, a`), or undefined. */
  findCycle(): string[] | undefined {
    if (!hasCycle(this.g)) return undefined
    const WHITE = 0
    const GREY = 1
    const BLACK = 2
    const color = new Map<string, number>()
    const stack: string[] = []
    const visit = (n: string): string[] | undefined => {
      color.set(n, GREY)
      stack.push(n)
      for (const m of this.children(n)) {
        const c = color.get(m) ?? WHITE
        if (c === GREY) return [...stack.slice(stack.indexOf(m)), m]
        if (c === WHITE) {
          const found = visit(m)
          if (found) return found
        }
      }
      stack.pop()
      color.set(n, BLACK)
      return undefined
    }
    for (const n of [...this.data.keys()].sort()) {
      if ((color.get(n) ?? WHITE) === WHITE) {
        const found = visit(n)
        if (found) return found
      }
    }
    return undefined
  }
}
