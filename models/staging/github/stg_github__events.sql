MODEL (
  name oso.stg_github__events,
  kind FULL,
  description 'GitHub events, deduplicated (one row per event_id) with normalized logins and event types',
  grain (event_id),
  column_descriptions (
    event_id = 'Identifier of the event in the source archive',
    event_time = 'When the event happened (UTC)',
    event_type = 'COMMIT_CODE, PULL_REQUEST_OPENED, PULL_REQUEST_MERGED, ISSUE_OPENED, ISSUE_CLOSED, STARRED or FORKED',
    artifact_id = 'Repository the event happened on, as an artifact id (github:<repository_id>)',
    amount = 'Number of commits for COMMIT_CODE, 1 for every other event type',
  ),
  audits (
    not_null(columns := (event_id, event_time, event_type, artifact_id)),
    unique_values(columns := (event_id)),
    accepted_values(
      column := event_type,
      is_in := ('COMMIT_CODE', 'PULL_REQUEST_OPENED', 'PULL_REQUEST_MERGED', 'ISSUE_OPENED', 'ISSUE_CLOSED', 'STARRED', 'FORKED')
    ),
  ),
  tags ("github", "staging"),
);

WITH deliveries AS (
  SELECT
    raw.event_id,
    raw.event_time,
    raw.event_type,
    raw.actor_id,
    raw.actor_login,
    raw.repository_id,
    raw.repository_name,
    raw.amount,
    ROW_NUMBER() OVER (PARTITION BY raw.event_id ORDER BY raw.event_time) AS delivery_rank
  FROM oso.seed_github_events AS raw
)

SELECT
  event_id,
  CAST(event_time AS TIMESTAMP(6)) AS event_time,
  UPPER(TRIM(event_type)) AS event_type,
  actor_id,
  LOWER(actor_login) AS actor_login,
  actor_login LIKE '%[bot]' AS is_bot,
  CONCAT('github:', CAST(repository_id AS VARCHAR)) AS artifact_id,
  repository_id,
  LOWER(repository_name) AS repository_name,
  CAST(amount AS DOUBLE) AS amount,
FROM deliveries
WHERE delivery_rank = 1
