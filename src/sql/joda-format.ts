/**
 * Converts a Joda-Time pattern (Trino `format_datetime`) to a DuckDB `strftime` format.
 * Returns `undefined` when the pattern uses a letter we do not map, so the caller can leave the
 * call untouched (it then fails loudly in DuckDB instead of formatting wrongly).
 */
const JODA: ReadonlyArray<[string, string]> = [
  // Longest runs first: the scanner takes the longest match at each position.
  ['yyyy', '%Y'], ['YYYY', '%Y'], ['uuuu', '%Y'], ['yy', '%y'], ['YY', '%y'], ['uu', '%y'],
  ['MMMM', '%B'], ['MMM', '%b'], ['MM', '%m'], ['M', '%-m'],
  ['dd', '%d'], ['d', '%-d'], ['DDD', '%j'],
  ['HH', '%H'], ['H', '%-H'], ['hh', '%I'], ['h', '%-I'],
  ['mm', '%M'], ['m', '%-M'], ['ss', '%S'], ['s', '%-S'],
  ['SSSSSS', '%f'], ['SSS', '%g'],
  ['EEEE', '%A'], ['EEE', '%a'], ['E', '%a'], ['a', '%p'],
  ['ZZ', '%z'], ['Z', '%z'], ['z', '%Z'],
]

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

/**
 * @example jodaToStrftime("yyyy-MM-dd'T'HH:mm") // '%Y-%m-%dT%H:%M'
 */
export function jodaToStrftime(pattern: string): string | undefined {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    const c = pattern.charAt(i)
    if (c === "'") {
      // Quoted literal text; '' is a single quote.
      if (pattern.charAt(i + 1) === "'") {
        out += "'"
        i += 2
        continue
      }
      const close = pattern.indexOf("'", i + 1)
      if (close < 0) return undefined
      out += pattern.slice(i + 1, close).replace(/%/g, '%%')
      i = close + 1
      continue
    }
    if (!isLetter(c)) {
      out += c === '%' ? '%%' : c
      i++
      continue
    }
    let run = 1
    while (pattern.charAt(i + run) === c) run++
    const hit = JODA.find(([joda]) => joda.length === run && joda.charAt(0) === c)
    if (!hit) return undefined
    out += hit[1]
    i += run
  }
  return out
}
