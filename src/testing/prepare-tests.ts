/**
 * Check parsed tests against the loaded project (the model exists and has a query, every input is
 * a table the model reads) and resolve their `vars` to an interval, an execution time and
 * variables. All problems are reported at once, each naming the file, line and test.
 */
import { EngineError, ProjectError } from '../errors.js'
import { closeNames } from '../macros/suggest.js'
import { ProjectLoadError, type Project } from '../project/load-project.js'
import { resolveRelativeCell } from '../project/relative-dates.js'
import { MS_PER_DAY, parseDateInput } from '../util/dates.js'
import { normalizeTableName } from './test-file.js'
import type { ModelTestSpec, PreparedTest } from './types.js'

/** `vars` keys that set the interval and the execution time rather than project variables. */
export const TIME_VAR_KEYS: ReadonlySet<string> = new Set(['start', 'end', 'execution_time', 'start_dt', 'end_dt'])

/**
 * Prepare `specs` to run.
 * @param now the run's clock (epoch ms): the execution time of tests without `vars.execution_time`.
 * @throws ProjectLoadError listing every problem: an unknown model (with close names), a SEED or
 *   EXTERNAL model, an input the model does not read, a `vars` date that does not parse, start not before end.
 */
export function prepareTests(project: Project, specs: readonly ModelTestSpec[], now: number): PreparedTest[] {
  const errors: EngineError[] = []
  const out: PreparedTest[] = []
  for (const spec of specs) {
    try {
      out.push(prepareTest(project, spec, now))
    } catch (e) {
      if (!(e instanceof EngineError)) throw e
      errors.push(e)
    }
  }
  if (errors.length > 0) throw new ProjectLoadError(errors)
  return out
}

function prepareTest(project: Project, spec: ModelTestSpec, now: number): PreparedTest {
  const at = (line: number): { location: { file: string; line: number } } => ({ location: { file: spec.file, line } })
  const model = project.models.get(normalizeTableName(spec.model))
  if (!model) {
    const near = closeNames(spec.model, project.models.keys())
    throw new ProjectError(
      'MODEL_NOT_FOUND',
      `test '${spec.name}': unknown model '${spec.model}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`,
      at(spec.line),
    )
  }
  const kind = model.def.kind.name
  if (kind === 'SEED' || kind === 'EXTERNAL') {
    throw new ProjectError('MODEL_INVALID', `test '${spec.name}': model '${model.def.name}' is ${kind} and has no query to test`, at(spec.line))
  }
  const parents = new Set(model.parents.map(normalizeTableName))
  for (const input of spec.inputs) {
    if (!parents.has(input.name)) {
      const reads = [...parents].join(', ') || 'no tables'
      throw new ProjectError(
        'DAG_UNKNOWN_TABLE',
        `test '${spec.name}': input '${input.name}' is not read by model '${model.def.name}' (it reads ${reads})`,
        at(input.line),
      )
    }
  }
  const vars = spec.vars
  const fail = (key: string, why: string): never => {
    throw new ProjectError('CONFIG_INVALID', `test '${spec.name}': vars.${key}: ${why}`, at(spec.line))
  }
  const instant = (key: string, v: unknown, base: number): { ms: number; dateOnly: boolean } => {
    if (typeof v === 'number') return { ms: v, dateOnly: false }
    if (typeof v !== 'string') return fail(key, `expected a date or timestamp, got ${JSON.stringify(v)}`)
    const text = resolveRelativeCell(v.trim() === 'yesterday' ? 'today-1d' : v, base) ?? v.trim()
    try {
      return { ms: parseDateInput(text, base), dateOnly: /^\d{4}-\d{2}-\d{2}$/.test(text) }
    } catch (e) {
      return fail(key, e instanceof Error ? e.message : String(e))
    }
  }
  const execRaw = vars['execution_time']
  const executionTime = execRaw === undefined ? now : instant('execution_time', execRaw, now).ms
  const startKey = vars['start'] !== undefined ? 'start' : 'start_dt'
  const endKey = vars['end'] !== undefined ? 'end' : 'end_dt'
  const startRaw = vars[startKey] ?? model.def.start
  const start = startRaw === undefined ? 0 : instant(startKey, startRaw, executionTime).ms
  let end = executionTime
  if (vars[endKey] !== undefined) {
    const e = instant(endKey, vars[endKey], executionTime)
    end = e.dateOnly ? e.ms + MS_PER_DAY : e.ms
  }
  if (end <= start) fail(endKey, `the interval is empty: start ${new Date(start).toISOString()} is not before end ${new Date(end).toISOString()}`)
  const variables: Record<string, unknown> = { ...project.config.variables }
  for (const [k, v] of Object.entries(vars)) if (!TIME_VAR_KEYS.has(k)) variables[k] = v
  return {
    ...spec,
    model: model.def.name,
    interval: [start, end],
    executionTime,
    frozenTime: execRaw !== undefined,
    variables,
  }
}
