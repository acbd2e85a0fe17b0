import type { TableRef } from '../engines/engine-adapter.js'

/** Prefix of the schemas holding versioned physical tables (SQLMesh uses `sqlmesh__`). */
export const PHYSICAL_SCHEMA_PREFIX = 'tributary__'

/** Split `schema.name` / `catalog.schema.name` / `name` into a TableRef (default schema `main`). */
export function splitName(name: string): TableRef {
  const parts = name.split('.')
  if (parts.length >= 3) return { catalog: parts[0]!, schema: parts[1]!, name: parts.slice(2).join('.') }
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]! }
  return { schema: 'main', name }
}

/** The physical table of one model version: `tributary__oso.int_events_daily__<version>`. */
export function physicalTable(model: string, version: string): TableRef {
  const t = splitName(model)
  return { schema: `${PHYSICAL_SCHEMA_PREFIX}${t.schema}`, name: `${t.name}__${version}` }
}
