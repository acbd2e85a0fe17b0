/**
 * Shell-style wildcards as in Python's `fnmatch`, which SQLMesh uses for model names and tags:
 * `*` any run of characters, `?` one character, `[abc]` / `[a-z]` one of a set, `[!abc]` none of it.
 * An unclosed `[` is a literal character.
 */

/** True when `pattern` contains a wildcard (`*`, `?` or `[`). Example: `hasWildcard('oso.int_*')`. */
export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g

/**
 * Compile a wildcard pattern to an anchored, case-insensitive RegExp. Compile once per pattern and
 * reuse it for every name. Throws `SyntaxError` for an impossible class such as `[z-a]`.
 * Example: `globToRegExp('oso.int_*').test('OSO.int_events') === true`.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    const ch = pattern[i]!
    if (ch === '*') {
      while (pattern[i + 1] === '*') i++
      out += '.*'
    } else if (ch === '?') {
      out += '.'
    } else if (ch === '[') {
      const cls = readClass(pattern, i)
      if (cls) {
        out += cls.source
        i = cls.end
        continue
      }
      out += '\\['
    } else {
      out += ch.replace(REGEX_SPECIAL, '\\$&')
    }
    i++
  }
  return new RegExp(`^${out}$`, 'is')
}

/** The class starting at `pattern[start] === '['`, or undefined when it never closes. */
function readClass(pattern: string, start: number): { source: string; end: number } | undefined {
  let j = start + 1
  const negate = pattern[j] === '!'
  if (negate) j++
  // A `]` right after `[` or `[!` belongs to the set, as in fnmatch.
  const bodyStart = j
  if (pattern[j] === ']') j++
  while (j < pattern.length && pattern[j] !== ']') j++
  if (j >= pattern.length) return undefined
  const body = pattern.slice(bodyStart, j).replace(/[\\\]^[]/g, '\\$&')
  return { source: `[${negate ? '^' : ''}${body}]`, end: j + 1 }
}
