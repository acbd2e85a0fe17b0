import { init, transpile } from '@polyglot-sql/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
await init();
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
await c.run(`CREATE TABLE t AS SELECT * FROM (VALUES (1, 2, 'ab/cd', TIMESTAMP '2024-01-05 10:11:12', DATE '2024-01-05', [1,2]), (3, 4, 'x/y', TIMESTAMP '2024-01-06 10:00:00', DATE '2024-01-06', [3])) v(a, b, x, event_time, d, arr)`);
const tests = process.argv.slice(2).length ? process.argv.slice(2) : [
 "SELECT to_hex(sha256(to_utf8(x))) FROM t",
 "SELECT lower(to_hex(md5(to_utf8(x)))) FROM t",
 "SELECT max_by(a, b), min_by(a,b), arbitrary(a) FROM t",
 "SELECT day_of_week(d), year(d), format_datetime(event_time, 'yyyy-MM') FROM t",
 "SELECT date_format(event_time, '%Y-%m-%d') FROM t",
 "SELECT date_add('day', -30, CAST('2024-01-20' AS DATE))",
 "SELECT array_join(array_agg(x), ',') FROM t",
 "SELECT approx_percentile(a, 0.5) FROM t",
 "SELECT cardinality(arr) FROM t",
 "SELECT regexp_extract(x, '([a-z]+)/', 1) FROM t",
 "SELECT * FROM t CROSS JOIN UNNEST(sequence(DATE '2024-01-01', DATE '2024-01-03', INTERVAL '1' DAY)) AS s(dd)",
 "SELECT * FROM UNNEST(sequence(DATE '2024-01-01', DATE '2024-01-03')) AS s(dd)",
 "SELECT date_diff('day', DATE '2024-01-01', d) FROM t",
 "SELECT a / b, 7/2 FROM t",
 "SELECT CAST(event_time AS DATE), date_trunc('day', event_time), date_trunc('week', event_time), date_trunc('month', d) FROM t",
 "SELECT date_add('day', 30 - 1, d) FROM t",
 "SELECT count_if(a > 1) FROM t",
 "SELECT approx_distinct(x) FROM t",
 "SELECT split(x, '/')[1], element_at(split(x, '/'), 2) FROM t",
 "SELECT to_iso8601(d) FROM t",
 "SELECT hour(event_time), day(d), month(d), week(d) FROM t",
 "SELECT CAST(a AS DECIMAL(18,2)) FROM t",
 "SELECT concat_ws('/', x, x) FROM t",
 "SELECT strpos(x, '/'), substr(x, 1, 2), length(x), reverse(x), replace(x, '/', '_') FROM t",
 "SELECT from_unixtime(1704067200)",
 "SELECT typeof(CAST(x AS VARCHAR)) FROM t",
 "SELECT DATE '2024-01-20' - INTERVAL '29' DAY",
 "SELECT CAST(DATE '2024-01-20' - INTERVAL '29' DAY AS DATE)",
 "SELECT last_day_of_month(d) FROM t",
 "SELECT date_trunc('day', TIMESTAMP '2024-01-05 10:00:00') = DATE '2024-01-05'",
];
for (const s of tests) { const r = transpile(s, 'trino', 'duckdb'); const out = r.success ? r.sql.join(';') : null;
  let res; try { res = out ? JSON.stringify((await c.runAndReadAll(out)).getRowObjectsJS(), (k,v)=> typeof v==='bigint'? Number(v): v) : 'ERR '+r.error } catch(e) { res = 'DUCKDB ERR: ' + e.message.split('\n')[0] }
  console.log(s, '\n   =>', out, '\n   ->', res); }
