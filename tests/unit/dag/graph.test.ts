import { describe, expect, it } from 'vitest'
import { Dag } from '../../../src/dag/graph.js'

function dag(edges: Array<[string, string]>, nodes: string[] = []): Dag<string> {
  const d = new Dag<string>()
  for (const n of [...nodes, ...edges.flat()]) d.addNode(n, n)
  for (const [a, b] of edges) d.addEdge(a, b)
  return d
}

describe('Dag', () => {
  it('orders parents before children', () => {
    const d = dag([
      ['a', 'b'],
      ['b', 'c'],
      ['a', 'c'],
      ['x', 'c'],
    ])
    const order = d.topoOrder()
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'))
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('c'))
    expect(order.indexOf('x')).toBeLessThan(order.indexOf('c'))
  })
  it('computes upstream and downstream closures without the start nodes', () => {
    const d = dag([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['e', 'c'],
    ])
    expect([...d.upstream(['c'])].sort()).toEqual(['a', 'b', 'e'])
    expect([...d.downstream(['b'])].sort()).toEqual(['c', 'd'])
    expect([...d.downstream(['d'])]).toEqual([])
  })
  it('finds a cycle as a closed path', () => {
    const d = dag([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
      ['c', 'd'],
    ])
    const cycle = d.findCycle()!
    expect(cycle[0]).toBe(cycle[cycle.length - 1])
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']))
    expect(dag([['a', 'b']]).findCycle()).toBeUndefined()
  })
  it('finds a self-loop', () => {
    expect(dag([['a', 'a']]).findCycle()).toEqual(['a', 'a'])
  })
})
