MODEL (
  name oso.int_events_daily_to_collection,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column bucket_day,
    batch_size 7,
    lookback 2
  ),
  partitioned_by (DAY(bucket_day), event_type),
  grain (bucket_day, collection_id, event_type),
  description 'Daily GitHub event totals per collection. Each repository counts once per collection, even when two projects of the collection claim it',
  audits (
    not_null(columns := (bucket_day, collection_id, event_type)),
    unique_combination_of_columns(columns := (bucket_day, collection_id, event_type))
  ),
  tags ('entity_category=collection', 'github', 'incremental')
);

WITH artifacts_by_collection AS (
  SELECT DISTINCT
    collections.collection_id,
    artifacts.artifact_id
  FROM oso.int_projects_by_collection AS collections
  INNER JOIN oso.int_artifacts_by_project AS artifacts
    ON collections.project_id = artifacts.project_id
)

SELECT
  events.bucket_day,
  abc.collection_id,
  events.event_type,
  SUM(events.amount) AS amount,
  SUM(events.event_count) AS event_count
FROM oso.int_events_daily__github AS events
INNER JOIN artifacts_by_collection AS abc
  ON events.artifact_id = abc.artifact_id
WHERE events.bucket_day BETWEEN @start_date AND @end_date
GROUP BY
  events.bucket_day,
  abc.collection_id,
  events.event_type
