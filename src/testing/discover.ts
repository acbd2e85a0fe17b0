import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { EngineError } from '../errors.js'
import { ProjectLoadError } from '../project/load-project.js'
import { parseTestFile } from './test-file.js'
import type { ModelTestSpec } from './types.js'

/** Folders never searched for test files. */
const SKIP_DIRS = new Set(['node_modules', 'dist'])

/** True for a SQLMesh test file name: `test_*.yaml` or `test_*.yml`. */
export function isTestFileName(name: string): boolean {
  return /^test_.*\.ya?ml$/i.test(name)
}

/**
 * Project-relative paths (`/` separators, sorted) of every `test_*.yaml` / `test_*.yml` under the
 * project's `tests/` folder, at any depth. Other YAML files (data files, fixtures) are not tests.
 * Hidden folders, `node_modules` and `dist` are skipped.
 */
export function listTestFiles(projectDir: string): string[] {
  const root = join(projectDir, 'tests')
  if (!existsSync(root)) return []
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue
      const p = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(p)
      } else if (entry.isFile() && isTestFileName(entry.name)) {
        out.push(relative(projectDir, p).split(sep).join('/'))
      }
    }
  }
  walk(root)
  return out.sort()
}

/**
 * Read and validate every test file of the project. Problems in several files are all reported.
 * @throws ProjectLoadError listing every invalid file (each `file:line: message`).
 */
export function loadTestSpecs(projectDir: string, files: readonly string[] = listTestFiles(projectDir)): ModelTestSpec[] {
  const specs: ModelTestSpec[] = []
  const errors: EngineError[] = []
  for (const file of files) {
    try {
      specs.push(...parseTestFile(readFileSync(join(projectDir, file), 'utf8'), { projectDir, file }))
    } catch (e) {
      if (!(e instanceof EngineError)) throw e
      errors.push(e)
    }
  }
  if (errors.length > 0) throw new ProjectLoadError(errors)
  return specs
}
