/** SQL dialects the engine reads and writes. Models default to `trino`. */
export const DIALECTS = ['trino', 'duckdb'] as const
export type Dialect = (typeof DIALECTS)[number]

export function isDialect(s: string): s is Dialect {
  return (DIALECTS as readonly string[]).includes(s)
}
