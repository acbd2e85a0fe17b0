MODEL (
  name oso.projects_v1,
  kind FULL,
  description 'Every project in the directory with how many repositories and collections it has and its latest active day',
  grain (project_id),
  audits (
    not_null(columns := (project_id, project_name)),
    unique_values(columns := (project_id, project_name)),
  ),
  tags ('entity_category=project', 'directory', 'export')
);

WITH repository_counts AS (
  SELECT project_id, COUNT(DISTINCT artifact_id) AS repository_count
  FROM oso.int_artifacts_by_project
  GROUP BY project_id
),

collection_counts AS (
  SELECT project_id, COUNT(DISTINCT collection_id) AS collection_count
  FROM oso.int_projects_by_collection
  GROUP BY project_id
)

SELECT
  projects.project_id,
  projects.project_name,
  projects.display_name,
  projects.description,
  projects.github_org,
  projects.created_at,
  COALESCE(repository_counts.repository_count, 0) AS repository_count,
  COALESCE(collection_counts.collection_count, 0) AS collection_count,
  latest.last_active_day
FROM oso.stg_ossd__projects AS projects
LEFT JOIN repository_counts
  ON projects.project_id = repository_counts.project_id
LEFT JOIN collection_counts
  ON projects.project_id = collection_counts.project_id
LEFT JOIN oso.int_project_latest_activity AS latest
  ON projects.project_id = latest.project_id
