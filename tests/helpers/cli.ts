import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createProgram } from '../../cli/program.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Run the CLI in-process with captured output (fast; same code path as the binary). */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  let code = 0
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    isTTY: false,
    setExitCode: (c: number) => {
      code = c
    },
  }
  const program = createProgram(io)
  try {
    await program.parseAsync(args, { from: 'user' })
  } catch (e) {
    const ce = e as { exitCode?: number }
    code = ce.exitCode === 0 ? 0 : 1
  }
  return { code, stdout, stderr }
}

/** Path of the built CLI (tests that spawn processes need `npm run build` first; `npm test` does it). */
export const CLI_MAIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js')

/** Spawn the built CLI as a child process. */
export function spawnCli(
  args: string[],
  opts: { onStderr?: (chunk: string, kill: () => void) => void; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    opts.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      opts.onStderr?.(stderr, () => child.kill('SIGKILL'))
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }))
  })
}

/** Parse the JSON a `--json` command printed. */
export function json<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  }
}
