import { rows } from './build.mjs';
import { transpile } from '@polyglot-sql/sdk';
const qs = [
`SELECT project_name, commit_count_window, active_developer_count, fulltime_developer_count
FROM oso.code_metrics_by_project_v1
ORDER BY commit_count_window DESC
LIMIT 5`,
`SELECT bucket_day, commit_count, pull_request_count, star_count, commit_count_7d
FROM oso.timeseries_events_by_project_daily_v1
WHERE project_name = 'riverbed-db'
  AND bucket_day >= DATE '2024-01-14'
ORDER BY bucket_day`,
`SELECT
  collections.collection_name,
  collections.project_count,
  collections.repository_count,
  metrics.commit_count,
  metrics.star_count,
  metrics.active_developer_count
FROM oso.collections_v1 AS collections
INNER JOIN oso.code_metrics_by_collection_v1 AS metrics
  ON collections.collection_id = metrics.collection_id
ORDER BY metrics.commit_count DESC`,
`SELECT
  activity.developer_login,
  COUNT(DISTINCT artifacts.project_id) AS project_count,
  COUNT(DISTINCT activity.bucket_day) AS active_days,
  SUM(activity.commit_count) AS commit_count
FROM oso.int_developer_activity_daily AS activity
INNER JOIN oso.int_artifacts_by_project AS artifacts
  ON activity.artifact_id = artifacts.artifact_id
GROUP BY activity.developer_login
HAVING COUNT(DISTINCT artifacts.project_id) > 1
ORDER BY project_count DESC, commit_count DESC
LIMIT 5`,
];
for (const q of qs) { const r = transpile(q, 'trino', 'duckdb'); if (!r.success) { console.log('FAIL', r.error); continue; } console.table(await rows(r.sql[0])); }
