import { EngineError, ProjectError } from '../errors.js'
import type { Plan } from '../plan/plan.js'
import { ProjectLoadError, relocate, renderForLoad, type Project } from '../project/load-project.js'
import type { SqlService } from '../sql/sql-service.js'

/**
 * Parse every model the plan will run with the full SQL parser, before anything is written.
 * Loading uses a fast token scan; this makes the parser the authority: a syntax error, or a table
 * the scan did not see (which would make the DAG wrong), stops the run with the file and line.
 */
export function verifyModels(project: Project, plan: Plan, sql: SqlService): void {
  const errors: EngineError[] = []
  for (const pm of plan.models) {
    if (pm.action.kind === 'none') continue
    const m = project.models.get(pm.name)
    if (!m || !m.analysis) continue // SEED / EXTERNAL: no query
    const def = m.def
    const location = { file: def.file, line: def.queryLine }
    try {
      const rendered = renderForLoad(def, project.config, project.macros)
      const parsed = sql.analyze(rendered, def.dialect)
      const missed = parsed.tables.filter((t) => t !== def.name && !m.analysis!.tables.includes(t) && !m.parents.includes(t))
      if (missed.length > 0) {
        errors.push(
          new ProjectError(
            'SQL_PARSE',
            `model '${def.name}' reads ${missed.join(', ')}, which the dependency scan missed; add them to depends_on (...) and please report this`,
            { location },
          ),
        )
      }
    } catch (e) {
      const err = relocate(e, location)
      if (err instanceof EngineError) errors.push(err)
      else throw err
    }
  }
  if (errors.length > 0) throw new ProjectLoadError(errors)
}
