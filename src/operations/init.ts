import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ConfigError } from '../errors.js'

const FILES: Record<string, string> = {
  'config.yaml': `gateways:
  local:
    connection:
      type: duckdb
default_gateway: local
model_defaults:
  dialect: trino
  start: '2024-01-01'
  cron: '@daily'
variables:
  min_amount: 0
`,
  '.gitignore': '.tributary/\n',
  'seeds/orders.csv': `order_id,customer_id,amount,ordered_at
1,10,25.50,2024-01-01 09:15:00
2,11,13.00,2024-01-01 17:40:00
3,10,8.25,2024-01-02 08:05:00
4,12,41.00,2024-01-03 12:30:00
5,11,19.99,2024-01-03 21:10:00
`,
  'models/raw_orders.sql': `MODEL (
  name shop.raw_orders,
  kind SEED (path '../seeds/orders.csv'),
  columns (order_id BIGINT, customer_id BIGINT, amount DECIMAL(10, 2), ordered_at TIMESTAMP),
  grain order_id
);
`,
  'models/orders_daily.sql': `MODEL (
  name shop.orders_daily,
  kind INCREMENTAL_BY_TIME_RANGE (time_column order_day, batch_size 7),
  grain (order_day),
  description 'Orders and revenue per day'
);

SELECT
  CAST(date_trunc('day', ordered_at) AS DATE) AS order_day,
  count(*) AS orders,
  sum(amount) AS revenue
FROM shop.raw_orders
WHERE ordered_at BETWEEN @start_dt AND @end_dt
  AND amount > @min_amount
GROUP BY 1
`,
  'models/customers.sql': `MODEL (
  name shop.customers,
  kind FULL,
  grain customer_id
);

SELECT
  customer_id,
  count(*) AS orders,
  sum(amount) AS lifetime_value,
  min(ordered_at) AS first_order_at
FROM shop.raw_orders
GROUP BY customer_id
`,
}

/** Scaffold a small project in `dir` (must be empty or not exist). Returns the files written. */
export function initOperation(dir: string): string[] {
  const root = resolve(dir)
  if (existsSync(root) && readdirSync(root).some((f) => !f.startsWith('.'))) {
    throw new ConfigError('CONFIG_INVALID', `${root} is not empty; choose a new or empty folder`)
  }
  const written: string[] = []
  for (const [rel, text] of Object.entries(FILES)) {
    const p = join(root, rel)
    mkdirSync(join(p, '..'), { recursive: true })
    writeFileSync(p, text)
    written.push(rel)
  }
  return written
}
