MODEL (
  name oso.collections_v1,
  kind FULL,
  description 'Every collection with its number of projects and (distinct) repositories',
  grain (collection_id),
  audits (
    not_null(columns := (collection_id, collection_name)),
    unique_values(columns := (collection_id, collection_name))
  ),
  tags ('entity_category=collection', 'directory', 'export')
);

SELECT
  collections.collection_id,
  collections.collection_name,
  collections.display_name,
  collections.description,
  COUNT(DISTINCT members.project_id) AS project_count,
  COUNT(DISTINCT artifacts.artifact_id) AS repository_count
FROM oso.stg_ossd__collections AS collections
LEFT JOIN oso.int_projects_by_collection AS members
  ON collections.collection_id = members.collection_id
LEFT JOIN oso.int_artifacts_by_project AS artifacts
  ON members.project_id = artifacts.project_id
GROUP BY
  collections.collection_id,
  collections.collection_name,
  collections.display_name,
  collections.description
