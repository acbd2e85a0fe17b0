import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MacroError } from '../../../src/errors.js'
import { createMacroRegistry, emptyMacroRegistry, loadUserMacros, renderSql } from '../../../src/macros/index.js'

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-macros-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function dir(name: string, files: Record<string, string>): Promise<string> {
  const d = join(root, name)
  await mkdir(d, { recursive: true })
  for (const [f, text] of Object.entries(files)) await writeFile(join(d, f), text)
  return d
}

async function rejection(p: Promise<unknown>): Promise<MacroError> {
  try {
    await p
  } catch (e) {
    if (e instanceof MacroError) return e
    throw e
  }
  throw new Error('expected a MacroError')
}

describe('loadUserMacros', () => {
  it('loads named function exports of .mjs and .js files, case-insensitively', async () => {
    const d = await dir('ok', {
      'ids.mjs': [
        'export function oso_id(ctx, ...args) {',
        "  return ctx.dialect === 'duckdb' ? `sha256(concat(${args.join(', ')}))` : `to_base64(sha256(to_utf8(concat(${args.join(', ')}))))`",
        '}',
        'export const NOT_A_MACRO = 3',
        "export default function ignored() { return 'default' }",
      ].join('\n'),
      'src.js': "export const Oso_Source = (ctx, t) => ctx.runtimeStage === 'loading' ? 'stub_table' : `raw.${t.slice(1, -1)}`\n",
      'notes.txt': 'not a module',
    })
    const reg = await loadUserMacros(d)
    expect(reg.names()).toEqual(['oso_id', 'oso_source'])
    expect(reg.get('OSO_ID')).toBeTypeOf('function')
    expect(reg.get('not_a_macro')).toBeUndefined()
    expect(reg.get('ignored')).toBeUndefined()
    const sql = renderSql("SELECT @oso_id(a, 'b') FROM @OSO_SOURCE('chains')", {
      dialect: 'duckdb',
      variables: {},
      thisModel: 't',
      interval: [0, 86_400_000],
      executionTime: 0,
      macros: reg,
      location: { file: 'models/x.sql', line: 1 },
    })
    expect(sql).toBe("SELECT sha256(concat(a, 'b')) FROM raw.chains")
  })

  it('returns an empty registry for a missing folder', async () => {
    const reg = await loadUserMacros(join(root, 'does-not-exist'))
    expect(reg.names()).toEqual([])
    expect(reg.get('x')).toBeUndefined()
  })

  it('names the file that fails to import', async () => {
    const d = await dir('broken', { 'bad.mjs': 'export function x( {' })
    const e = await rejection(loadUserMacros(d))
    expect(e.code).toBe('MACRO_INVALID')
    expect(e.message).toContain('bad.mjs')
    expect(e.location?.file).toBe(join(d, 'bad.mjs'))
  })

  it('rejects the same macro exported by two files', async () => {
    const d = await dir('dup', { 'a.mjs': 'export const m = () => "1"', 'b.mjs': 'export const M = () => "2"' })
    const e = await rejection(loadUserMacros(d))
    expect(e.message).toMatch(/a\.mjs.*b\.mjs/)
  })

  it('rejects a macro that shadows a built-in', async () => {
    const d = await dir('shadow', { 'a.mjs': 'export const VAR = () => "1"' })
    expect((await rejection(loadUserMacros(d))).message).toContain('built-in')
  })
})

describe('createMacroRegistry', () => {
  it('is case-insensitive and lists sorted lower-case names', () => {
    const reg = createMacroRegistry({ B: () => 'b', a: () => 'a' })
    expect(reg.names()).toEqual(['a', 'b'])
    expect(reg.get('b')?.({} as never)).toBe('b')
  })
  it('rejects names differing only by case', () => {
    expect(() => createMacroRegistry({ x: () => '1', X: () => '2' })).toThrow(MacroError)
  })
  it('emptyMacroRegistry has nothing', () => {
    expect(emptyMacroRegistry.names()).toEqual([])
    expect(emptyMacroRegistry.get('var')).toBeUndefined()
  })
})
