MODEL (
  name oso.int_events_daily__github,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column bucket_day,
    batch_size 7,
    lookback 2,
  ),
  start '2024-01-01',
  cron '@daily',
  partitioned_by DAY("bucket_day"),
  grain (bucket_day, artifact_id, event_type),
  description "Daily GitHub event totals per repository (artifact) and event type",
  column_descriptions (
    bucket_day = 'UTC day of the events',
    amount = 'Sum of event amounts (commits for COMMIT_CODE, else the number of events)',
    event_count = 'Number of distinct events',
    actor_count = 'Distinct actors that day; not additive across days or artifacts',
  ),
  audits (
    not_null(columns := (bucket_day, artifact_id, event_type)),
    unique_combination_of_columns(columns := (bucket_day, artifact_id, event_type)),
  ),
  tags ("github", "incremental"),
);

SELECT
  CAST(DATE_TRUNC('day', events.event_time) AS DATE) AS bucket_day,
  events.artifact_id,
  events.event_type,
  SUM(events.amount) AS amount,
  COUNT(*) AS event_count,
  COUNT(DISTINCT events.actor_id) AS actor_count,
FROM oso.stg_github__events AS events
WHERE events.event_time BETWEEN @start_dt AND @end_dt
GROUP BY
  CAST(DATE_TRUNC('day', events.event_time) AS DATE),
  events.artifact_id,
  events.event_type
