MODEL(
  name oso.stg_ossd__repositories,
  kind view,
  description "Repositories from the directory, shaped as artifacts",
  grain (artifact_id),
  audits (
    not_null(columns := (artifact_id, artifact_namespace, artifact_name)),
    unique_values(columns := (artifact_id)),
  ),
  tags ('directory', 'staging')
);

SELECT
  CONCAT('github:', CAST(repository_id AS VARCHAR)) AS artifact_id,
  repository_id,
  'GITHUB' AS artifact_source,
  LOWER(repository_owner) AS artifact_namespace,
  LOWER(repository_name) AS artifact_name,
  CONCAT('https://github.com/', LOWER(repository_owner), '/', LOWER(repository_name)) AS artifact_url,
  language,
  license,
  is_fork,
  created_at
FROM oso.seed_repositories
