/**
 * JUnit XML report of a test run, the format CI systems (GitHub Actions, GitLab, Jenkins) read:
 * one `<testsuite>` per test file, one `<testcase>` per test, `<failure>` with the diff for a
 * failed test and `<error>` for one that could not run.
 */
import { failureSummary, formatFailure } from './format-diff.js'
import type { TestResult, TestRunResult } from './types.js'

/** Escape text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3)

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('')
}

function testcase(r: TestResult): string {
  const head = `    <testcase${attrs({ name: r.name, classname: r.model, file: r.file, line: r.line, time: seconds(r.durationMs) })}`
  if (r.status === 'passed') return `${head}/>`
  const tag = r.status === 'failed' ? 'failure' : 'error'
  const message = r.status === 'failed' ? failureSummary(r.checks) : (r.message ?? 'error')
  return [
    `${head}>`,
    `      <${tag}${attrs({ message, type: r.status === 'failed' ? 'AssertionError' : 'TestError' })}>${escapeXml(formatFailure(r))}</${tag}>`,
    '    </testcase>',
  ].join('\n')
}

/**
 * The JUnit XML document for `run` (UTF-8, ends with a newline).
 * @param name the name of the `<testsuites>` element. Default `'tributary'`.
 */
export function toJUnitXml(run: TestRunResult, name = 'tributary'): string {
  const byFile = new Map<string, TestResult[]>()
  for (const r of run.tests) {
    const list = byFile.get(r.file) ?? []
    list.push(r)
    byFile.set(r.file, list)
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, tests: run.total, failures: run.failed, errors: run.errors, time: seconds(run.durationMs) })}>`,
  ]
  for (const [file, results] of byFile) {
    const n = (s: TestResult['status']): number => results.filter((r) => r.status === s).length
    const time = results.reduce((t, r) => t + r.durationMs, 0)
    lines.push(`  <testsuite${attrs({ name: file, tests: results.length, failures: n('failed'), errors: n('error'), skipped: 0, time: seconds(time) })}>`)
    for (const r of results) lines.push(testcase(r))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return lines.join('\n') + '\n'
}
