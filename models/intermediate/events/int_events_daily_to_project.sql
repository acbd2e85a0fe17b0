MODEL (
  name oso.int_events_daily_to_project,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column bucket_day,
    batch_size 7,
    lookback 2
  ),
  partitioned_by (DAY(bucket_day), event_type),
  grain (bucket_day, project_id, event_type),
  description 'Daily GitHub event totals rolled up from repositories to the projects that claim them',
  audits (
    not_null(columns := (bucket_day, project_id, event_type)),
    unique_combination_of_columns(columns := (bucket_day, project_id, event_type))
  ),
  tags ('entity_category=project', 'github', 'incremental')
);

SELECT
  events.bucket_day,
  artifacts.project_id,
  events.event_type,
  SUM(events.amount) AS amount,
  SUM(events.event_count) AS event_count
FROM oso.int_events_daily__github AS events
INNER JOIN oso.int_artifacts_by_project AS artifacts
  ON events.artifact_id = artifacts.artifact_id
WHERE events.bucket_day BETWEEN @start_date AND @end_date
GROUP BY
  events.bucket_day,
  artifacts.project_id,
  events.event_type
