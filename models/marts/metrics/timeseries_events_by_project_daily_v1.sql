MODEL (
  name oso.timeseries_events_by_project_daily_v1,
  kind VIEW,
  description 'Per project and day: commits, pull requests, issues, stars and forks, plus a 7-day rolling commit total',
  grain (project_id, bucket_day),
  tags ('entity_category=project', 'metrics', 'export')
);

WITH daily AS (
  SELECT
    project_id,
    bucket_day,
    SUM(CASE WHEN event_type = 'COMMIT_CODE' THEN amount ELSE 0 END) AS commit_count,
    SUM(CASE WHEN event_type IN ('PULL_REQUEST_OPENED', 'PULL_REQUEST_MERGED') THEN event_count ELSE 0 END) AS pull_request_count,
    SUM(CASE WHEN event_type IN ('ISSUE_OPENED', 'ISSUE_CLOSED') THEN event_count ELSE 0 END) AS issue_count,
    SUM(CASE WHEN event_type = 'STARRED' THEN event_count ELSE 0 END) AS star_count,
    SUM(CASE WHEN event_type = 'FORKED' THEN event_count ELSE 0 END) AS fork_count,
    SUM(event_count) AS event_count
  FROM oso.int_events_daily_to_project
  GROUP BY project_id, bucket_day
)

SELECT
  daily.project_id,
  projects.project_name,
  daily.bucket_day,
  CAST(daily.commit_count AS BIGINT) AS commit_count,
  CAST(daily.pull_request_count AS BIGINT) AS pull_request_count,
  CAST(daily.issue_count AS BIGINT) AS issue_count,
  CAST(daily.star_count AS BIGINT) AS star_count,
  CAST(daily.fork_count AS BIGINT) AS fork_count,
  CAST(daily.event_count AS BIGINT) AS event_count,
  CAST(
    SUM(daily.commit_count) OVER (
      PARTITION BY daily.project_id
      ORDER BY daily.bucket_day
      RANGE BETWEEN INTERVAL '6' DAY PRECEDING AND CURRENT ROW
    ) AS BIGINT
  ) AS commit_count_7d
FROM daily
INNER JOIN oso.stg_ossd__projects AS projects
  ON daily.project_id = projects.project_id
