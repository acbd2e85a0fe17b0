import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { StateError } from '../errors.js'
import { describeHolder, sleep, type AcquireOptions, type HeldLock, type LockHolder, type StateLocks } from './locks.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Locks of the embedded store: `<dir>/<name>.lock`, created exclusively and holding the holder as
 * JSON. A lock left by a process that died on this host is taken over.
 */
export class FileLocks implements StateLocks {
  constructor(private readonly dir: string) {}

  async acquire(name: string, command: string, o: AcquireOptions = {}): Promise<HeldLock> {
    let told = false
    for (;;) {
      const r = this.tryAcquire(name, command)
      if ('lock' in r) return r.lock
      if (!o.wait) {
        throw new StateError('STATE_LOCKED', `environment '${name}' is locked by ${describeHolder(r.holder)}; wait for it to finish (or pass --wait), or remove ${this.path(name)} if that process is gone`)
      }
      if (!told) o.onWait?.(r.holder)
      told = true
      await sleep(o.pollMs ?? 1_000)
    }
  }

  async list(): Promise<Array<LockHolder & { name: string }>> {
    let files: string[]
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith('.lock'))
    } catch {
      return []
    }
    const out: Array<LockHolder & { name: string }> = []
    for (const f of files) {
      const h = readHolder(join(this.dir, f))
      if (h && (h.host !== hostname() || alive(h.pid))) out.push({ name: f.slice(0, -'.lock'.length), ...h })
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async close(): Promise<void> {}

  private path(name: string): string {
    return join(this.dir, `${name}.lock`)
  }

  private tryAcquire(name: string, command: string): { lock: HeldLock } | { holder: LockHolder | undefined } {
    mkdirSync(this.dir, { recursive: true })
    const path = this.path(name)
    const me: LockHolder = { pid: process.pid, host: hostname(), user: safeUser(), command, since: Date.now() }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx')
        writeSync(fd, JSON.stringify(me))
        closeSync(fd)
        let released = false
        return {
          lock: {
            release: async () => {
              if (released) return
              released = true
              rmSync(path, { force: true })
            },
          },
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
        const holder = readHolder(path)
        if (holder && holder.host === me.host && !alive(holder.pid)) {
          rmSync(path, { force: true }) // its holder died: take it over
          continue
        }
        return { holder }
      }
    }
    return { holder: readHolder(path) }
  }
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
