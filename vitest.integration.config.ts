import { defineConfig } from 'vitest/config'

/** Suites against real servers started by scripts/stack.sh (Trino, Nessie); see docs/local-stack.md. */
export default defineConfig({
  test: {
    include: ['tests/integration/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
})
