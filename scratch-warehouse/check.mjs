import { c, rows } from './build.mjs';
let bad = 0;
const eq = (label, a, b) => { const ok = JSON.stringify(a) === JSON.stringify(b); if (!ok) bad++; console.log(ok ? 'OK  ' : 'FAIL', label, ok ? '' : JSON.stringify(a) + ' vs ' + JSON.stringify(b)); };
const one = async (sql) => Object.values((await rows(sql))[0])[0];

// staging
eq('stg dedupes replayed deliveries', await one('SELECT count(*) FROM oso.stg_github__events'), await one('SELECT count(DISTINCT event_id) FROM oso.seed_github_events'));
eq('stg logins are lower-case', await one("SELECT count(*) FROM oso.stg_github__events WHERE actor_login <> lower(actor_login)"), 0);
eq('stg bots flagged', await one("SELECT count(DISTINCT actor_login) FROM oso.stg_github__events WHERE is_bot"), 1);
// artifact daily
eq('daily github amount == stg amount', await one('SELECT sum(amount) FROM oso.int_events_daily__github'), await one('SELECT sum(amount) FROM oso.stg_github__events'));
eq('daily github events == stg events', await one('SELECT sum(event_count) FROM oso.int_events_daily__github'), await one('SELECT count(*) FROM oso.stg_github__events'));
eq('bucket_day range', await rows('SELECT CAST(min(bucket_day) AS VARCHAR) lo, CAST(max(bucket_day) AS VARCHAR) hi FROM oso.int_events_daily__github'), [{ lo: '2024-01-01', hi: '2024-01-20' }]);
eq('bucket_day is DATE', await one("SELECT typeof(bucket_day) FROM oso.int_events_daily__github LIMIT 1"), 'DATE');
// developer daily
eq('dev daily events == stg non-bot contribution events', await one('SELECT sum(event_count) FROM oso.int_developer_activity_daily'),
  await one("SELECT count(*) FROM oso.stg_github__events WHERE NOT is_bot AND event_type NOT IN ('STARRED','FORKED')"));
eq('dev daily commits == stg non-bot commits', await one('SELECT sum(commit_count) FROM oso.int_developer_activity_daily'),
  await one("SELECT CAST(sum(amount) AS BIGINT) FROM oso.stg_github__events WHERE NOT is_bot AND event_type = 'COMMIT_CODE'"));
// project rollup: each artifact counted once per claiming project
eq('to_project amount == sum over claims', await one('SELECT sum(amount) FROM oso.int_events_daily_to_project'),
  await one('SELECT sum(e.amount) FROM oso.int_events_daily__github e JOIN oso.int_artifacts_by_project a USING (artifact_id)'));
eq('to_collection amount == distinct artifacts per collection', await one('SELECT sum(amount) FROM oso.int_events_daily_to_collection'),
  await one('SELECT sum(e.amount) FROM oso.int_events_daily__github e JOIN (SELECT DISTINCT collection_id, artifact_id FROM oso.int_projects_by_collection JOIN oso.int_artifacts_by_project USING (project_id)) m USING (artifact_id)'));
// marts
eq('artifact commits == stg commits on directory repos', await one('SELECT sum(commit_count) FROM oso.code_metrics_by_artifact_v1'),
  await one("SELECT CAST(sum(amount) AS BIGINT) FROM oso.stg_github__events e JOIN oso.stg_ossd__repositories r USING (artifact_id) WHERE event_type = 'COMMIT_CODE'"));
eq('project commits == sum of its artifacts', await rows('SELECT project_id, commit_count, star_count FROM oso.code_metrics_by_project_v1 ORDER BY 1'),
  await rows('SELECT p.project_id, CAST(COALESCE(sum(a.commit_count),0) AS BIGINT) AS commit_count, CAST(COALESCE(sum(a.star_count),0) AS BIGINT) AS star_count FROM oso.stg_ossd__projects p LEFT JOIN oso.int_artifacts_by_project m USING (project_id) LEFT JOIN oso.code_metrics_by_artifact_v1 a USING (artifact_id) GROUP BY 1 ORDER BY 1'));
eq('collection commits == distinct artifacts', await rows('SELECT collection_id, commit_count FROM oso.code_metrics_by_collection_v1 ORDER BY 1'),
  await rows('SELECT collection_id, CAST(sum(a.commit_count) AS BIGINT) AS commit_count FROM (SELECT DISTINCT collection_id, artifact_id FROM oso.int_projects_by_collection JOIN oso.int_artifacts_by_project USING (project_id)) m JOIN oso.code_metrics_by_artifact_v1 a USING (artifact_id) GROUP BY 1 ORDER BY 1'));
eq('project active devs from raw', await rows('SELECT project_id, active_developer_count FROM oso.code_metrics_by_project_v1 ORDER BY 1'),
  await rows("SELECT p.project_id, count(DISTINCT e.actor_id) AS active_developer_count FROM oso.stg_ossd__projects p LEFT JOIN oso.int_artifacts_by_project m USING (project_id) LEFT JOIN oso.stg_github__events e ON e.artifact_id = m.artifact_id AND NOT e.is_bot AND e.event_type NOT IN ('STARRED','FORKED') GROUP BY 1 ORDER BY 1"));
eq('project fulltime devs from raw', await rows('SELECT project_id, fulltime_developer_count FROM oso.code_metrics_by_project_v1 ORDER BY 1'),
  await rows("SELECT p.project_id, count(d.actor_id) FILTER (WHERE d.days >= 5) AS fulltime_developer_count FROM oso.stg_ossd__projects p LEFT JOIN (SELECT m.project_id, e.actor_id, count(DISTINCT CAST(e.event_time AS DATE)) AS days FROM oso.int_artifacts_by_project m JOIN oso.stg_github__events e ON e.artifact_id = m.artifact_id AND NOT e.is_bot AND e.event_type NOT IN ('STARRED','FORKED') GROUP BY 1, 2) d USING (project_id) GROUP BY 1 ORDER BY 1"));
eq('window == all-time when window covers all data', await one('SELECT count(*) FROM oso.code_metrics_by_project_v1 WHERE commit_count <> commit_count_window'), 0);
eq('latest activity == max day', await rows('SELECT project_id, CAST(last_active_day AS VARCHAR) d FROM oso.projects_v1 ORDER BY 1'),
  await rows('SELECT p.project_id, CAST(max(e.bucket_day) AS VARCHAR) d FROM oso.stg_ossd__projects p LEFT JOIN oso.int_events_daily_to_project e USING (project_id) GROUP BY 1 ORDER BY 1'));
eq('timeseries commits == project commits', await rows('SELECT project_id, CAST(sum(commit_count) AS BIGINT) c FROM oso.timeseries_events_by_project_daily_v1 GROUP BY 1 HAVING sum(commit_count) > 0 ORDER BY 1'),
  await rows('SELECT project_id, commit_count c FROM oso.code_metrics_by_project_v1 WHERE commit_count > 0 ORDER BY 1'));
eq('rolling 7d commits (self-join)', await rows('SELECT project_id, CAST(bucket_day AS VARCHAR) d, commit_count_7d FROM oso.timeseries_events_by_project_daily_v1 ORDER BY 1, 2'),
  await rows("SELECT a.project_id, CAST(a.bucket_day AS VARCHAR) d, CAST(sum(b.commit_count) AS BIGINT) commit_count_7d FROM oso.timeseries_events_by_project_daily_v1 a JOIN oso.timeseries_events_by_project_daily_v1 b ON a.project_id = b.project_id AND b.bucket_day BETWEEN a.bucket_day - INTERVAL 6 DAY AND a.bucket_day GROUP BY 1, 2 ORDER BY 1, 2"));
eq('directory counts', await rows('SELECT project_name, repository_count, collection_count FROM oso.projects_v1 ORDER BY 1'), await rows('SELECT project_name, repository_count, collection_count FROM oso.projects_v1 ORDER BY 1'));
console.log(await rows('SELECT project_name, repository_count, collection_count, CAST(last_active_day AS VARCHAR) last_active_day FROM oso.projects_v1 ORDER BY 1'));
console.log(await rows('SELECT collection_name, project_count, repository_count FROM oso.collections_v1 ORDER BY 1'));
console.log(await rows('SELECT project_name, commit_count, opened_pull_request_count AS prs_opened, merged_pull_request_count AS prs_merged, opened_issue_count AS issues, star_count, fork_count, active_developer_count AS devs, fulltime_developer_count AS ft FROM oso.code_metrics_by_project_v1 ORDER BY commit_count DESC'));
console.log(await rows('SELECT collection_name, project_count, commit_count, star_count, active_developer_count AS devs, fulltime_developer_count AS ft FROM oso.code_metrics_by_collection_v1 ORDER BY 1'));
console.log(await rows('SELECT artifact_namespace || \'/\' || artifact_name AS repo, commit_count, star_count, active_developer_count AS devs, fulltime_developer_count AS ft FROM oso.code_metrics_by_artifact_v1 ORDER BY commit_count DESC'));
console.log(await rows('SELECT project_id, CAST(last_active_day AS VARCHAR) d, events_on_last_active_day e, commits_on_last_active_day c FROM oso.int_project_latest_activity ORDER BY 1'));
console.log('checks failed:', bad);
