MODEL (
  name oso.int_projects_by_collection,
  kind VIEW,
  description 'Collection to project mapping; a project may sit in several collections',
  grain (collection_id, project_id),
  audits (
    not_null(columns := (collection_id, project_id)),
    unique_combination_of_columns(columns := (collection_id, project_id))
  ),
  -- reads both the project and the collection directory, so it carries both categories
  tags ('entity_category=project', 'entity_category=collection', 'directory')
);

SELECT
  collections.collection_id,
  collections.collection_name,
  projects.project_id,
  projects.project_name
FROM oso.seed_collection_projects AS members
INNER JOIN oso.stg_ossd__collections AS collections
  ON LOWER(members.collection_name) = collections.collection_name
INNER JOIN oso.stg_ossd__projects AS projects
  ON LOWER(members.project_name) = projects.project_name
