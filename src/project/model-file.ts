/**
 * Loads one SQLMesh-compatible `.sql` model file: the `MODEL (...)` header, `@DEF`s,
 * pre-statements and the query. Tolerates the loose forms real projects write (lower-case kinds,
 * `MODEL(`, trailing commas, comments anywhere, `:=` arguments, SEED files without `;`).
 */
import { isDialect, type Dialect } from '../sql/dialect.js'
import { isTrivia, type Token } from '../sql/lexer.js'
import { parseHeader, type HeaderProperty } from './header-parser.js'
import {
  describeToken,
  fail,
  headerFail,
  identifierName,
  isPunct,
  isTuple,
  rawText,
  readBoolean,
  readCall,
  readDottedName,
  readScalar,
  tupleItems,
  verbatimText,
} from './header-values.js'
import { parseKind } from './kind-parser.js'
import { parseModelBody } from './model-body.js'
import type { AuditCall, ColumnDef, ModelDefinition } from './model.js'

/** Project-wide defaults applied to properties a model does not set. */
export interface ModelDefaults {
  /** Dialect of models without `dialect` (SQLMesh `model_defaults.dialect`), e.g. `'trino'`. */
  dialect: Dialect
  /** Cron of models without `cron`, e.g. `'@daily'`. */
  cron: string
  /** Start of models without `start`, e.g. `'2024-08-01'`; may be an unresolved `@variable`. */
  start?: string
}

/**
 * Parse the text of a model file.
 * @param file project-relative path, used in `ModelDefinition.file` and in every error.
 * @throws ProjectError `HEADER_INVALID` (malformed header, unknown/duplicate property, no name, bad
 *   dialect, unknown kind) or `MODEL_INVALID` (unsupported kind, bad `@DEF`, no query, SEED with a
 *   query), always located at the offending line.
 * @example parseModelFile('MODEL (name oso.x, kind FULL); SELECT 1 AS a', 'models/x.sql', { dialect: 'trino', cron: '@daily' })
 */
export function parseModelFile(text: string, file: string, defaults: ModelDefaults): ModelDefinition {
  const header = parseHeader(text, file)
  const props = new Map(header.properties.map((p) => [p.key, p]))
  const nameProp = props.get('name')
  if (!nameProp) headerFail(file, header.modelLine, 'model has no name')
  const kindProp = props.get('kind')
  const model: ModelDefinition = {
    name: readDottedName(nameProp.value, file, "property 'name'", nameProp.line),
    kind: kindProp ? parseKind(kindProp.value, file) : { name: 'VIEW' },
    file,
    line: header.modelLine,
    dialect: defaults.dialect,
    cron: defaults.cron,
    tags: [],
    grain: [],
    partitionedBy: [],
    columns: [],
    columnDescriptions: {},
    audits: [],
    dependsOn: [],
    enabled: true,
    extra: {},
    preStatements: [],
    query: '',
    queryLine: 0,
    defs: [],
  }
  if (defaults.start !== undefined) model.start = defaults.start
  for (const prop of header.properties) applyProperty(model, prop, file)

  const body = parseModelBody(header.tokens.slice(header.bodyStart), file)
  model.defs = body.defs
  model.preStatements = body.preStatements
  if (body.postStatements.length > 0) model.extra['post_statements'] = body.postStatements.join(';\n')
  if (body.inlineAudits.length > 0) model.extra['inline_audits'] = body.inlineAudits.join(';\n')
  if (model.kind.name === 'SEED') {
    if (body.firstStatementLine > 0) {
      fail('MODEL_INVALID', file, body.firstStatementLine, `SEED model '${model.name}' must not have a query or statements`)
    }
    model.queryLine = model.line
    return model
  }
  if (body.query === '' && model.enabled) {
    fail('MODEL_INVALID', file, model.line, `model '${model.name}' has no query (expected SELECT, WITH, VALUES or a macro call after the MODEL header)`)
  }
  model.query = body.query
  model.queryLine = body.queryLine || model.line
  return model
}

/** Interpret one header property into `model` (`name` and `kind` are read by the caller). */
function applyProperty(model: ModelDefinition, prop: HeaderProperty, file: string): void {
  const { key, value, line } = prop
  const what = `property '${key}'`
  switch (key) {
    case 'name':
    case 'kind':
      return
    case 'cron':
      model.cron = readScalar(value, file, what, line)
      return
    case 'start':
      model.start = readScalar(value, file, what, line)
      return
    case 'end':
      model.end = readScalar(value, file, what, line)
      return
    case 'dialect': {
      const d = readScalar(value, file, what, line).toLowerCase()
      if (!isDialect(d)) headerFail(file, line, `unsupported dialect '${d}' (expected trino or duckdb)`)
      model.dialect = d
      return
    }
    case 'description':
      model.description = readScalar(value, file, what, line)
      return
    case 'owner':
      model.owner = readScalar(value, file, what, line)
      return
    case 'enabled':
      model.enabled = readBoolean(value, file, what, line)
      return
    case 'tags':
      model.tags = tupleItems(value, file).map((item) => readScalar(item, file, 'a tag', line))
      return
    case 'grain':
      model.grain = tupleItems(value, file).map(rawText)
      return
    case 'partitioned_by':
      model.partitionedBy = tupleItems(value, file).map(rawText)
      return
    case 'depends_on':
      model.dependsOn = tupleItems(value, file).map((item) => readDottedName(item, file, what, line))
      return
    case 'audits':
      model.audits = tupleItems(value, file).map((item): AuditCall => readCall(item, file, what))
      return
    case 'columns':
      model.columns = readColumns(value, file, line)
      return
    case 'column_descriptions':
      model.columnDescriptions = readColumnDescriptions(value, file, line)
      return
    default:
      // ignored_rules, physical_properties, ...: kept verbatim for later stages.
      model.extra[key] = rawText(value)
  }
}

function requireTuple(value: readonly Token[], file: string, line: number, example: string): void {
  if (!isTuple(value)) headerFail(file, value[0]?.line ?? line, `expected a parenthesised list like ${example}`)
}

/** `columns (source TEXT, amount DECIMAL(38, 18))`: types kept verbatim. */
function readColumns(value: readonly Token[], file: string, line: number): ColumnDef[] {
  requireTuple(value, file, line, 'columns (id INT, name TEXT)')
  const seen = new Set<string>()
  return tupleItems(value, file).map((item) => {
    const nameTok = item[0]!
    const name = identifierName(nameTok)
    if (name === undefined) headerFail(file, nameTok.line, `expected a column name in 'columns', found ${describeToken(nameTok)}`)
    if (seen.has(name)) headerFail(file, nameTok.line, `column '${name}' is listed twice in 'columns'`)
    seen.add(name)
    const type = verbatimText(item.slice(1))
    if (type === '') headerFail(file, nameTok.line, `column '${name}' in 'columns' has no type`)
    return { name, type }
  })
}

/** `column_descriptions (id = 'The id', name := "The name")`. */
function readColumnDescriptions(value: readonly Token[], file: string, line: number): Record<string, string> {
  requireTuple(value, file, line, "column_descriptions (id = 'The id')")
  const out: Record<string, string> = {}
  for (const item of tupleItems(value, file)) {
    const head = item[0]!
    const sepAt = item.findIndex((t, k) => k > 0 && !isTrivia(t))
    const sep = item[sepAt]
    if (!(isPunct(sep, '=') || (sep?.type === 'op' && sep.text === ':='))) {
      headerFail(file, head.line, "expected column = 'description' in 'column_descriptions'")
    }
    const col = identifierName(head)
    if (col === undefined) headerFail(file, head.line, `expected a column name in 'column_descriptions', found ${describeToken(head)}`)
    if (col in out) headerFail(file, head.line, `column '${col}' is described twice`)
    const value = item.slice(sepAt + 1)
    const sig = value.filter((t) => !isTrivia(t))
    // A plain string is unquoted; anything else (e.g. a macro call `@doc('id')`) is kept as raw SQL.
    const single = sig.length === 1 && (sig[0]!.type === 'string' || sig[0]!.type === 'qident')
    if (sig.length === 0) headerFail(file, head.line, `column '${col}' in 'column_descriptions' has no description`)
    out[col] = single ? readScalar(value, file, `the description of '${col}'`, head.line) : rawText(value)
  }
  return out
}
