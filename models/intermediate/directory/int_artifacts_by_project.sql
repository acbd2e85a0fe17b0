MODEL (
  name oso.int_artifacts_by_project,
  kind FULL,
  description 'Project to artifact (repository) mapping; an artifact claimed by two projects appears twice',
  grain (project_id, artifact_id),
  audits (
    not_null(columns := (project_id, artifact_id)),
    unique_combination_of_columns(columns := (project_id, artifact_id)),
  ),
  tags ("entity_category=project", "directory")
);

SELECT
  projects.project_id,
  projects.project_name,
  repos.artifact_id,
  repos.artifact_source,
  repos.artifact_namespace,
  repos.artifact_name,
  repos.artifact_url
FROM oso.seed_project_repositories AS claims
INNER JOIN oso.stg_ossd__projects AS projects
  ON LOWER(claims.project_name) = projects.project_name
INNER JOIN oso.stg_ossd__repositories AS repos
  ON claims.repository_id = repos.repository_id
