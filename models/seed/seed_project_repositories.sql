MODEL (
  name oso.seed_project_repositories,
  kind SEED (
    path '../../seeds/project_repositories.csv'
  ),
  columns (
    project_name VARCHAR,
    repository_id BIGINT
  ),
  -- A repository may belong to more than one project (maple-sec/maple-hash does).
  description 'Which repositories each project claims',
  tags ('seed', 'directory')
)
