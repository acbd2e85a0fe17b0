/**
 * String similarity for "did you mean" suggestions: bounded Levenshtein distance, the distance of a
 * pattern to the closest substring of a text, and `closest()` which ranks candidates by both.
 */

/**
 * Shared dynamic programme. Rows are `a`, columns are `b`. With `substring`, the alignment may start
 * and end anywhere in `b` (Sellers' variant), so skipping text around the match is free.
 * Returns `max + 1` as soon as the result is known to exceed `max`.
 */
function editDistance(a: string, b: string, max: number, substring: boolean): number {
  const over = max + 1
  if (substring ? a.length - b.length > max : Math.abs(a.length - b.length) > max) return over
  let prev = new Int32Array(b.length + 1)
  let cur = new Int32Array(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = substring ? 0 : j
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i
    let rowMin = i
    const ca = a.charCodeAt(i - 1)
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      cur[j] = v
      if (v < rowMin) rowMin = v
    }
    // Row minima never decrease, so once a whole row is above `max` the answer is too.
    if (rowMin > max) return over
    const t = prev
    prev = cur
    cur = t
  }
  let result = prev[b.length]!
  if (substring) for (let j = 0; j < b.length; j++) result = Math.min(result, prev[j]!)
  return Math.min(result, over)
}

/**
 * Levenshtein distance (insertions, deletions, substitutions each cost 1), case-sensitive.
 * With `max`, stops early and returns `max + 1` once the distance must exceed it.
 * Example: `levenshtein('kitten', 'sitting') === 3`.
 */
export function levenshtein(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  return editDistance(a, b, max, false)
}

/**
 * Edit distance between `pattern` and the substring of `text` it is closest to; 0 when `text`
 * contains `pattern`. Case-sensitive; bounded by `max` like `levenshtein`.
 * Example: `substringDistance('githb', 'oso.stg_github__events') === 1`.
 */
export function substringDistance(pattern: string, text: string, max = Number.POSITIVE_INFINITY): number {
  return editDistance(pattern, text, max, true)
}

/** Options of `closest()`. */
export interface ClosestOptions {
  /** How many candidates to return at most. Default 5. */
  limit?: number
  /**
   * Largest accepted whole-string edit distance. Default: a third of the target's length, at
   * least 1 (`'stg_githb'` accepts 3). Containment allows a quarter of the length (at most this).
   */
  maxDistance?: number
}

/**
 * Up to `limit` candidates similar to `target`, best first, compared case-insensitively and
 * returned as given. A candidate qualifies when its whole-string edit distance is within
 * `maxDistance`, or when it contains the target with at most a quarter of the target's length in
 * edits (ranked half a step below an equal whole-string distance). Ties go to the candidate closest in length, then A-Z.
 * Duplicates and exact (case-insensitive) matches of the target are skipped.
 * Example: `closest('stg_githb', ['oso.stg_github', 'oso.int_repos'])` -> `['oso.stg_github']`.
 */
export function closest(target: string, candidates: Iterable<string>, opts: ClosestOptions = {}): string[] {
  const limit = opts.limit ?? 5
  const t = target.toLowerCase()
  if (limit <= 0 || t === '') return []
  const max = opts.maxDistance ?? Math.max(1, Math.floor(t.length / 3))
  // Fuzzy containment is looser (any text around the match is free), so it gets fewer edits:
  // none below 4 characters, or `int` would "match" every name containing `nt`.
  const partMax = Math.min(max, Math.floor(t.length / 4))
  const scored: Array<{ name: string; score: number; lengthGap: number }> = []
  const seen = new Set<string>()
  for (const name of candidates) {
    const c = name.toLowerCase()
    if (c === t || seen.has(c)) continue
    seen.add(c)
    const whole = levenshtein(t, c, max)
    const part = substringDistance(t, c, partMax)
    if (whole > max && part > partMax) continue
    // Containment ranks half a step below an equal whole-string distance.
    const score = part <= partMax ? Math.min(whole, part + 0.5) : whole
    scored.push({ name, score, lengthGap: Math.abs(c.length - t.length) })
  }
  scored.sort((x, y) => x.score - y.score || x.lengthGap - y.lengthGap || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  return scored.slice(0, limit).map((s) => s.name)
}
