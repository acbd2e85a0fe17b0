import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

/**
 * Run statements on a project's embedded warehouse file directly, as an upstream loader would
 * (creating or fixing source tables). Call only while no CLI command holds the file.
 */
export async function onWarehouse(dir: string, ...stmts: string[]): Promise<void> {
  mkdirSync(join(dir, '.tributary'), { recursive: true })
  const db = await DuckDBInstance.create(join(dir, '.tributary', 'warehouse.duckdb'))
  const c = await db.connect()
  try {
    for (const s of stmts) await c.run(s)
  } finally {
    c.closeSync()
    db.closeSync()
  }
}
