import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import { EngineError } from '../../src/errors.js'
import { promoteHistory, promoteOperation, refreshConsumersOperation, short, type PromoteOutcome } from '../../src/operations/promote.js'
import { EXIT, printJson } from '../io.js'
import {
  consumerCheckText,
  dryRunFooter,
  promotedText,
  promoteHistoryJson,
  promoteHistoryText,
  promoteOutcomeJson,
  promotePreviewText,
} from '../render/promote-render.js'
import { action, type CommandEnv } from '../program.js'

interface PromoteFlags {
  toHash?: string
  tag?: string
  dryRun?: boolean
  yes?: boolean
  json?: boolean
  force?: boolean
  expectCurrent?: string
  history?: boolean
  refreshConsumers?: boolean
}

export function registerPromote(program: Command, env: CommandEnv): void {
  program
    .command('promote')
    .description("move the consumer tag to a verified commit of main (preview first; recorded)")
    .option('--to-hash <hash>', "commit of main to promote (full hash or unique prefix; default: main's head)")
    .option('--tag <tag>', "tag consumers read (default: the gateway's, e.g. consumer)")
    .option('--dry-run', 'verify and show the preview; change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .option('--force', 'promote even if verification fails (loud; recorded as forced)')
    .option('--expect-current <hash>', 'refuse unless the tag is at this hash now (the "from" of a preview)')
    .option('--history', "list the tag's recorded promotions and where it is now")
    .option('--refresh-consumers', "only make consumers see the tag's current commit, and check it")
    .action(
      action(env.io, async (o: PromoteFlags) => {
        checkFlags(o)
        if (o.history) {
          const h = await env.withContext((ctx) => promoteHistory(ctx, { tag: o.tag, limit: 50 }))
          return o.json ? printJson(env.io, promoteHistoryJson(h)) : void env.io.stdout.write(promoteHistoryText(h) + '\n')
        }
        if (o.refreshConsumers) {
          const r = await env.withContext((ctx) => refreshConsumersOperation(ctx, { tag: o.tag }))
          if (o.json) printJson(env.io, r)
          else env.io.stdout.write(`Tag '${r.tag}' is at ${short(r.hash)}.\n${consumerCheckText(r.tag, r.consumers)}\n`)
          if (!r.consumers.verified) env.io.setExitCode(EXIT.CONSUMERS_UNVERIFIED)
          return
        }
        const out = await refusalsExit6(env, () =>
          env.withContext((ctx) =>
            promoteOperation(ctx, {
              toHash: o.toHash,
              tag: o.tag,
              dryRun: o.dryRun,
              force: o.force,
              expectCurrent: o.expectCurrent,
              confirm: (p) => confirm(env, o, p),
            }),
          ),
        )
        if (!out) return
        for (const w of out.kind === 'noop' ? [] : out.warnings) env.io.stderr.write(`WARNING: ${w}\n`)
        if (o.json) printJson(env.io, promoteOutcomeJson(out))
        else if (out.kind === 'noop') env.io.stdout.write(out.message + '\n')
        else if (out.kind === 'dry-run') env.io.stdout.write(`${promotePreviewText(out.preview)}\n${dryRunFooter(out.preview)}\n`)
        else env.io.stdout.write(promotedText(out) + '\n')
        if (out.kind === 'promoted' && !out.consumers.verified) env.io.setExitCode(EXIT.CONSUMERS_UNVERIFIED)
      }),
    )
}

function checkFlags(o: PromoteFlags): void {
  const moves = [o.toHash && '--to-hash', o.dryRun && '--dry-run', o.force && '--force', o.expectCurrent && '--expect-current'].filter(Boolean)
  const modes = [o.history && '--history', o.refreshConsumers && '--refresh-consumers'].filter(Boolean)
  if (modes.length > 1 || (modes.length === 1 && moves.length > 0)) {
    throw new EngineError('OPTION_INVALID', `${[...modes, ...moves].join(' and ')} cannot be combined`)
  }
}

/** A refused or raced promotion changed nothing: its own exit code, so scripts can tell. */
async function refusalsExit6(env: CommandEnv, fn: () => Promise<PromoteOutcome>): Promise<PromoteOutcome | undefined> {
  try {
    return await fn()
  } catch (e) {
    if (!(e instanceof EngineError) || (e.code !== 'PROMOTION_REFUSED' && e.code !== 'PROMOTION_CONFLICT')) throw e
    env.io.stderr.write(`error: ${e.format()}\n`)
    env.io.setExitCode(EXIT.PROMOTION_REFUSED)
    return undefined
  }
}

async function confirm(env: CommandEnv, o: PromoteFlags, preview: Parameters<typeof promotePreviewText>[0]): Promise<boolean> {
  if (!o.json) env.io.stdout.write(promotePreviewText(preview) + '\n')
  if (o.yes) return true
  if (!process.stdin.isTTY || !env.io.isTTY) {
    throw new EngineError('OPTION_INVALID', 'refusing to promote without --yes in a non-interactive session (use --dry-run to preview)')
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  const answer = await rl.question(`Move tag '${preview.tag}' to ${short(preview.toHash)}? [y/N] `)
  rl.close()
  return /^y(es)?$/i.test(answer.trim())
}
