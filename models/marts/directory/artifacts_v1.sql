MODEL (
  name oso.artifacts_v1,
  kind VIEW,
  description "Every repository (artifact) in the directory, with the number of projects that claim it",
  grain (artifact_id),
  audits (
    not_null(columns := (artifact_id)),
    unique_values(columns := (artifact_id))
  ),
  tags ('entity_category=artifact', 'directory', 'export')
);

SELECT
  repos.artifact_id,
  repos.artifact_source,
  repos.artifact_namespace,
  repos.artifact_name,
  repos.artifact_url,
  repos.language,
  repos.license,
  repos.is_fork,
  COUNT(claims.project_id) AS project_count
FROM oso.stg_ossd__repositories AS repos
LEFT JOIN oso.int_artifacts_by_project AS claims
  ON repos.artifact_id = claims.artifact_id
GROUP BY
  repos.artifact_id,
  repos.artifact_source,
  repos.artifact_namespace,
  repos.artifact_name,
  repos.artifact_url,
  repos.language,
  repos.license,
  repos.is_fork
