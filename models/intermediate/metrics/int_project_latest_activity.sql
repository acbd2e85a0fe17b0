MODEL (
  name oso.int_project_latest_activity,
  kind INCREMENTAL_BY_UNIQUE_KEY (
    unique_key (project_id)
  ),
  grain (project_id),
  description 'Latest day with GitHub activity for each project; each run upserts the projects active in its interval',
  column_descriptions (
    last_active_day = 'Most recent day with at least one event on a repository of the project',
    events_on_last_active_day = 'Events on that day',
    commits_on_last_active_day = 'Commits on that day',
  ),
  audits (
    not_null(columns := (project_id, last_active_day)),
    unique_values(columns := (project_id)),
  ),
  tags ('entity_category=project', 'incremental')
);

WITH daily AS (
  SELECT
    project_id,
    bucket_day,
    SUM(event_count) AS event_count,
    SUM(CASE WHEN event_type = 'COMMIT_CODE' THEN amount ELSE 0 END) AS commit_count
  FROM oso.int_events_daily_to_project
  WHERE bucket_day BETWEEN @start_date AND @end_date
  GROUP BY project_id, bucket_day
),

ranked AS (
  SELECT
    project_id,
    bucket_day,
    event_count,
    commit_count,
    ROW_NUMBER() OVER (PARTITION BY project_id ORDER BY bucket_day DESC) AS recency_rank
  FROM daily
)

SELECT
  project_id,
  bucket_day AS last_active_day,
  event_count AS events_on_last_active_day,
  CAST(commit_count AS BIGINT) AS commits_on_last_active_day
FROM ranked
WHERE recency_rank = 1
