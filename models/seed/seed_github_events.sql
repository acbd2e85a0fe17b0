-- Raw GitHub activity as it arrives from the event archive. Replayed deliveries
-- (same event_id twice) and inconsistent login casing are left in on purpose:
-- oso.stg_github__events cleans them up.
MODEL (
  name oso.seed_github_events,
  kind SEED (
    path '../../seeds/github_events.csv'
  ),
  columns (
    event_id VARCHAR,
    event_time TIMESTAMP,
    event_type VARCHAR,
    actor_id BIGINT,
    actor_login VARCHAR,
    repository_id BIGINT,
    repository_name VARCHAR,
    amount DOUBLE
  ),
  description 'Raw GitHub-like events (2024-01-01 .. 2024-01-20), one row per webhook delivery',
  tags ("github", "seed")
)
