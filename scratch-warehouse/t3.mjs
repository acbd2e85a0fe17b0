import { init, transpile } from '@polyglot-sql/sdk';
await init();
for (const s of ["SELECT a, b, FROM t", "SELECT x LIKE '%[bot]' AS is_bot, COUNT_IF(a > 1) FROM t GROUP BY 1"]) {
  for (const d of ['trino', 'duckdb']) { const r = transpile(s, 'trino', d); console.log(d, r.success ? r.sql : r.error); }
}
