/**
 * Row changes from the replication stream, collapsed per table and key before they are applied:
 * a batch of many transactions becomes, per table, one set of keys to delete and one set of rows
 * to write — the same end state as applying every change in commit order, with a few bulk
 * statements instead of one per change. Pure.
 */

/** A column value that logical replication did not send (an unchanged TOASTed value): keep the destination's. */
export const UNCHANGED: unique symbol = Symbol('unchanged')
export type CellText = string | null | typeof UNCHANGED

export type RowChange =
  | { op: 'insert'; table: string; values: Record<string, CellText> }
  | { op: 'update'; table: string; values: Record<string, CellText>; oldKey?: Record<string, CellText> }
  | { op: 'delete'; table: string; key: Record<string, CellText> }
  | { op: 'truncate'; table: string }

/** What to do to one table, in this order: truncate, delete keys, then write rows. */
export interface TableBatch {
  table: string
  truncate: boolean
  /** Keys (in primary-key column order, text form) whose rows must go. */
  deletes: Array<Array<string | null>>
  /** Final full rows to insert (after their keys were deleted). */
  upserts: Array<Record<string, string | null>>
  /**
   * Rows to update in place because some values were not sent (unchanged TOAST): only the sent
   * columns are set. Their keys are not in `deletes`.
   */
  partial: Array<{ key: Array<string | null>; values: Record<string, string | null> }>
  /** Changes folded into this batch. */
  changes: number
}

type Pending = { kind: 'delete' } | { kind: 'row'; values: Record<string, string | null> } | { kind: 'partial'; values: Record<string, string | null> }

/**
 * Collapse changes (in commit order) per table by primary key. `keys(table)` gives the key
 * columns; a table without any is an error (CDC needs a key to apply updates and deletes).
 */
export function collapseChanges(changes: readonly RowChange[], keys: (table: string) => readonly string[]): TableBatch[] {
  const byTable = new Map<string, { truncate: boolean; rows: Map<string, { key: Array<string | null>; state: Pending }>; changes: number }>()
  const slot = (table: string) => {
    let t = byTable.get(table)
    if (!t) {
      t = { truncate: false, rows: new Map(), changes: 0 }
      byTable.set(table, t)
    }
    return t
  }
  for (const c of changes) {
    const t = slot(c.table)
    t.changes++
    if (c.op === 'truncate') {
      // Everything before is gone; later changes still apply.
      t.truncate = true
      t.rows.clear()
      continue
    }
    const pk = keys(c.table)
    if (pk.length === 0) throw new Error(`table ${c.table} has no primary key or replica identity columns: CDC cannot apply its changes`)
    const src = c.op === 'delete' ? c.key : c.values
    const key = pk.map((k) => {
      const v = src[k]
      if (v === UNCHANGED) throw new Error(`table ${c.table}: key column ${k} arrived unchanged-TOAST; keys must be sent`)
      return v ?? null
    })
    const id = JSON.stringify(key)
    if (c.op === 'update' && c.oldKey) {
      // The key itself changed: the old row goes.
      const oldKey = pk.map((k) => {
        const v = c.oldKey![k]
        return v === UNCHANGED || v === undefined ? null : v
      })
      const oldId = JSON.stringify(oldKey)
      if (oldId !== id) t.rows.set(oldId, { key: oldKey, state: { kind: 'delete' } })
    }
    if (c.op === 'delete') {
      t.rows.set(id, { key, state: { kind: 'delete' } })
      continue
    }
    const sent: Record<string, string | null> = {}
    let complete = true
    for (const [col, v] of Object.entries(c.values)) {
      if (v === UNCHANGED) complete = false
      else sent[col] = v
    }
    const prev = t.rows.get(id)?.state
    if (complete) {
      t.rows.set(id, { key, state: { kind: 'row', values: sent } })
    } else if (prev?.kind === 'row') {
      // The full row is already in this batch: merge the sent values into it.
      t.rows.set(id, { key, state: { kind: 'row', values: { ...prev.values, ...sent } } })
    } else if (prev?.kind === 'partial') {
      t.rows.set(id, { key, state: { kind: 'partial', values: { ...prev.values, ...sent } } })
    } else {
      // Unknown here: update in place what was sent, keep the destination's other values.
      t.rows.set(id, { key, state: { kind: 'partial', values: sent } })
    }
  }
  const out: TableBatch[] = []
  for (const [table, t] of byTable) {
    const batch: TableBatch = { table, truncate: t.truncate, deletes: [], upserts: [], partial: [], changes: t.changes }
    for (const { key, state } of t.rows.values()) {
      if (state.kind === 'delete') batch.deletes.push(key)
      else if (state.kind === 'row') {
        batch.deletes.push(key)
        batch.upserts.push(state.values)
      } else batch.partial.push({ key, values: state.values })
    }
    out.push(batch)
  }
  return out
}
