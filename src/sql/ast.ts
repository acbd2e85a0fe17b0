/**
 * Minimal typing and helpers for polyglot's JSON AST. A node is a single-key object
 * `{ <kind>: <data> }` (`{ table: {...} }`, `{ function: { name, args } }`); identifiers are
 * `{ name, quoted, span }` objects. We type only the few shapes we read; everything else is
 * walked generically, so unknown or future node kinds are still traversed.
 */
import type { Dialect } from './dialect.js'

/** A JSON object inside the AST. */
export type AstObject = { [key: string]: unknown }

/** Source position polyglot attaches to identifiers (offsets count Unicode code points). */
export interface Span {
  /** Offset of the first character, in code points of the parsed text. */
  start: number
  /** Offset after the last character, in code points. */
  end: number
  /** 1-based line. */
  line: number
  /** 1-based column (of the end of the token, as polyglot reports it). */
  column: number
}

/** An identifier as polyglot represents it. */
export interface Ident {
  /** The name without quotes. */
  name: string
  /** Whether it was written in double quotes. */
  quoted: boolean
  /** Position in the parsed text (quotes included). */
  span?: Span | null
}

/** Data of a `{ table: ... }` node. */
export interface TableData extends AstObject {
  /** Last name part. */
  name: Ident
  /** Middle part of `schema.name` / `catalog.schema.name`. */
  schema: Ident | null
  /** First part of a three-part name. */
  catalog: Ident | null
  /** `AS alias`, when written. */
  alias: Ident | null
}

/** True for a non-null, non-array object. */
export function isObject(v: unknown): v is AstObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The kind of a node (its only key), or `undefined` when `v` is not a single-key object. */
export function nodeKind(v: unknown): string | undefined {
  if (!isObject(v)) return undefined
  let kind: string | undefined
  for (const k in v) {
    if (kind !== undefined) return undefined
    kind = k
  }
  return kind
}

/** The data of `node` when it is a node of `kind`. */
export function dataOf(node: unknown, kind: string): AstObject | undefined {
  if (nodeKind(node) !== kind) return undefined
  const d = (node as AstObject)[kind]
  return isObject(d) ? d : undefined
}

/** True when `v` looks like an identifier object. */
export function isIdent(v: unknown): v is Ident {
  return isObject(v) && typeof v.name === 'string' && typeof v.quoted === 'boolean'
}

/** True when `v` is the data of a table reference. */
export function isTableData(v: unknown): v is TableData {
  return isObject(v) && isIdent(v.name) && 'schema' in v
}

/**
 * Normalized name of one identifier: Trino folds every identifier to lower case; DuckDB keeps the
 * case of quoted identifiers (unquoted ones are lower-cased in both).
 */
export function normIdent(id: Ident, dialect: Dialect): string {
  return id.quoted && dialect === 'duckdb' ? id.name : id.name.toLowerCase()
}

const SIMPLE_NAME = /^[a-z_][a-z0-9_]*$/

/** Renders a normalized name part: bare when simple, otherwise double-quoted. */
export function renderPart(part: string): string {
  return SIMPLE_NAME.test(part) ? part : `"${part.replace(/"/g, '""')}"`
}

/** Dotted, normalized name of a table reference as written (`cat.sch.t`, `sch.t`, `t`). */
export function tableKey(t: TableData, dialect: Dialect): string {
  const parts: string[] = []
  if (t.catalog) parts.push(renderPart(normIdent(t.catalog, dialect)))
  if (t.schema) parts.push(renderPart(normIdent(t.schema, dialect)))
  parts.push(renderPart(normIdent(t.name, dialect)))
  return parts.join('.')
}

/** Deep copy of an AST fragment (the AST is plain JSON). */
export function cloneAst<T>(v: T): T {
  return structuredClone(v)
}

/** A string literal value, or `undefined`. */
export function stringLiteral(node: unknown): string | undefined {
  const d = dataOf(node, 'literal')
  return d && d.literal_type === 'string' && typeof d.value === 'string' ? d.value : undefined
}

/** A number literal's text, or `undefined`. */
export function numberLiteral(node: unknown): string | undefined {
  const d = dataOf(node, 'literal')
  return d && d.literal_type === 'number' && typeof d.value === 'string' ? d.value : undefined
}
