/**
 * Single-function Trino probes with the value Trino returns (sql-parsers.md §4.3 and the Trino
 * documentation). `value` is the DuckDB result cast to VARCHAR; `type` (when set) is DuckDB's
 * `typeof` of the result, asserted to catch DATE -> TIMESTAMP drift and integer-division drift.
 */
export interface Probe {
  /** Trino expression; selected as `v`. */
  expr: string
  /** Optional `FROM ...` clause (Trino) providing columns to the expression. */
  from?: string
  value: string | null
  type?: string
}

export const PROBES: readonly Probe[] = [
  // Integer division truncates in Trino.
  { expr: '7 / 2', value: '3', type: 'INTEGER' },
  { expr: '-7 / 2', value: '-3' },
  { expr: '7 / -2', value: '-3' },
  { expr: 'CAST(7 AS BIGINT) / 2', value: '3', type: 'BIGINT' },
  { expr: 'a / b', from: 'FROM (VALUES (9, 4)) AS t(a, b)', value: '2' },
  { expr: 'count(*) / 2', from: 'FROM (VALUES 1, 2, 3) AS t(x)', value: '1' },
  { expr: '7 / 2.0', value: '3.5' },
  { expr: 'CAST(7 AS DOUBLE) / 2', value: '3.5' },
  { expr: 'a / b', from: 'FROM (VALUES (7.0E0, 2)) AS t(a, b)', value: '3.5' },
  { expr: 'try(1 / 0)', value: null },
  // date_add: negative and column amounts, DATE stays DATE.
  { expr: "date_add('day', -7, DATE '2024-01-08')", value: '2024-01-01', type: 'DATE' },
  { expr: "date_add('day', 1, DATE '2024-01-31')", value: '2024-02-01', type: 'DATE' },
  { expr: "date_add('month', 1, DATE '2024-01-31')", value: '2024-02-29', type: 'DATE' },
  { expr: "date_add('week', 2, DATE '2024-01-01')", value: '2024-01-15', type: 'DATE' },
  { expr: "date_add('quarter', 1, DATE '2024-01-31')", value: '2024-04-30', type: 'DATE' },
  { expr: "date_add('year', -1, DATE '2024-02-29')", value: '2023-02-28', type: 'DATE' },
  { expr: "date_add('day', n, DATE '2024-01-01')", from: 'FROM (VALUES 3) AS t(n)', value: '2024-01-04', type: 'DATE' },
  { expr: "date_add('day', -n, CAST(d AS DATE))", from: "FROM (VALUES (2, '2024-01-03')) AS t(n, d)", value: '2024-01-01', type: 'DATE' },
  { expr: "date_add('hour', -2, TIMESTAMP '2024-01-01 01:00:00')", value: '2023-12-31 23:00:00' },
  { expr: "date_add('day', -1, TIMESTAMP '2024-01-01 00:00:00.000000')", value: '2023-12-31 00:00:00' },
  { expr: "date_add('millisecond', 1500, TIMESTAMP '2024-01-01 00:00:00')", value: '2024-01-01 00:00:01.5' },
  { expr: "DATE '2024-01-31' + INTERVAL '1' MONTH", value: '2024-02-29', type: 'DATE' },
  { expr: "DATE '2024-01-01' - INTERVAL '1' DAY", value: '2023-12-31', type: 'DATE' },
  { expr: "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '90' MINUTE", value: '2024-01-01 01:30:00' },
  // date_diff counts whole units in Trino.
  { expr: "date_diff('day', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:00:00')", value: '0' },
  { expr: "date_diff('month', DATE '2024-01-15', DATE '2024-02-14')", value: '0' },
  { expr: "date_diff('month', DATE '2024-01-15', DATE '2024-02-15')", value: '1' },
  { expr: "date_diff('day', DATE '2024-01-01', DATE '2024-03-01')", value: '60' },
  // Month/year ends follow Joda's rules (the end date on a month's last day counts as a full month).
  { expr: "date_diff('month', DATE '2024-01-31', DATE '2024-02-29')", value: '1' },
  { expr: "date_diff('month', DATE '2024-01-31', DATE '2024-02-28')", value: '0' },
  { expr: "date_diff('year', DATE '2020-02-29', DATE '2021-02-28')", value: '1' },
  { expr: "date_diff('day', DATE '2024-03-01', DATE '2024-01-01')", value: '-60' },
  { expr: "date_diff('hour', TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 05:59:00')", value: '5' },
  // date_trunc keeps DATE.
  { expr: "date_trunc('week', DATE '2024-01-10')", value: '2024-01-08', type: 'DATE' },
  { expr: "date_trunc('month', DATE '2024-01-10')", value: '2024-01-01', type: 'DATE' },
  { expr: "date_trunc('hour', TIMESTAMP '2024-01-10 10:30:00')", value: '2024-01-10 10:00:00' },
  // Epochs and formatting.
  { expr: 'from_unixtime(1704067200)', value: '2024-01-01 00:00:00' },
  { expr: 'year(from_unixtime(1704067200))', value: '2024' },
  { expr: "from_unixtime(1704067200) = TIMESTAMP '2024-01-01 00:00:00.000000'", value: 'true' },
  { expr: "CAST(to_unixtime(TIMESTAMP '2024-01-01 00:00:00') AS BIGINT)", value: '1704067200' },
  { expr: "format_datetime(TIMESTAMP '2024-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss')", value: '2024-01-02 03:04:05' },
  { expr: "format_datetime(DATE '2024-03-05', 'yyyyMMdd')", value: '20240305' },
  { expr: "date_format(TIMESTAMP '2024-01-02 03:04:05', '%Y-%m-%d %H:%i:%s')", value: '2024-01-02 03:04:05' },
  { expr: "date_parse('2024-01-02', '%Y-%m-%d')", value: '2024-01-02 00:00:00' },
  { expr: "day_of_week(DATE '2024-01-07')", value: '7' },
  // Time literals as the macro layer renders them.
  { expr: "TIMESTAMP '2024-01-01 00:00:00.000000'", value: '2024-01-01 00:00:00', type: 'TIMESTAMP' },
  { expr: "DATE '2024-01-01'", value: '2024-01-01', type: 'DATE' },
  { expr: "TIMESTAMP '2024-01-01 00:00:00.000000' < TIMESTAMP '2024-01-02 00:00:00.000000'", value: 'true' },
  { expr: "ds BETWEEN '2024-01-01' AND '2024-01-31'", from: "FROM (VALUES '2024-01-15') AS t(ds)", value: 'true' },
  { expr: "CAST(ds AS DATE) >= DATE '2024-01-01'", from: "FROM (VALUES '2024-01-15') AS t(ds)", value: 'true' },
  { expr: 'ts < 1704153600', from: 'FROM (VALUES 1704067200) AS t(ts)', value: 'true' },
  // Arrays, maps and lambdas.
  { expr: 'cardinality(ARRAY[1, 2, 3])', value: '3' },
  { expr: "cardinality(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))", value: '2' },
  { expr: 'cardinality(x)', from: 'FROM (SELECT ARRAY[1, 2] AS x) AS t', value: '2' },
  { expr: 'cardinality(m)', from: "FROM (SELECT MAP(ARRAY['a'], ARRAY[1]) AS m) AS t", value: '1' },
  { expr: 'cardinality(transform(ARRAY[1, 2], x -> x))', value: '2' },
  { expr: "cardinality(split('a,b,c', ','))", value: '3' },
  { expr: 'element_at(ARRAY[1, 2, 3], -1)', value: '3' },
  { expr: 'element_at(ARRAY[1, 2, 3], 5)', value: null },
  { expr: "element_at(MAP(ARRAY['a'], ARRAY[1]), 'a')", value: '1' },
  { expr: 'transform(ARRAY[1, 2], x -> x * 2)', value: '[2, 4]' },
  { expr: 'filter(ARRAY[1, 2, 3], x -> x > 1)', value: '[2, 3]' },
  { expr: 'reduce(ARRAY[1, 2, 3], 0, (s, x) -> s + x, s -> s)', value: '6' },
  { expr: 'reduce(ARRAY[1, 2, 3], 0, (s, x) -> s + x, s -> s * 10)', value: '60' },
  { expr: 'any_match(ARRAY[1, 2], x -> x > 1)', value: 'true' },
  { expr: 'any_match(ARRAY[1], x -> x > 1)', value: 'false' },
  { expr: 'all_match(ARRAY[1, 2], x -> x > 0)', value: 'true' },
  { expr: 'all_match(ARRAY[1, 2], x -> x > 1)', value: 'false' },
  { expr: 'none_match(ARRAY[1, 2], x -> x > 5)', value: 'true' },
  { expr: 'zip_with(ARRAY[1, 2], ARRAY[10, 20], (x, y) -> x + y)', value: '[11, 22]' },
  { expr: 'sequence(1, 5)', value: '[1, 2, 3, 4, 5]' },
  { expr: 'sequence(1, 5, 2)', value: '[1, 3, 5]' },
  { expr: 'slice(ARRAY[1, 2, 3, 4], 2, 2)', value: '[2, 3]' },
  { expr: 'slice(ARRAY[1, 2, 3, 4], -2, 2)', value: '[3, 4]' },
  { expr: "array_join(ARRAY['a', 'b'], ',')", value: 'a,b' },
  { expr: 'contains(ARRAY[1, 2], 2)', value: 'true' },
  { expr: 'array_distinct(ARRAY[1, 1, 2])', value: '[1, 2]' },
  { expr: 'array_max(ARRAY[1, 5, 2])', value: '5' },
  { expr: "split('a,b', ',')", value: '[a, b]' },
  { expr: "element_at(map_agg(k, v), 'b')", from: "FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v)", value: '2' },
  // Strings, hashes, JSON, URLs.
  { expr: "to_hex(md5(to_utf8('abc')))", value: '900150983CD24FB0D6963F7D28E17F72' },
  { expr: "lower(to_hex(sha256(to_utf8('abc'))))", value: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  { expr: "to_hex(sha1(to_utf8('abc')))", value: 'A9993E364706816ABA3E25717850C26C9CD0D89D' },
  { expr: "levenshtein_distance('kitten', 'sitting')", value: '3' },
  { expr: "regexp_extract('abc123', '[0-9]+')", value: '123' },
  { expr: "regexp_like('abc', 'b')", value: 'true' },
  { expr: "json_extract_scalar('{\"a\": \"x\"}', '$.a')", value: 'x' },
  { expr: "json_format(json_parse('[1,2]'))", value: '[1,2]' },
  { expr: "url_extract_host('https://example.com:8080/path?q=1')", value: 'example.com' },
  { expr: "url_extract_parameter('https://x.com/p?a=1&b=2', 'b')", value: '2' },
  { expr: "url_extract_parameter('https://x.com/p?a=1', 'b')", value: null },
  { expr: "strpos('hello', 'l')", value: '3' },
  { expr: "substr('hello', 2, 3)", value: 'ell' },
  { expr: "if(1 > 0, 'y', 'n')", value: 'y' },
  // Aggregates.
  { expr: 'approx_percentile(x, 0.5)', from: 'FROM (VALUES 1, 2, 3) AS t(x)', value: '2' },
  { expr: 'count_if(x > 1)', from: 'FROM (VALUES 1, 2, 3) AS t(x)', value: '2' },
  { expr: 'max_by(a, b)', from: "FROM (VALUES ('x', 1), ('y', 2)) AS t(a, b)", value: 'y' },
  { expr: 'approx_distinct(x)', from: 'FROM (VALUES 1, 2, 2) AS t(x)', value: '2' },
]

/** More Trino functions whose DuckDB spelling or semantics differ. */
export const MORE_PROBES: readonly Probe[] = [
  { expr: 'array_distinct(ARRAY[3, 1, 3, 2, 1])', value: '[3, 1, 2]' },
  { expr: 'array_sort(ARRAY[3, NULL, 1])', value: '[1, 3, NULL]' },
  { expr: 'array_union(ARRAY[1, 2], ARRAY[2, 3])', value: '[1, 2, 3]' },
  { expr: 'array_except(ARRAY[1, 2, 3], ARRAY[2])', value: '[1, 3]' },
  { expr: 'arrays_overlap(ARRAY[1, 2], ARRAY[2])', value: 'true' },
  { expr: 'array_remove(ARRAY[1, 2, 1], 1)', value: '[2]' },
  { expr: 'array_position(ARRAY[5, 6], 6)', value: '2' },
  { expr: 'array_min(ARRAY[4, 2, 9])', value: '2' },
  { expr: 'flatten(ARRAY[ARRAY[1], ARRAY[2, 3]])', value: '[1, 2, 3]' },
  { expr: "repeat('ab', 2)", value: '[ab, ab]' },
  { expr: 'concat(ARRAY[1], ARRAY[2])', value: '[1, 2]' },
  { expr: 'ARRAY[1] || ARRAY[2]', value: '[1, 2]' },
  { expr: "regexp_replace('abcb', 'b', 'x')", value: 'axcx' },
  { expr: "regexp_extract_all('a1b22', '[0-9]+')", value: '[1, 22]' },
  { expr: "format('%s-%d', 'a', 1)", value: 'a-1' },
  { expr: "split_part('a,b,c', ',', 2)", value: 'b' },
  { expr: "position('b' IN 'abc')", value: '2' },
  { expr: "codepoint('A')", value: '65' },
  { expr: 'bitwise_and(5, 3)', value: '1' },
  { expr: 'bitwise_or(5, 3)', value: '7' },
  { expr: 'round(2.5)', value: '3' },
  { expr: 'round(-2.5)', value: '-3' },
  { expr: 'CAST(2.5 AS INTEGER)', value: '3' },
  { expr: 'truncate(2.7)', value: '2' },
  { expr: 'mod(-7, 3)', value: '-1' },
  { expr: "week(DATE '2024-01-01')", value: '1' },
  { expr: "day_of_year(DATE '2024-02-01')", value: '32' },
  { expr: "quarter(DATE '2024-05-01')", value: '2' },
  { expr: "last_day_of_month(DATE '2024-02-10')", value: '2024-02-29', type: 'DATE' },
  { expr: "date(TIMESTAMP '2024-01-01 10:00:00')", value: '2024-01-01', type: 'DATE' },
  { expr: "from_iso8601_date('2024-01-02')", value: '2024-01-02', type: 'DATE' },
  { expr: "json_array_length('[1, 2]')", value: '2' },
  { expr: "CAST(json_extract('{\"a\": [1, 2]}', '$.a') AS ARRAY(INTEGER))", value: '[1, 2]' },
  { expr: "TRY_CAST('x' AS INTEGER)", value: null },
  { expr: "from_utf8(to_utf8('abc'))", value: 'abc' },
  { expr: 'sum(x)', from: 'FROM UNNEST(ARRAY[1, 2, 3]) AS t(x)', value: '6' },
  { expr: 'sum(v * i)', from: 'FROM (VALUES 1) AS o(k) CROSS JOIN UNNEST(ARRAY[10, 20]) WITH ORDINALITY AS t(v, i)', value: '50' },
  { expr: "listagg(x, ',') WITHIN GROUP (ORDER BY x)", from: "FROM (VALUES 'b', 'a') AS t(x)", value: 'a,b' },
  { expr: 'array_agg(x ORDER BY x DESC)', from: 'FROM (VALUES 1, 2) AS t(x)', value: '[2, 1]' },
  { expr: 'bool_and(x > 0)', from: 'FROM (VALUES 1, 2) AS t(x)', value: 'true' },
  { expr: 'arbitrary(x)', from: 'FROM (VALUES 7) AS t(x)', value: '7' },
]

/** UNNEST forms (Trino expands ROW elements and MAP entries into columns). */
export const UNNEST_PROBES: readonly Probe[] = [
  {
    expr: "string_agg(sku || ':' || CAST(qty AS VARCHAR), ',' ORDER BY sku)",
    from: "FROM (VALUES (1, ARRAY[ROW('a', 1), ROW('b', 2)])) AS o(id, items) CROSS JOIN UNNEST(items) AS i(sku, qty)",
    value: 'a:1,b:2',
  },
  {
    expr: 'sum(qty * pos)',
    from: "FROM (VALUES (1, ARRAY[ROW('a', 10), ROW('b', 20)])) AS o(id, items) CROSS JOIN UNNEST(items) WITH ORDINALITY AS i(sku, qty, pos)",
    value: '50',
  },
  {
    expr: 'sum(v)',
    from: "FROM (VALUES 1) AS o(id) CROSS JOIN UNNEST(MAP(ARRAY['a', 'b'], ARRAY[1, 2])) AS m(k, v)",
    value: '3',
  },
  {
    expr: "string_agg(CAST(x AS VARCHAR) || '-' || coalesce(CAST(y AS VARCHAR), 'null'), ',' ORDER BY x)",
    from: 'FROM (VALUES 1) AS o(id) CROSS JOIN UNNEST(ARRAY[1, 2], ARRAY[10]) AS z(x, y)',
    value: '1-10,2-null',
  },
  {
    expr: 'sum(x * n)',
    from: 'FROM (VALUES 1) AS o(id) CROSS JOIN UNNEST(ARRAY[5, 6], ARRAY[1, 1]) WITH ORDINALITY AS z(x, y, n)',
    value: '17',
  },
  { expr: 'count(*)', from: 'FROM (VALUES (1, ARRAY[7, 8])) AS o(id, arr), UNNEST(arr) AS u(x)', value: '2' },
]
