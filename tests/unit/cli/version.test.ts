import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { VERSION } from '../../../src/version.js'
import { runCli } from '../../helpers/cli.js'

it('reports the package version', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
  expect(VERSION).toBe(pkg.version)
  const r = await runCli(['--version'])
  expect(r.code).toBe(0)
  expect(r.stdout.trim()).toBe(pkg.version)
})
