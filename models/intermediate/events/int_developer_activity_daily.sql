MODEL(
  name oso.int_developer_activity_daily,
  kind incremental_by_time_range(
    time_column bucket_day,
    batch_size 7,
    lookback 2,
    /* forward_only true, */
  ),
  partitioned_by (DAY(bucket_day)),
  grain (bucket_day, developer_id, artifact_id),
  description 'One row per developer, repository and day with contribution counts; bots and non-contribution events (stars, forks) are excluded',
  audits (
    NOT_NULL(columns := (bucket_day, developer_id, artifact_id)),
  ),
  tags ('github', 'incremental')
);

SELECT
  CAST(events.event_time AS DATE) AS bucket_day,
  events.actor_id AS developer_id,
  MAX(events.actor_login) AS developer_login,
  events.artifact_id,
  CAST(SUM(CASE WHEN events.event_type = 'COMMIT_CODE' THEN events.amount ELSE 0 END) AS BIGINT) AS commit_count,
  COUNT_IF(events.event_type IN ('PULL_REQUEST_OPENED', 'PULL_REQUEST_MERGED')) AS pull_request_count,
  COUNT_IF(events.event_type IN ('ISSUE_OPENED', 'ISSUE_CLOSED')) AS issue_count,
  COUNT(*) AS event_count
FROM oso.stg_github__events AS events
WHERE CAST(events.event_time AS DATE) BETWEEN CAST(@start_ds AS DATE) AND CAST(@end_ds AS DATE)
  AND NOT events.is_bot
  AND events.event_type IN (
    'COMMIT_CODE', 'PULL_REQUEST_OPENED', 'PULL_REQUEST_MERGED', 'ISSUE_OPENED', 'ISSUE_CLOSED'
  )
GROUP BY
  CAST(events.event_time AS DATE),
  events.actor_id,
  events.artifact_id
