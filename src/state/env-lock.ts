import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { StateError } from '../errors.js'

/** Who holds an environment's write lock. */
export interface LockHolder {
  pid: number
  host: string
  user: string
  command: string
  since: number
}

/** A held lock; `release()` is idempotent. */
export interface EnvLock {
  release(): void
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Take the write lock of an environment (`<dir>/<env>.lock`, created exclusively): runs and
 * restatements of one environment never write at the same time. A lock left by a process that
 * died on this host is taken over; a live holder makes this fail at once, naming it.
 */
export function acquireEnvLock(dir: string, env: string, command: string): EnvLock {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${env}.lock`)
  const me: LockHolder = { pid: process.pid, host: hostname(), user: safeUser(), command, since: Date.now() }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, JSON.stringify(me))
      closeSync(fd)
      let released = false
      return {
        release: () => {
          if (released) return
          released = true
          rmSync(path, { force: true })
        },
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const holder = readHolder(path)
      if (holder && holder.host === me.host && !alive(holder.pid)) {
        rmSync(path, { force: true }) // its holder died: take it over
        continue
      }
      const who = holder
        ? `\`models ${holder.command}\` (pid ${holder.pid} on ${holder.host}, user ${holder.user}, since ${new Date(holder.since).toISOString()})`
        : 'another process'
      throw new StateError('STATE_LOCKED', `environment '${env}' is locked by ${who}; wait for it to finish, or remove ${path} if that process is gone`)
    }
  }
  throw new StateError('STATE_LOCKED', `cannot take the lock of environment '${env}' (${path})`)
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder
  } catch {
    return undefined
  }
}

/** The OS user running the tool (for records and lock holders). */
export function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env['USER'] ?? 'unknown'
  }
}
