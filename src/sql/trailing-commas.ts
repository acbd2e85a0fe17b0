import { isTrivia, tokenize } from './lexer.js'

/**
 * Drop a trailing comma before `FROM` (`SELECT a, b, FROM t`). DuckDB and SQLMesh's parser accept
 * it and real projects contain it; Trino rejects it. Strings, quoted names and comments are never
 * touched.
 * @example dropTrailingCommas('SELECT a,\nFROM t') // 'SELECT a\nFROM t'
 */
export function dropTrailingCommas(sql: string): string {
  if (!sql.includes(',') || !/from/i.test(sql)) return sql
  const tokens = tokenize(sql)
  const drop = new Set<number>()
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.text !== ',' || tokens[i]!.type !== 'punct') continue
    let j = i + 1
    while (j < tokens.length && isTrivia(tokens[j]!)) j++
    const next = tokens[j]
    if (next && next.type === 'ident' && next.text.toLowerCase() === 'from') drop.add(tokens[i]!.start)
  }
  if (drop.size === 0) return sql
  let out = ''
  let at = 0
  for (const pos of [...drop].sort((a, b) => a - b)) {
    // A space in its place: `a,FROM` must not become `aFROM`.
    out += sql.slice(at, pos) + (/\s/.test(sql[pos + 1] ?? ' ') ? '' : ' ')
    at = pos + 1
  }
  return out + sql.slice(at)
}
