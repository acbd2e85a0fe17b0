import { DUCKDB_CONFIG } from './project.js'

const EVENTS_CSV = [
  'id,user_id,kind,amount,event_time',
  '1,1,click,1,2024-01-01 10:00:00',
  '2,2,click,2,2024-01-01 11:00:00',
  '3,1,buy,10,2024-01-02 09:00:00',
  '4,3,click,1,2024-01-03 12:00:00',
  '5,2,buy,5,2024-01-03 13:00:00',
  '6,1,click,1,2024-01-04 08:00:00',
].join('\n')

/** A small project with every kind; data spans 2024-01-01..04, models end 2024-01-05. */
export function smallProject(): Record<string, string> {
  return {
    'config.yaml': DUCKDB_CONFIG + 'variables:\n  min_amount: 0\n',
    'seeds/events.csv': EVENTS_CSV + '\n',
    'models/raw_events.sql': `MODEL (
  name shop.raw_events,
  kind SEED (path '../seeds/events.csv'),
  columns (id BIGINT, user_id BIGINT, kind VARCHAR, amount BIGINT, event_time TIMESTAMP)
);`,
    'models/events_daily.sql': `MODEL (
  name shop.events_daily,
  kind INCREMENTAL_BY_TIME_RANGE (time_column day, batch_size 2),
  end '2024-01-04',
);
SELECT CAST(date_trunc('day', event_time) AS DATE) AS day, kind, count(*) AS n, sum(amount) AS amount
FROM shop.raw_events
WHERE event_time BETWEEN @start_dt AND @end_dt AND amount > @min_amount
GROUP BY 1, 2`,
    'models/users.sql': `MODEL (name shop.users, kind FULL);
SELECT user_id, count(*) AS events FROM shop.raw_events GROUP BY user_id`,
    'models/big_days.sql': `MODEL (name shop.big_days, kind VIEW);
SELECT day, sum(amount) AS amount FROM shop.events_daily GROUP BY day HAVING sum(amount) > 2`,
    'models/user_last.sql': `MODEL (name shop.user_last, kind INCREMENTAL_BY_UNIQUE_KEY (unique_key user_id), end '2024-01-04');
SELECT user_id, max(event_time) AS last_seen FROM shop.raw_events
WHERE event_time BETWEEN @start_dt AND @end_dt GROUP BY user_id`,
  }
}

