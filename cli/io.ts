import type { Writable } from 'node:stream'

/** Where the CLI writes; injected so tests can capture output. */
export interface CliIo {
  stdout: Pick<Writable, 'write'>
  stderr: Pick<Writable, 'write'>
  /** True when stderr is an interactive terminal (progress output). */
  isTTY: boolean
  /** Sets the process exit code (tests read it back). */
  setExitCode(code: number): void
}

/** Exit codes; documented in docs/cli.md. */
export const EXIT = {
  OK: 0,
  /** Bad input or a typed engine error: the message names the file/line or option. */
  ERROR: 1,
  /** An unexpected internal error (a bug): a stack trace is printed. */
  INTERNAL: 2,
  /** The command ran, but some models failed or were skipped. */
  MODELS_FAILED: 3,
  /** `test` ran every test, but some failed (their expected rows differ from the model's output). */
  TESTS_FAILED: 4,
  /** `audit` ran every audit, but some blocking audits failed. */
  AUDITS_FAILED: 5,
  /** `promote` refused (the target failed verification) or lost a race for the tag: nothing changed. */
  PROMOTION_REFUSED: 6,
  /** `promote` moved the tag, but consumers could not be shown to see it (retry `--refresh-consumers`). */
  CONSUMERS_UNVERIFIED: 7,
  /** `ingest` ran, but some tables could not be synced (the others were). */
  INGEST_FAILED: 8,
  /** `ingest check` found missing prerequisites (each printed with the SQL that fixes it). */
  CHECK_FAILED: 9,
  /** Another process holds the lock of the environment (named in the message); nothing was done. Retry, or pass --wait. */
  LOCKED: 10,
} as const

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n')
}
