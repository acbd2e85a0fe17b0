import { z } from 'zod'
import type { EnvironmentRecord, Snapshot } from '../snapshot/snapshot.js'
import type { Interval } from '../snapshot/interval.js'
import type { AuditRecord, PromotionRecord, RestatementRecord, RunRecord } from './state-store.js'

/** Format tag and version of `models state export` files. */
export const DUMP_FORMAT = 'tributary-state'
export const DUMP_VERSION = 1

/**
 * Everything a state store holds, backend-neutral: `models state export` writes it, `import`
 * reads it (embedded -> Postgres and back). Records are the store's own record types.
 */
export interface StateDump {
  format: typeof DUMP_FORMAT
  version: typeof DUMP_VERSION
  exportedAt: string
  /** Tool version that wrote the file (informational). */
  tool: string
  snapshots: Snapshot[]
  intervals: Array<{ version: string; intervals: Interval[] }>
  environments: EnvironmentRecord[]
  runs: RunRecord[]
  restatements: RestatementRecord[]
  audits: AuditRecord[]
  /** Oldest first (import keeps their order). */
  promotions: PromotionRecord[]
}

const record = z.record(z.string(), z.unknown())
const num = z.number().finite()

/**
 * Shape check of a dump file: the envelope and the keys every backend relies on (names, ids,
 * timestamps). Payload details (a snapshot's kind, a run's summary) are kept as they are.
 */
export const StateDumpSchema = z
  .object({
    format: z.literal(DUMP_FORMAT),
    version: z.literal(DUMP_VERSION),
    exportedAt: z.string(),
    tool: z.string(),
    snapshots: z.array(record.and(z.object({ fingerprint: z.string().min(1), name: z.string().min(1), version: z.string().min(1), createdAt: num }))),
    intervals: z.array(z.object({ version: z.string().min(1), intervals: z.array(z.tuple([num, num])) }).strict()),
    environments: z.array(record.and(z.object({ name: z.string().min(1), snapshots: z.record(z.string(), z.string()), revision: z.number().int().nonnegative(), updatedAt: num }))),
    runs: z.array(
      record.and(z.object({ id: z.string().min(1), command: z.string(), env: z.string(), startedAt: num, status: z.enum(['running', 'succeeded', 'failed']) })),
    ),
    restatements: z.array(record.and(z.object({ id: z.string().min(1), env: z.string(), startedAt: num, status: z.enum(['running', 'succeeded', 'failed']) }))),
    audits: z.array(
      record.and(
        z.object({
          runId: z.string(),
          model: z.string(),
          version: z.string(),
          fingerprint: z.string(),
          audit: z.string(),
          blocking: z.boolean(),
          status: z.enum(['passed', 'failed']),
          count: num,
          at: num,
        }),
      ),
    ),
    promotions: z.array(record.and(z.object({ id: z.string().min(1), tag: z.string().min(1), toHash: z.string().min(1), user: z.string(), at: num, forced: z.boolean() }))),
  })
  .strict()

/** Row counts per kind of record (for `models state show` and import messages). */
export function dumpCounts(d: Pick<StateDump, 'snapshots' | 'intervals' | 'environments' | 'runs' | 'restatements' | 'audits' | 'promotions'>): Record<string, number> {
  return {
    snapshots: d.snapshots.length,
    intervals: d.intervals.length,
    environments: d.environments.length,
    runs: d.runs.length,
    restatements: d.restatements.length,
    audits: d.audits.length,
    promotions: d.promotions.length,
  }
}
