MODEL (
  name oso.seed_repositories,
  kind SEED (path '../../seeds/repositories.csv'),
  columns (
    repository_id BIGINT,
    repository_owner VARCHAR,
    repository_name VARCHAR,
    language VARCHAR,
    license VARCHAR,
    is_fork BOOLEAN,
    created_at TIMESTAMP,
  ),
  description "Repository directory: every GitHub repository the warehouse knows about",
  tags ('seed', 'directory'),
)
