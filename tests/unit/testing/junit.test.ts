import { describe, expect, it } from 'vitest'
import { escapeXml, toJUnitXml } from '../../../src/testing/junit.js'
import type { OutputCheck, TestResult, TestRunResult } from '../../../src/testing/types.js'
import { parseXml } from './xml-check.js'

const failedCheck: OutputCheck = {
  output: 'query',
  ok: false,
  columns: ['name'],
  expectedCount: 1,
  actualCount: 1,
  missing: [{ name: 'a <b> & "c"' }],
  unexpected: [{ name: "it's" }],
  nearMatches: [],
  extraColumns: [],
}

function result(name: string, file: string, status: TestResult['status']): TestResult {
  return {
    name,
    file,
    line: 3,
    model: 'shop.m',
    status,
    durationMs: 12.5,
    message: status === 'error' ? `${file}:3: test '${name}' (model shop.m): boom \u0001 <here>` : status === 'failed' ? 'query: 1 missing, 1 unexpected' : undefined,
    checks: status === 'failed' ? [failedCheck] : [],
  }
}

describe('toJUnitXml', () => {
  const run: TestRunResult = {
    total: 4,
    passed: 2,
    failed: 1,
    errors: 1,
    durationMs: 1500,
    tests: [
      result('t1', 'tests/test_a.yaml', 'passed'),
      result('t2', 'tests/test_a.yaml', 'failed'),
      result('t3', 'tests/b/test_b.yaml', 'passed'),
      result('t4', 'tests/b/test_b.yaml', 'error'),
    ],
  }

  it('is well-formed XML with one suite per file and the right counts', () => {
    const xml = toJUnitXml(run)
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
    const root = parseXml(xml)
    expect(root.name).toBe('testsuites')
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', errors: '1', time: '1.500' })
    expect(root.children.map((s) => [s.name, s.attrs['name'], s.attrs['tests'], s.attrs['failures'], s.attrs['errors']])).toEqual([
      ['testsuite', 'tests/test_a.yaml', '2', '1', '0'],
      ['testsuite', 'tests/b/test_b.yaml', '2', '0', '1'],
    ])
    const cases = root.children.flatMap((s) => s.children)
    expect(cases.map((c) => [c.attrs['name'], c.attrs['classname'], c.children.map((x) => x.name)])).toEqual([
      ['t1', 'shop.m', []],
      ['t2', 'shop.m', ['failure']],
      ['t3', 'shop.m', []],
      ['t4', 'shop.m', ['error']],
    ])
  })

  it('carries the diff in the failure and the message in the error, escaped', () => {
    const root = parseXml(toJUnitXml(run))
    const [failure] = root.children[0]!.children[1]!.children
    expect(failure!.attrs['message']).toBe('query: 1 missing, 1 unexpected')
    expect(failure!.text).toContain('{name: "a <b> & \\"c\\""}')
    expect(failure!.text).toContain(`{name: "it's"}`)
    const [error] = root.children[1]!.children[1]!.children
    expect(error!.text).toBe("tests/b/test_b.yaml:3: test 't4' (model shop.m): boom  <here>")
  })

  it('writes an empty run as an empty testsuites element', () => {
    const root = parseXml(toJUnitXml({ total: 0, passed: 0, failed: 0, errors: 0, durationMs: 0, tests: [] }))
    expect([root.name, root.attrs['tests'], root.children.length]).toEqual(['testsuites', '0', 0])
  })
})

describe('escapeXml', () => {
  it('escapes markup and drops characters XML cannot hold', () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0000\u001b`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;')
  })
})
