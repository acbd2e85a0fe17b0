/** User macro registries: built from an object, or loaded from a project's `macros/` folder. */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MacroError } from '../errors.js'
import { RESERVED_MACRO_NAMES } from './builtins.js'
import type { MacroRegistry, UserMacro } from './types.js'

/** A registry with no macros. */
export const emptyMacroRegistry: MacroRegistry = {
  get: () => undefined,
  names: () => [],
}

/**
 * A registry over `macros` (names matched case-insensitively).
 * Example: `createMacroRegistry({ oso_id: (ctx, ...a) => \`sha256(concat(${a.join(', ')}))\` })`.
 * @throws MacroError('MACRO_INVALID') when two names differ only by case or a name is a built-in.
 */
export function createMacroRegistry(macros: Readonly<Record<string, UserMacro>>): MacroRegistry {
  const map = new Map<string, UserMacro>()
  for (const [name, fn] of Object.entries(macros)) {
    const key = name.toLowerCase()
    if (RESERVED_MACRO_NAMES.has(key)) throw new MacroError('MACRO_INVALID', `macro @${name} shadows a built-in macro`)
    if (map.has(key)) throw new MacroError('MACRO_INVALID', `macro @${name} is defined twice (names ignore case)`)
    map.set(key, fn)
  }
  const names = [...map.keys()].sort()
  return {
    get: (name) => map.get(name.toLowerCase()),
    names: () => [...names],
  }
}

async function listModules(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    return entries
      .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
      .map((e) => e.name)
      .sort()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new MacroError('MACRO_INVALID', `cannot read macro folder ${dir}`, { location: { file: dir }, cause: e })
  }
}

/**
 * Import every `*.js` / `*.mjs` file directly in `dir` (sorted by name) and register each named
 * export that is a function as a macro under its export name (case-insensitive; the default export
 * is ignored). A missing folder gives an empty registry. Files are imported with their mtime in the
 * URL, so an edited file is re-read by a later call in the same process.
 * @throws MacroError('MACRO_INVALID') naming the file when it fails to import, when two files
 *   export the same name, or when an export shadows a built-in (`VAR`, `IF`, `DEF`, ...).
 */
export async function loadUserMacros(dir: string): Promise<MacroRegistry> {
  const files = await listModules(dir)
  if (files.length === 0) return emptyMacroRegistry
  const macros: Record<string, UserMacro> = {}
  const owner = new Map<string, string>()
  for (const file of files) {
    const path = join(dir, file)
    let mod: Record<string, unknown>
    try {
      const { mtimeMs } = await stat(path)
      mod = (await import(`${pathToFileURL(path).href}?mtime=${mtimeMs}`)) as Record<string, unknown>
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e)
      throw new MacroError('MACRO_INVALID', `cannot import macro file ${path}: ${msg}`, {
        location: { file: path },
        cause: e,
      })
    }
    for (const [name, value] of Object.entries(mod)) {
      if (name === 'default' || typeof value !== 'function') continue
      const key = name.toLowerCase()
      const where = { location: { file: path } }
      if (RESERVED_MACRO_NAMES.has(key)) {
        throw new MacroError('MACRO_INVALID', `macro @${name} in ${path} shadows a built-in macro`, where)
      }
      const prev = owner.get(key)
      if (prev !== undefined) {
        throw new MacroError('MACRO_INVALID', `macro @${name} is defined in both ${prev} and ${path}`, where)
      }
      owner.set(key, path)
      macros[name] = value as UserMacro
    }
  }
  return createMacroRegistry(macros)
}
