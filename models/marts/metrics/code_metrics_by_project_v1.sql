MODEL (
  name oso.code_metrics_by_project_v1,
  kind FULL,
  description 'GitHub activity metrics per project: all-time totals plus a trailing window of activity_window days. Developers are counted once per project even when they work on several of its repositories',
  grain (project_id),
  column_descriptions (
    as_of_day = 'Last day with any event in the warehouse; the trailing window ends here',
    commit_count_window = 'Commits in the trailing window',
    active_developer_count = 'Distinct non-bot developers active on any repository of the project in the window',
    fulltime_developer_count = 'Developers active on at least fulltime_dev_days distinct days (on any of its repositories) in the window',
  ),
  audits (
    not_null(columns := (project_id, project_name, as_of_day)),
    unique_values(columns := (project_id)),
  ),
  tags ('entity_category=project', 'metrics', 'export')
);

WITH as_of AS (
  SELECT MAX(bucket_day) AS as_of_day
  FROM oso.int_events_daily__github
),

events AS (
  SELECT
    daily.project_id,
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
  FROM oso.int_events_daily_to_project AS daily
  CROSS JOIN as_of
  GROUP BY daily.project_id
),

developer_days AS (
  SELECT
    artifacts.project_id,
    activity.developer_id,
    COUNT(DISTINCT activity.bucket_day) AS active_days
  FROM oso.int_developer_activity_daily AS activity
  INNER JOIN oso.int_artifacts_by_project AS artifacts
    ON activity.artifact_id = artifacts.artifact_id
  CROSS JOIN as_of
  WHERE DATE_DIFF('day', activity.bucket_day, as_of.as_of_day) < @activity_window
  GROUP BY artifacts.project_id, activity.developer_id
),

developers AS (
  SELECT
    project_id,
    COUNT(*) AS active_developer_count,
    COUNT_IF(active_days >= @fulltime_dev_days) AS fulltime_developer_count
  FROM developer_days
  GROUP BY project_id
)

SELECT
  projects.project_id,
  projects.project_name,
  projects.display_name,
  as_of.as_of_day,
  @activity_window AS window_days,
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
FROM oso.stg_ossd__projects AS projects
CROSS JOIN as_of
LEFT JOIN events
  ON projects.project_id = events.project_id
LEFT JOIN developers
  ON projects.project_id = developers.project_id
