MODEL (
  name oso.code_metrics_by_collection_v1,
  kind FULL,
  description 'GitHub activity metrics per collection: all-time totals plus a trailing window of activity_window days. Repositories and developers are counted once per collection',
  grain (collection_id),
  audits (
    not_null(columns := (collection_id, collection_name, as_of_day)),
    unique_values(columns := (collection_id)),
  ),
  tags ('entity_category=collection', 'metrics', 'export')
);

WITH as_of AS (
  SELECT MAX(bucket_day) AS as_of_day
  FROM oso.int_events_daily__github
),

events AS (
  SELECT
    daily.collection_id,
    MIN(daily.bucket_day) AS first_activity_day,
    MAX(daily.bucket_day) AS last_activity_day,
    SUM(CASE WHEN daily.event_type = 'COMMIT_CODE' THEN daily.amount ELSE 0 END) AS commit_count,
    SUM(
      CASE
        WHEN daily.event_type = 'COMMIT_CODE'
          AND DATE_DIFF('day', daily.bucket_day, as_of.as_of_day) < @activity_window
          THEN daily.amount
        ELSE 0
      END
    ) AS commit_count_window,
    SUM(CASE WHEN daily.event_type = 'PULL_REQUEST_OPENED' THEN daily.event_count ELSE 0 END) AS opened_pull_request_count,
    SUM(CASE WHEN daily.event_type = 'PULL_REQUEST_MERGED' THEN daily.event_count ELSE 0 END) AS merged_pull_request_count,
    SUM(CASE WHEN daily.event_type = 'ISSUE_OPENED' THEN daily.event_count ELSE 0 END) AS opened_issue_count,
    SUM(CASE WHEN daily.event_type = 'ISSUE_CLOSED' THEN daily.event_count ELSE 0 END) AS closed_issue_count,
    SUM(CASE WHEN daily.event_type = 'STARRED' THEN daily.event_count ELSE 0 END) AS star_count,
    SUM(CASE WHEN daily.event_type = 'FORKED' THEN daily.event_count ELSE 0 END) AS fork_count
  FROM oso.int_events_daily_to_collection AS daily
  CROSS JOIN as_of
  GROUP BY daily.collection_id
),

developer_days AS (
  SELECT
    members.collection_id,
    activity.developer_id,
    COUNT(DISTINCT activity.bucket_day) AS active_days
  FROM oso.int_developer_activity_daily AS activity
  INNER JOIN oso.int_artifacts_by_project AS artifacts
    ON activity.artifact_id = artifacts.artifact_id
  INNER JOIN oso.int_projects_by_collection AS members
    ON artifacts.project_id = members.project_id
  CROSS JOIN as_of
  WHERE DATE_DIFF('day', activity.bucket_day, as_of.as_of_day) < @activity_window
  GROUP BY members.collection_id, activity.developer_id
),

developers AS (
  SELECT
    collection_id,
    COUNT(*) AS active_developer_count,
    COUNT_IF(active_days >= @fulltime_dev_days) AS fulltime_developer_count
  FROM developer_days
  GROUP BY collection_id
),

project_counts AS (
  SELECT collection_id, COUNT(DISTINCT project_id) AS project_count
  FROM oso.int_projects_by_collection
  GROUP BY collection_id
)

SELECT
  collections.collection_id,
  collections.collection_name,
  collections.display_name,
  as_of.as_of_day,
  @activity_window AS window_days,
  CAST(COALESCE(project_counts.project_count, 0) AS BIGINT) AS project_count,
  events.first_activity_day,
  events.last_activity_day,
  CAST(COALESCE(events.commit_count, 0) AS BIGINT) AS commit_count,
  CAST(COALESCE(events.commit_count_window, 0) AS BIGINT) AS commit_count_window,
  CAST(COALESCE(events.opened_pull_request_count, 0) AS BIGINT) AS opened_pull_request_count,
  CAST(COALESCE(events.merged_pull_request_count, 0) AS BIGINT) AS merged_pull_request_count,
  CAST(COALESCE(events.opened_issue_count, 0) AS BIGINT) AS opened_issue_count,
  CAST(COALESCE(events.closed_issue_count, 0) AS BIGINT) AS closed_issue_count,
  CAST(COALESCE(events.star_count, 0) AS BIGINT) AS star_count,
  CAST(COALESCE(events.fork_count, 0) AS BIGINT) AS fork_count,
  CAST(COALESCE(developers.active_developer_count, 0) AS BIGINT) AS active_developer_count,
  CAST(COALESCE(developers.fulltime_developer_count, 0) AS BIGINT) AS fulltime_developer_count
FROM oso.stg_ossd__collections AS collections
CROSS JOIN as_of
LEFT JOIN project_counts
  ON collections.collection_id = project_counts.collection_id
LEFT JOIN events
  ON collections.collection_id = events.collection_id
LEFT JOIN developers
  ON collections.collection_id = developers.collection_id
