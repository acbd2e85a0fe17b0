import { Context } from '../../../src/context.js'
import { runModelTests, type RunTestsOptions } from '../../../src/testing/runner.js'
import type { TestRunResult } from '../../../src/testing/types.js'
import { DUCKDB_CONFIG, writeProject } from '../../helpers/project.js'

/** The clock of every runner test: 2024-01-05 12:00:00 UTC. */
export const NOW = Date.UTC(2024, 0, 5, 12)

/** A small shop project: a seed, an incremental model with a CTE, FULL models, an external table. */
export function shopFiles(): Record<string, string> {
  return {
    'config.yaml': DUCKDB_CONFIG + 'variables:\n  min_amount: 0\n',
    'seeds/orders.csv': 'id,customer,amount,ordered_at\n1,ann,10,2024-01-01 09:00:00\n',
    'external_models.yaml': '- name: lake.crm.accounts\n  columns: {id: BIGINT, tier: VARCHAR}\n',
    'models/raw_orders.sql': `MODEL (name shop.raw_orders, kind SEED (path '../seeds/orders.csv'),
  columns (id BIGINT, customer VARCHAR, amount DOUBLE, ordered_at TIMESTAMP));`,
    'models/orders_daily.sql': `MODEL (name shop.orders_daily, kind INCREMENTAL_BY_TIME_RANGE (time_column day));
WITH paid AS (
  SELECT id, customer, amount, ordered_at FROM shop.raw_orders WHERE amount > @min_amount
)
SELECT CAST(ordered_at AS DATE) AS day, COUNT(*) AS orders, SUM(amount) AS revenue
FROM paid
WHERE ordered_at BETWEEN @start_dt AND @end_dt
GROUP BY 1`,
    'models/customers.sql': `MODEL (name shop.customers, kind FULL);
SELECT customer, COUNT(*) AS orders, MAX(ordered_at) AS last_order FROM shop.raw_orders GROUP BY customer`,
    'models/customer_summary.sql': `MODEL (name shop.customer_summary, kind FULL);
SELECT customer, orders * 2 AS doubled, date_trunc('day', last_order) AS last_day FROM shop.customers`,
    'models/recent_orders.sql': `MODEL (name shop.recent_orders, kind FULL);
SELECT id, CURRENT_DATE AS as_of FROM shop.raw_orders WHERE CAST(ordered_at AS DATE) >= CURRENT_DATE - INTERVAL '1' DAY`,
    'models/tiers.sql': `MODEL (name shop.tiers, kind FULL);
SELECT tier, COUNT(*) AS accounts FROM lake.crm.accounts GROUP BY tier`,
  }
}

/** Write the shop project plus `tests` (path -> YAML) and run its tests. */
export async function runShopTests(tests: Record<string, string>, opts: RunTestsOptions = {}): Promise<TestRunResult> {
  const dir = writeProject({ ...shopFiles(), ...tests })
  const ctx = await Context.create({ projectDir: dir })
  try {
    await ctx.sql.ready()
    return await runModelTests(ctx.project, ctx.sql, { now: NOW, ...opts })
  } finally {
    await ctx.close()
  }
}
