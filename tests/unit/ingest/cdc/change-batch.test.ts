import { describe, expect, it } from 'vitest'
import { collapseChanges, UNCHANGED, type RowChange } from '../../../../src/ingest/cdc/change-batch.js'

const keys = (t: string): string[] => (t === 'public.nokey' ? [] : ['id'])

/** Apply a collapsed batch to an in-memory table, to compare with applying the changes one by one. */
function applyBatch(table: Map<string, Record<string, string | null>>, changes: RowChange[]): void {
  for (const b of collapseChanges(changes, keys)) {
    if (b.truncate) table.clear()
    for (const k of b.deletes) table.delete(JSON.stringify(k))
    for (const r of b.upserts) table.set(JSON.stringify([r['id'] ?? null]), { ...r })
    for (const p of b.partial) {
      const cur = table.get(JSON.stringify(p.key))
      if (cur) table.set(JSON.stringify(p.key), { ...cur, ...p.values })
    }
  }
}
function applyOneByOne(table: Map<string, Record<string, string | null>>, changes: RowChange[]): void {
  for (const c of changes) applyBatch(table, [c])
}

describe('collapseChanges', () => {
  it('folds insert/update/delete per key to the same end state as one-by-one application', () => {
    const changes: RowChange[] = [
      { op: 'insert', table: 'public.t', values: { id: '1', v: 'a' } },
      { op: 'insert', table: 'public.t', values: { id: '2', v: 'b' } },
      { op: 'update', table: 'public.t', values: { id: '1', v: 'a2' } },
      { op: 'delete', table: 'public.t', key: { id: '2' } },
      { op: 'insert', table: 'public.t', values: { id: '2', v: 'b2' } },
      { op: 'insert', table: 'public.t', values: { id: '3', v: 'c' } },
      { op: 'delete', table: 'public.t', key: { id: '3' } },
    ]
    const [b] = collapseChanges(changes, keys)
    expect(b!.changes).toBe(7)
    expect(b!.upserts).toEqual([{ id: '1', v: 'a2' }, { id: '2', v: 'b2' }])
    expect(b!.deletes).toEqual([['1'], ['2'], ['3']])
    const start = new Map([[JSON.stringify(['9']), { id: '9', v: 'z' }], [JSON.stringify(['3']), { id: '3', v: 'old' }]])
    const a = new Map(start)
    const o = new Map(start)
    applyBatch(a, changes)
    applyOneByOne(o, changes)
    expect([...a.entries()].sort()).toEqual([...o.entries()].sort())
  })

  it('keeps the destination value of unchanged TOAST columns', () => {
    const [b] = collapseChanges([{ op: 'update', table: 'public.t', values: { id: '1', big: UNCHANGED, v: 'new' } }], keys)
    expect(b!.partial).toEqual([{ key: ['1'], values: { id: '1', v: 'new' } }])
    expect(b!.deletes).toEqual([])
    // After a full row in the same batch, the sent values merge into it.
    const [c] = collapseChanges(
      [
        { op: 'insert', table: 'public.t', values: { id: '1', big: 'xxx', v: 'a' } },
        { op: 'update', table: 'public.t', values: { id: '1', big: UNCHANGED, v: 'b' } },
      ],
      keys,
    )
    expect(c!.upserts).toEqual([{ id: '1', big: 'xxx', v: 'b' }])
  })

  it('a key change deletes the old key; truncate clears what came before it only', () => {
    const [b] = collapseChanges([{ op: 'update', table: 'public.t', values: { id: '2', v: 'x' }, oldKey: { id: '1' } }], keys)
    expect(b!.deletes).toEqual([['1'], ['2']])
    const [t] = collapseChanges(
      [
        { op: 'insert', table: 'public.t', values: { id: '1', v: 'a' } },
        { op: 'truncate', table: 'public.t' },
        { op: 'insert', table: 'public.t', values: { id: '2', v: 'b' } },
      ],
      keys,
    )
    expect(t!.truncate).toBe(true)
    expect(t!.upserts).toEqual([{ id: '2', v: 'b' }])
  })

  it('refuses a table without key columns', () => {
    expect(() => collapseChanges([{ op: 'delete', table: 'public.nokey', key: {} }], keys)).toThrow(/no primary key or replica identity/)
  })
})
