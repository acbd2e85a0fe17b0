/**
 * Reads SQLMesh's `external_models.yaml`: a YAML list of tables the project reads but does not
 * build, with their column types so lineage and typing work.
 *
 * ```yaml
 * - name: bigquery.ossd.projects        # or schema.table
 *   description: OSS Directory projects
 *   columns: { id: VARCHAR, version: BIGINT }
 *   gateway: trino                       # optional
 * ```
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import { z } from 'zod'
import { ProjectError } from '../errors.js'
import { DIALECTS, type Dialect } from '../sql/dialect.js'
import { isTrivia, tokenize, unquoteString } from '../sql/lexer.js'
import type { ModelDefinition } from './model.js'

/** One entry of `external_models.yaml`; unknown keys are rejected. */
export const ExternalModelSchema = z.strictObject({
  /** `catalog.schema.table` or `schema.table`. */
  name: z.string().min(1),
  description: z.string().optional(),
  /** Column name -> SQL type, e.g. `{ amount: 'DECIMAL(38, 18)' }`. Optional: lineage is then unknown. */
  columns: z.record(z.string(), z.string()).optional(),
  /** Gateway the table lives in; kept in `extra.gateway`. */
  gateway: z.string().optional(),
  /** Dialect of the column types; defaults to the caller's default. */
  dialect: z.enum(DIALECTS).optional(),
})

/** A validated `external_models.yaml` entry. */
export type ExternalModelEntry = z.infer<typeof ExternalModelSchema>

/** Options for `parseExternalModels`. */
export interface ExternalModelOptions {
  /** Dialect of entries without `dialect`. Default `'trino'`. */
  dialect?: Dialect
}

const ALLOWED_KEYS = Object.keys(ExternalModelSchema.shape).join(', ')

function externalFail(file: string, line: number, message: string): never {
  throw new ProjectError('EXTERNAL_INVALID', message, { location: { file, line } })
}

/**
 * Parse the text of an `external_models.yaml` file into EXTERNAL model definitions (no query).
 * @param file project-relative path, used in `ModelDefinition.file` and in errors.
 * @throws ProjectError EXTERNAL_INVALID for YAML syntax errors, a non-list document, an unknown
 *   key, a wrong value type, a malformed or duplicate name, always with the line.
 */
export function parseExternalModels(text: string, file: string, options: ExternalModelOptions = {}): ModelDefinition[] {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line)
  const nodeLine = (node: unknown): number | undefined => {
    const range = (node as Node | null | undefined)?.range
    return range ? lineAt(range[0]) : undefined
  }
  const syntax = doc.errors[0]
  if (syntax) externalFail(file, lineAt(syntax.pos[0]), `invalid YAML: ${syntax.message.split('\n')[0]}`)
  const root = doc.contents
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return []
  if (!isSeq(root)) externalFail(file, nodeLine(root) ?? 1, 'expected a YAML list of external models (- name: ...)')

  const models: ModelDefinition[] = []
  const seen = new Map<string, number>()
  root.items.forEach((item, index) => {
    const line = nodeLine(item) ?? 1
    if (!isMap(item)) externalFail(file, line, `entry ${index + 1} must be a mapping with at least 'name'`)
    const parsed = ExternalModelSchema.safeParse(item.toJSON())
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      if (issue.code === 'unrecognized_keys') {
        const key = issue.keys[0] ?? ''
        const pair = item.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
        externalFail(file, nodeLine(pair?.key) ?? line, `unknown key '${key}' in external model (allowed: ${ALLOWED_KEYS})`)
      }
      const path = issue.path.map(String)
      const at = nodeLine(doc.getIn([index, ...path], true)) ?? line
      externalFail(file, at, `invalid '${path.join('.') || 'entry'}' in external model: ${issue.message}`)
    }
    const entry = parsed.data
    const nameLine = nodeLine(item.get('name', true)) ?? line
    const name = normalizeTableName(entry.name, file, nameLine)
    const first = seen.get(name)
    if (first !== undefined) externalFail(file, nameLine, `external model '${name}' is declared twice (first on line ${first})`)
    seen.set(name, nameLine)
    models.push(toDefinition(entry, name, file, line, options.dialect ?? 'trino'))
  })
  return models
}

/** `Bigquery.OSSD."Projects"` -> `bigquery.ossd.Projects`; needs two or three parts. */
function normalizeTableName(raw: string, file: string, line: number): string {
  const sig = tokenize(raw).filter((t) => !isTrivia(t))
  const parts: string[] = []
  let k = 0
  let ok = true
  for (;;) {
    const t = sig[k]
    if (t?.type === 'ident') parts.push(t.text.toLowerCase())
    else if (t?.type === 'qident') parts.push(unquoteString(t.text))
    else {
      ok = false
      break
    }
    k++
    const dot = sig[k]
    if (dot === undefined) break
    if (dot.type !== 'punct' || dot.text !== '.') {
      ok = false
      break
    }
    k++
  }
  if (!ok || parts.length < 2 || parts.length > 3) {
    externalFail(file, line, `external model name '${raw}' must be schema.table or catalog.schema.table`)
  }
  return parts.join('.')
}

function toDefinition(entry: ExternalModelEntry, name: string, file: string, line: number, dialect: Dialect): ModelDefinition {
  return externalDefinition({
    name,
    file,
    line,
    dialect: entry.dialect ?? dialect,
    columns: Object.entries(entry.columns ?? {}).map(([col, type]) => ({ name: col.toLowerCase(), type })),
    extra: entry.gateway === undefined ? {} : { gateway: entry.gateway },
    description: entry.description,
  })
}

/** The definition of a table the project reads but never builds (external models, replicated sources). */
export function externalDefinition(o: {
  name: string
  file: string
  line: number
  dialect: Dialect
  columns?: ModelDefinition['columns']
  tags?: string[]
  grain?: string[]
  extra?: Record<string, string>
  description?: string
}): ModelDefinition {
  const model: ModelDefinition = {
    name: o.name,
    kind: { name: 'EXTERNAL' },
    file: o.file,
    line: o.line,
    dialect: o.dialect,
    // External tables are never scheduled; a cron is required by the type only.
    cron: '@daily',
    tags: o.tags ?? [],
    grain: o.grain ?? [],
    partitionedBy: [],
    columns: o.columns ?? [],
    columnDescriptions: {},
    audits: [],
    dependsOn: [],
    enabled: true,
    extra: o.extra ?? {},
    preStatements: [],
    query: '',
    queryLine: o.line,
    defs: [],
  }
  if (o.description !== undefined) model.description = o.description
  return model
}
