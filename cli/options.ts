import { PlanError } from '../src/errors.js'
import { parseDateInput } from '../src/util/dates.js'

/** Global options shared by every command. */
export interface GlobalOptions {
  project: string
  gateway?: string
  wait?: boolean
}

/** Parse --start: a date or timestamp (UTC). */
export function parseStart(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  return wrap('--start', value, () => parseDateInput(value))
}

/** Parse --end: a date means the whole day is included; a timestamp is exclusive. */
export function parseEnd(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = wrap('--end', value, () => parseDateInput(value))
  return /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? ms + 86_400_000 : ms
}

export function checkRange(start: number | undefined, end: number | undefined): void {
  if (start !== undefined && end !== undefined && end <= start) {
    throw new PlanError('OPTION_INVALID', '--start must be before --end')
  }
}

export function parsePositiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new PlanError('OPTION_INVALID', `${flag} must be a positive integer, got '${value}'`)
  return n
}

function wrap<T>(flag: string, value: string, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    throw new PlanError('OPTION_INVALID', `${flag} '${value}': ${msg}`)
  }
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}
