import { describe, expect, it } from 'vitest'
import { batchIntervals, batchRanges, missingIntervals, missingRanges } from '../../../src/snapshot/intervals.js'
import type { Interval, IntervalUnit } from '../../../src/snapshot/interval.js'

/** Deterministic PRNG so failures are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

describe('range-based missing intervals agree with the per-interval definition', () => {
  const units: Array<[IntervalUnit, number]> = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['month', 0],
  ]
  for (const [unit, width] of units) {
    it(`matches on random histories (${unit})`, () => {
      const rnd = prng(unit.length * 7919)
      const t0 = Date.UTC(2023, 0, 1)
      for (let round = 0; round < 200; round++) {
        const span = width || 31 * 86_400_000
        const start = t0 + Math.floor(rnd() * 5) * span
        const end = start + Math.floor(rnd() * 40) * span + Math.floor(rnd() * span)
        const processed: Interval[] = []
        for (let k = 0; k < 4; k++) {
          const a = start + Math.floor(rnd() * 40) * span + (rnd() < 0.2 ? Math.floor(rnd() * span) : 0)
          processed.push([a, a + Math.floor(rnd() * 6 + 1) * span])
        }
        const lookback = Math.floor(rnd() * 4)
        const batchSize = rnd() < 0.3 ? undefined : Math.floor(rnd() * 5) + 1
        const o = { start, end, unit, processed, lookback }
        expect(batchRanges(missingRanges(o), unit, batchSize)).toEqual(batchIntervals(missingIntervals(o), batchSize))
      }
    })
  }
})
