MODEL(
  name oso.seed_projects,
  kind seed (
    path '../../seeds/projects.csv',
  ),
  columns (
    project_name VARCHAR,
    display_name VARCHAR,
    description VARCHAR,
    github_org VARCHAR,
    created_at DATE
  ),
  description 'Project directory: one row per open-source project (slug in project_name)',
  tags ('seed', 'directory')
)
