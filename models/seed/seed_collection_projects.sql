MODEL (
  name oso.seed_collection_projects,
  kind SEED (
    path '../../seeds/collection_projects.csv'
  ),
  columns (
    collection_name VARCHAR,
    project_name VARCHAR
  ),
  description 'Which projects each collection contains (a project may be in several, or in none)',
  tags ('seed', 'directory')
)
