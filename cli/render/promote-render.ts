import type { ConsumerCheck } from '../../src/catalog/promotion-target.js'
import type { CommitEntry } from '../../src/catalog/version-store.js'
import { short, type PromoteHistory, type PromoteOutcome, type PromotePreview } from '../../src/operations/promote.js'
import type { PromotionRecord } from '../../src/state/state-store.js'
import { fmtTime } from './format.js'

/** Commits listed in the text preview; JSON lists all that were read. */
const SHOWN_COMMITS = 20

/** The preview printed before the tag moves (and by `--dry-run`). */
export function promotePreviewText(p: PromotePreview): string {
  const out = [`Promote tag '${p.tag}' to a commit of branch '${p.mainBranch}':`]
  out.push(`  from  ${p.fromHash ? short(p.fromHash) : `(tag '${p.tag}' does not exist yet: it will be created)`}`)
  out.push(`  to    ${short(p.toHash)}`)
  if (p.run) {
    const when = p.run.finishedAt === undefined ? 'unfinished' : `finished ${fmtTime(p.run.finishedAt)}`
    const built = p.run.built.length > 0 ? `; built ${p.run.built.join(', ')}` : '; built nothing'
    out.push(`  by    ${p.run.command} ${p.run.id} (env ${p.run.env}, ${when}${built})`)
  }
  if (p.verified) out.push('  verified: the run succeeded and no blocking audit failed')
  else {
    out.push('  NOT VERIFIED (promoting with --force):')
    for (const r of p.problems) out.push(`    - ${r}`)
  }
  const n = p.commits.length
  const more = p.commitsTruncated ? '+' : ''
  switch (p.direction) {
    case 'forward':
      out.push(`Consumers will start seeing ${n}${more} commit${n === 1 ? '' : 's'}:`)
      break
    case 'create':
      out.push(`Consumers will see ${p.mainBranch} as of the target (${n}${more} commit${n === 1 ? '' : 's'}):`)
      break
    case 'rollback':
      out.push(`ROLLBACK: consumers will stop seeing ${n} commit${n === 1 ? '' : 's'}:`)
      break
    case 'unrelated':
      out.push(
        `The tag's current commit is not among the last ${n} commits of '${p.mainBranch}' before the target (another branch, or older); consumers will see '${p.mainBranch}' as of the target:`,
      )
      break
    default: {
      const never: never = p.direction
      throw new Error(`unknown direction ${String(never)}`)
    }
  }
  out.push(...p.commits.slice(0, SHOWN_COMMITS).map(commitLine))
  if (n > SHOWN_COMMITS || p.commitsTruncated) out.push(`    … ${n > SHOWN_COMMITS ? `${n - SHOWN_COMMITS} more` : 'more'}`)
  return out.join('\n')
}

function commitLine(c: CommitEntry): string {
  const when = c.commitTime ? `${c.commitTime.slice(0, 16).replace('T', ' ')}  ` : ''
  const msg = (c.message.split('\n')[0] ?? '').slice(0, 80)
  return `    ${short(c.hash)}  ${when}${msg}`
}

export function promotePreviewJson(p: PromotePreview): unknown {
  return {
    tag: p.tag,
    mainBranch: p.mainBranch,
    fromHash: p.fromHash ?? null,
    toHash: p.toHash,
    direction: p.direction,
    verified: p.verified,
    problems: p.problems,
    run: p.run ? { ...p.run, finishedAt: p.run.finishedAt === undefined ? null : new Date(p.run.finishedAt).toISOString() } : null,
    commits: p.commits.map((c) => ({ hash: c.hash, message: c.message, commitTime: c.commitTime ?? null })),
    commitsTruncated: p.commitsTruncated,
  }
}

/** What `promote --json` prints for each outcome. */
export function promoteOutcomeJson(o: PromoteOutcome): unknown {
  switch (o.kind) {
    case 'noop':
      return { status: 'noop', tag: o.tag, hash: o.hash, message: o.message }
    case 'dry-run':
      return { status: 'dry-run', preview: promotePreviewJson(o.preview), warnings: o.warnings }
    case 'promoted':
      return { status: 'promoted', preview: promotePreviewJson(o.preview), promotion: promotionJson(o.record), consumers: o.consumers, warnings: o.warnings }
    default: {
      const never: never = o
      throw new Error(`unknown outcome ${String(never)}`)
    }
  }
}

/** Text after a real promotion: what moved, and whether consumers see it. */
export function promotedText(o: Extract<PromoteOutcome, { kind: 'promoted' }>): string {
  const r = o.record
  const what = r.fromHash ? `moved ${short(r.fromHash)} -> ${short(r.toHash)}` : `created at ${short(r.toHash)}`
  const forced = r.forced ? ', FORCED' : ''
  return [`Tag '${r.tag}' ${what} (promotion ${r.id}${forced}).`, consumerCheckText(r.tag, o.consumers)].join('\n')
}

/** One line on the consumer check; when it failed, how to retry. */
export function consumerCheckText(tag: string, c: ConsumerCheck): string {
  if (c.verified) return `Consumers (${c.catalog}) see it: ${c.detail}`
  return `Consumers (${c.catalog}) are NOT verified to see it: ${c.detail}\nThe tag '${tag}' did move. Retry the refresh with: models promote --refresh-consumers --tag ${tag}`
}

/** The dry-run footer: the exact command that promotes what was previewed, and nothing else. */
export function dryRunFooter(p: PromotePreview): string {
  const expect = p.fromHash ? ` --expect-current ${p.fromHash}` : ''
  const force = p.verified ? '' : ' --force'
  return `Dry run: nothing changed. To promote exactly this: models promote --tag ${p.tag} --to-hash ${p.toHash}${expect}${force}`
}

export function promotionJson(r: PromotionRecord): unknown {
  return {
    id: r.id,
    tag: r.tag,
    fromHash: r.fromHash ?? null,
    toHash: r.toHash,
    user: r.user,
    at: new Date(r.at).toISOString(),
    verifiedBy: r.verifiedBy ?? null,
    forced: r.forced,
    forcedReasons: r.forcedReasons ?? [],
  }
}

/** `models promote --history`. */
export function promoteHistoryText(h: PromoteHistory): string {
  const out = [`Tag '${h.tag}' is at ${h.current ? short(h.current) : '(does not exist)'} now.`]
  if (h.movedOutside) {
    out.push(`WARNING: that is not where the last recorded promotion put it${h.records[0] ? ` (${short(h.records[0].toHash)})` : ''}: it was moved outside \`models promote\`.`)
  }
  if (h.records.length === 0) out.push('No promotions recorded.')
  for (const r of h.records) {
    const how = r.forced ? `FORCED (${(r.forcedReasons ?? []).join('; ')})` : `verified by ${r.verifiedBy ?? '?'}`
    out.push(`${fmtTime(r.at)}  ${r.user}  ${r.fromHash ? short(r.fromHash) : '(new)'} -> ${short(r.toHash)}  ${how}  ${r.id}`)
  }
  return out.join('\n')
}

export function promoteHistoryJson(h: PromoteHistory): unknown {
  return { tag: h.tag, current: h.current ?? null, movedOutside: h.movedOutside, promotions: h.records.map(promotionJson) }
}
