/**
 * User audits: `.sql` files under a project's `audits/` folder, each holding one or more
 * `AUDIT (name ..., dialect ..., defaults (...), blocking ...); <query>;` pairs (SQLMesh's format).
 * The query returns the bad rows of `@this_model`; its other `@name`s are the audit's parameters.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { ProjectError } from '../errors.js'
import { RESERVED_MACRO_NAMES, TIME_VARIABLE_NAMES } from '../macros/index.js'
import { isDialect, type Dialect } from '../sql/dialect.js'
import { isTrivia, matchParen, splitStatements, tokenize, type Token } from '../sql/lexer.js'
import {
  describeToken,
  headerFail,
  isPunct,
  rawText,
  readBoolean,
  readKeyValue,
  readScalar,
  splitTopLevel,
  tupleItems,
} from '../project/header-values.js'
import type { AuditDefinition } from './audit.js'

/** Keys an `AUDIT (...)` header may set. `formatting` is accepted and ignored, as in SQLMesh. */
const HEADER_KEYS = ['name', 'dialect', 'defaults', 'blocking', 'skip', 'standalone', 'formatting']

/** Options of `parseAuditFile` / `loadUserAudits`. */
export interface UserAuditOptions {
  /** Dialect of audits without a `dialect` key (the project's `model_defaults.dialect`). Default `'trino'`. */
  dialect?: Dialect
}

function auditFail(file: string, line: number, message: string): never {
  throw new ProjectError('AUDIT_INVALID', message, { location: { file, line } })
}

function firstSignificant(tokens: readonly Token[]): number {
  return tokens.findIndex((t) => !isTrivia(t))
}

/** Index of the `(` of an `AUDIT (` statement, or -1 when the statement is not an AUDIT header. */
function headerOpen(stmt: readonly Token[]): number {
  const k = firstSignificant(stmt)
  const t = stmt[k]
  if (t?.type !== 'ident' || t.text.toLowerCase() !== 'audit') return -1
  let p = k + 1
  while (p < stmt.length && isTrivia(stmt[p]!)) p++
  return isPunct(stmt[p], '(') ? p : -1
}

interface Header {
  name: string
  line: number
  dialect: Dialect
  defaults: Record<string, string>
  blocking: boolean
  skip: boolean
}

/** Read the properties between `open` and `close` of an AUDIT header. */
function readHeader(stmt: readonly Token[], open: number, close: number, file: string, dialect: Dialect): Header {
  const line = stmt[firstSignificant(stmt)]!.line
  const h: Header = { name: '', line, dialect, defaults: {}, blocking: true, skip: false }
  const seen = new Set<string>()
  for (const part of splitTopLevel(stmt, open, close, file)) {
    const { key, value, line: at } = readKeyValue(part, file, 'the AUDIT header')
    const what = `property '${key}'`
    if (!HEADER_KEYS.includes(key)) {
      headerFail(file, at, `unknown property '${key}' in AUDIT header (expected one of ${HEADER_KEYS.join(', ')})`)
    }
    if (seen.has(key)) headerFail(file, at, `duplicate property '${key}' in AUDIT header`)
    seen.add(key)
    if (key === 'name') {
      h.name = readScalar(value, file, what, at).toLowerCase()
      if (!/^[a-z_][a-z0-9_]*$/.test(h.name)) headerFail(file, at, `audit name '${h.name}' must be a plain identifier`)
    } else if (key === 'dialect') {
      const d = readScalar(value, file, what, at).toLowerCase()
      if (!isDialect(d)) headerFail(file, at, `unsupported dialect '${d}' (expected trino or duckdb)`)
      h.dialect = d
    } else if (key === 'blocking') h.blocking = readBoolean(value, file, what, at)
    else if (key === 'skip') h.skip = readBoolean(value, file, what, at)
    else if (key === 'standalone') {
      if (readBoolean(value, file, what, at)) auditFail(file, at, 'standalone audits are not supported; attach the audit to a model with audits (...)')
    } else if (key === 'defaults') h.defaults = readDefaults(value, file, at)
  }
  if (h.name === '') headerFail(file, line, 'AUDIT header has no name')
  return h
}

/** `defaults (threshold = 10, column := id)` -> `{ threshold: '10', column: 'id' }`. */
function readDefaults(value: readonly Token[], file: string, line: number): Record<string, string> {
  if (!isPunct(value[0], '(')) headerFail(file, value[0]?.line ?? line, 'defaults must be a list like defaults (threshold = 10)')
  const out: Record<string, string> = {}
  for (const item of tupleItems(value, file)) {
    const kv = readKeyValue(item, file, 'defaults (...)')
    if (kv.key in out) headerFail(file, kv.line, `default '${kv.key}' is given twice`)
    out[kv.key] = rawText(kv.value)
  }
  return out
}

/** `@name`s the query reads that are not macros of their own: the audit's parameters, in order. */
function referencedParams(tokens: readonly Token[]): string[] {
  const defined = new Set<string>()
  const used: string[] = []
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!
    if (t.type !== 'macro') continue
    const braced = t.text.startsWith('@{')
    const name = (braced ? t.text.slice(2, -1) : t.text.slice(1)).trim().toLowerCase()
    if (!braced && isPunct(tokens[k + 1], '(')) {
      // `@DEF(name, ...)` defines a local; other calls are macros.
      if (name === 'def') {
        const arg = tokens.slice(k + 2).find((x) => !isTrivia(x))
        if (arg?.type === 'ident') defined.add(arg.text.toLowerCase())
      }
      continue
    }
    if (name === 'this_model' || name === 'runtime_stage' || TIME_VARIABLE_NAMES.includes(name)) continue
    if (RESERVED_MACRO_NAMES.has(name) || used.includes(name)) continue
    used.push(name)
  }
  return used.filter((n) => !defined.has(n))
}

function readsThisModel(tokens: readonly Token[]): boolean {
  return tokens.some((t) => t.type === 'macro' && /^@\{?\s*this_model\s*\}?$/i.test(t.text))
}

/** Build the definition from a header and the statements of its body (`@DEF`s, then the query). */
function toDefinition(h: Header, body: Token[][], text: string, file: string): AuditDefinition {
  if (body.length === 0) auditFail(file, h.line, `audit '${h.name}' has no query`)
  for (const stmt of body.slice(0, -1)) {
    const t = stmt[firstSignificant(stmt)]!
    if (!(t.type === 'macro' && t.text.toLowerCase() === '@def')) {
      auditFail(file, t.line, `audit '${h.name}' must have one query (only @DEF statements may precede it), found a second statement`)
    }
  }
  const all = body.flat()
  const first = all[firstSignificant(all)]!
  let lastIdx = all.length - 1
  while (isTrivia(all[lastIdx]!)) lastIdx--
  if (!readsThisModel(all)) {
    auditFail(file, first.line, `audit '${h.name}' does not read @this_model; an audit checks the rows of the model it is attached to`)
  }
  const used = referencedParams(all)
  return {
    name: h.name,
    file,
    line: h.line,
    queryLine: first.line,
    dialect: h.dialect,
    query: text.slice(first.start, all[lastIdx]!.end),
    required: used.filter((p) => !(p in h.defaults)),
    defaults: h.defaults,
    blocking: h.blocking,
    params: [...new Set([...Object.keys(h.defaults), ...used])],
    skip: h.skip,
  }
}

/**
 * Parse the audits of one file.
 * @param file project-relative path, used in every definition and error.
 * @throws ProjectError HEADER_INVALID (malformed header, unknown/duplicate key, no name, bad
 *   dialect or boolean) or AUDIT_INVALID (a query before any AUDIT, an audit with no query or
 *   two queries, a query that does not read `@this_model`, `standalone true`, the same name twice
 *   in the file), located at the line.
 * @example parseAuditFile('AUDIT (name positive); SELECT * FROM @this_model WHERE @column <= 0', 'audits/a.sql')
 */
export function parseAuditFile(text: string, file: string, opts: UserAuditOptions = {}): AuditDefinition[] {
  const tokens = tokenize(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text)
  const out: AuditDefinition[] = []
  let header: Header | undefined
  let body: Token[][] = []
  const finish = (): void => {
    if (!header) return
    const def = toDefinition(header, body, text, file)
    const twin = out.find((d) => d.name === def.name)
    if (twin) auditFail(file, header.line, `audit '${def.name}' is defined twice in this file (first on line ${twin.line ?? 1})`)
    out.push(def)
  }
  for (const stmt of splitStatements(tokens)) {
    const open = headerOpen(stmt)
    if (open < 0) {
      const t = stmt[firstSignificant(stmt)]!
      if (!header) auditFail(file, t.line, `expected AUDIT (...) before the query, found ${describeToken(t)}`)
      body.push(stmt)
      continue
    }
    finish()
    const close = matchParen(stmt, open)
    if (close < 0) headerFail(file, stmt[open]!.line, `unbalanced parentheses in AUDIT header: '(' on line ${stmt[open]!.line} is never closed`)
    header = readHeader(stmt, open, close, file, opts.dialect ?? 'trino')
    // Leniently, the query may follow the header's ')' without a ';'.
    const rest = stmt.slice(close + 1)
    body = rest.some((t) => !isTrivia(t)) ? [rest] : []
  }
  finish()
  if (out.length === 0) auditFail(file, 1, 'no AUDIT (...) found in the file')
  return out
}

async function listSqlFiles(dir: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new ProjectError('AUDIT_INVALID', `cannot read the audits folder ${dir}`, { location: { file: dir }, cause: e })
  }
  const out: string[] = []
  for (const e of entries) {
    const path = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await listSqlFiles(path)))
    else if (e.isFile() && e.name.endsWith('.sql')) out.push(path)
  }
  return out.sort()
}

/**
 * Load every `audits/**\/*.sql` file of the project at `projectDir` (sorted by path). A missing
 * folder gives no audits. Definitions carry project-relative, `/`-separated file paths.
 * @throws ProjectError as `parseAuditFile`, and AUDIT_INVALID when two files define the same name.
 */
export async function loadUserAudits(projectDir: string, opts: UserAuditOptions = {}): Promise<AuditDefinition[]> {
  const out: AuditDefinition[] = []
  for (const path of await listSqlFiles(join(projectDir, 'audits'))) {
    const file = relative(projectDir, path).split(sep).join('/')
    for (const def of parseAuditFile(await readFile(path, 'utf8'), file, opts)) {
      const twin = out.find((d) => d.name === def.name)
      if (twin) auditFail(file, def.line ?? 1, `audit '${def.name}' is also defined in ${twin.file}:${twin.line}`)
      out.push(def)
    }
  }
  return out
}
