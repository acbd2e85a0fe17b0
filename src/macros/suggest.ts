/** "Did you mean" suggestions for unknown macro names. */
import { levenshtein } from '../util/similar.js'

/**
 * Up to `limit` candidates close to `name` (case-insensitive), best first: edit distance at most
 * a third of the name's length (min 1), or one being a prefix of the other.
 * Example: `closeNames('strat_ds', ['start_ds', 'end_ds'])` -> `['start_ds']`.
 */
export function closeNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const n = name.toLowerCase()
  const max = Math.max(1, Math.floor(n.length / 3))
  const scored: Array<[string, number]> = []
  const seen = new Set<string>()
  for (const c of candidates) {
    const lc = c.toLowerCase()
    if (seen.has(lc) || lc === n) continue
    seen.add(lc)
    const d = levenshtein(n, lc, max)
    if (d <= max) scored.push([lc, d])
    else if (Math.min(n.length, lc.length) >= 3 && (lc.startsWith(n) || n.startsWith(lc))) scored.push([lc, max + 1])
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
  return scored.slice(0, limit).map(([c]) => c)
}
