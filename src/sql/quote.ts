/**
 * Standard SQL quoting, the same in DuckDB, Trino and PostgreSQL: identifiers in double quotes,
 * string literals in single quotes, the quote character doubled inside.
 */

/** `a"b` -> `"a""b"`. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `it's` -> `'it''s'`. */
export function quoteString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}
