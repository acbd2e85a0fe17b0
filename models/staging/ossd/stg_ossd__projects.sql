MODEL (
  name oso.stg_ossd__projects,
  kind VIEW,
  description 'Projects from the directory with a stable project_id',
  grain (project_id),
  audits (
    not_null(columns := (project_id, project_name)),
    unique_values(columns := (project_id, project_name))
  ),
  tags ('directory', 'staging')
);

SELECT
  CONCAT('ossd:', LOWER(project_name)) AS project_id,
  LOWER(project_name) AS project_name,
  display_name,
  description,
  LOWER(github_org) AS github_org,
  created_at
FROM oso.seed_projects
