/**
 * `models ingest check --source S`: every prerequisite of change data capture on a Postgres
 * source, and for each one that is missing the exact SQL that fixes it (the statements operators
 * know from the set-up guide). `--apply` runs the fixes the connected user is allowed to run.
 */
import type pg from 'pg'
import { pgIdent, pgQuoteTable } from '../postgres/pg-source.js'
import type { SourceDefinition } from '../source-config.js'

export interface CheckItem {
  /** Stable id, e.g. `wal_level`, `replication_privilege`, `slot`, `publication`, `identity:public.t`. */
  id: string
  ok: boolean
  /** What was found. */
  detail: string
  /** SQL that fixes it (empty when ok). */
  fix: string[]
  /** Something to know that no SQL fixes (e.g. a restart is needed). */
  note?: string
  /** Set by --apply. */
  applied?: 'done' | 'failed'
  applyError?: string
}

/** Run every check against a connected client (the source's own credentials). Reads only. */
export async function checkCdc(client: pg.ClientBase, source: SourceDefinition): Promise<CheckItem[]> {
  const cdc = source.cdc
  const items: CheckItem[] = []
  const wal = String((await client.query('SHOW wal_level')).rows[0]?.wal_level)
  items.push({
    id: 'wal_level',
    ok: wal === 'logical',
    detail: `wal_level = ${wal}`,
    fix: wal === 'logical' ? [] : ['ALTER SYSTEM SET wal_level = logical;'],
    note: wal === 'logical' ? undefined : 'takes effect after a server restart; it increases WAL volume',
  })
  const settings = await client.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE name IN ('max_replication_slots', 'max_wal_senders')`)
  for (const r of settings.rows) {
    const n = Number(r.setting)
    items.push({ id: r.name, ok: n > 0, detail: `${r.name} = ${n}`, fix: n > 0 ? [] : [`ALTER SYSTEM SET ${r.name} = 10;`], note: n > 0 ? undefined : 'takes effect after a server restart' })
  }
  const me = (await client.query<{ usename: string; rolreplication: boolean; rolsuper: boolean }>(
    'SELECT current_user AS usename, r.rolreplication, r.rolsuper FROM pg_roles r WHERE r.rolname = current_user',
  )).rows[0]!
  const canReplicate = me.rolreplication || me.rolsuper
  items.push({
    id: 'replication_privilege',
    ok: canReplicate,
    detail: `user ${me.usename} ${canReplicate ? 'has' : 'lacks'} the REPLICATION attribute${me.rolsuper ? ' (superuser)' : ''}`,
    fix: canReplicate ? [] : [`ALTER USER ${pgIdent(me.usename)} WITH REPLICATION;`],
  })
  if (!cdc) return items

  const slot = (await client.query<{ plugin: string | null; active: boolean; wal_status: string | null; slot_type: string }>(
    'SELECT plugin, active, wal_status, slot_type FROM pg_replication_slots WHERE slot_name = $1',
    [cdc.slot],
  )).rows[0]
  if (!slot) {
    items.push({
      id: 'slot',
      ok: true,
      detail: `slot ${cdc.slot} does not exist yet: the first \`models ingest\` creates it with an exported snapshot (initial copy without gap or overlap)`,
      fix: [],
      note: `to create it by hand instead: SELECT * FROM pg_create_logical_replication_slot('${cdc.slot}', 'pgoutput'); (then the initial copy cannot be made consistent with it — prefer letting the tool create it)`,
    })
  } else if (slot.slot_type !== 'logical' || slot.plugin !== 'pgoutput') {
    items.push({
      id: 'slot',
      ok: false,
      detail: `slot ${cdc.slot} exists but is ${slot.slot_type}/${slot.plugin ?? 'no plugin'}, not logical/pgoutput`,
      fix: [`SELECT pg_drop_replication_slot('${cdc.slot}');`, `SELECT * FROM pg_create_logical_replication_slot('${cdc.slot}', 'pgoutput');`],
    })
  } else if (slot.wal_status === 'lost') {
    items.push({
      id: 'slot',
      ok: false,
      detail: `slot ${cdc.slot} is lost (the WAL it needed was removed): changes were missed`,
      fix: [],
      note: 'recover with `models ingest --source ' + source.name + ' --resnapshot` (drops and recreates the slot, copies the tables again)',
    })
  } else {
    items.push({ id: 'slot', ok: true, detail: `slot ${cdc.slot} uses pgoutput${slot.active ? ' (in use by a consumer now)' : ''}, wal_status ${slot.wal_status ?? 'unknown'}`, fix: [] })
  }

  const tables = source.tables.map((t) => ({ schema: t.schema, table: t.table }))
  const pub = (await client.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [cdc.publication])).rows[0]
  const list = tables.map((t) => pgQuoteTable(t.schema, t.table)).join(', ')
  if (!pub) {
    items.push({ id: 'publication', ok: false, detail: `publication ${cdc.publication} does not exist`, fix: [`CREATE PUBLICATION ${pgIdent(cdc.publication)} FOR TABLE ${list};`] })
  } else if (!pub.puballtables) {
    const covered = new Set(
      (await client.query<{ schemaname: string; tablename: string }>('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [cdc.publication])).rows.map(
        (r) => `${r.schemaname}.${r.tablename}`,
      ),
    )
    const missing = tables.filter((t) => !covered.has(`${t.schema}.${t.table}`))
    items.push({
      id: 'publication',
      ok: missing.length === 0,
      detail: missing.length === 0 ? `publication ${cdc.publication} covers every table` : `publication ${cdc.publication} does not cover ${missing.map((t) => `${t.schema}.${t.table}`).join(', ')}`,
      fix: missing.length === 0 ? [] : [`ALTER PUBLICATION ${pgIdent(cdc.publication)} ADD TABLE ${missing.map((t) => pgQuoteTable(t.schema, t.table)).join(', ')};`],
    })
  } else {
    items.push({ id: 'publication', ok: true, detail: `publication ${cdc.publication} covers all tables`, fix: [] })
  }

  for (const t of tables) {
    const r = (await client.query<{ relreplident: string; has_pk: boolean }>(
      `SELECT c.relreplident, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [t.schema, t.table],
    )).rows[0]
    const id = `identity:${t.schema}.${t.table}`
    if (!r) {
      items.push({ id, ok: false, detail: `table ${t.schema}.${t.table} does not exist`, fix: [] })
      continue
    }
    const ident = { d: 'default', f: 'full', i: 'index', n: 'nothing' }[r.relreplident] ?? r.relreplident
    const ok = r.relreplident === 'f' || r.relreplident === 'i' || (r.relreplident === 'd' && r.has_pk)
    items.push({
      id,
      ok,
      detail: `${t.schema}.${t.table}: replica identity ${ident}${r.has_pk ? ', has a primary key' : ', no primary key'}`,
      fix: ok ? [] : [`ALTER TABLE ${pgQuoteTable(t.schema, t.table)} REPLICA IDENTITY FULL;`],
      note: ok ? undefined : 'without it, UPDATE and DELETE on this table fail in the source once it is published; better: add a primary key',
    })
  }
  return items
}

/** Run the fixes of failed checks (the user may lack rights: each failure is reported, nothing else is tried for that item). */
export async function applyFixes(client: pg.ClientBase, items: CheckItem[]): Promise<void> {
  for (const item of items) {
    if (item.ok || item.fix.length === 0) continue
    try {
      for (const sql of item.fix) await client.query(sql)
      item.applied = 'done'
    } catch (e) {
      item.applied = 'failed'
      item.applyError = e instanceof Error ? e.message : String(e)
    }
  }
}
