/**
 * DuckDB macros that give transpiled Trino SQL Trino's meaning. Two groups:
 *
 * - Trino function names polyglot passes through untranslated (`approx_percentile`, `slice`,
 *   ...), defined under their Trino name so the transpiled text can keep it.
 * - `trino_*` helpers that `transpile-fixes.ts` rewrites Trino constructs into (integer
 *   division, `cardinality` of unknown type, hex digests, `from_unixtime`, Joda formats).
 *
 * All are `TEMP` macros: they live in the connection, not in the database file, so a persistent
 * DuckDB file is not modified and the engine must run the prelude on every new connection.
 */
const MACROS: readonly string[] = [
  // Integer division: DuckDB's `//` truncates toward zero on integers (Trino's `/`) and is plain
  // division on DOUBLE/DECIMAL, so it is right whatever the operand types.
  'trino_div(a, b) AS a // b',
  // cardinality() of an argument whose type is unknown: DuckDB's cardinality() takes only MAPs
  // and len() only lists; JSON-encoding answers both.
  `trino_cardinality(x) AS CAST(CASE json_type(to_json(x)) WHEN 'ARRAY' THEN json_array_length(to_json(x)) ELSE len(json_keys(to_json(x))) END AS BIGINT)`,
  'trino_map_cardinality(x) AS CAST(len(map_keys(x)) AS BIGINT)',
  // to_hex(md5(to_utf8(x))): DuckDB's digests already return lower-case hex text.
  'trino_md5_hex(x) AS upper(md5(x))',
  'trino_sha1_hex(x) AS upper(sha1(x))',
  'trino_sha256_hex(x) AS upper(sha256(x))',
  // from_unixtime(seconds): a UTC TIMESTAMP with millisecond precision (Trino rounds to millis).
  'trino_from_unixtime(x) AS make_timestamp(CAST(round(CAST(x AS DOUBLE) * 1000) AS BIGINT) * 1000)',
  'from_unixtime(x) AS trino_from_unixtime(x)',
  // format_datetime(x, joda) after the pattern was converted to strftime codes.
  'trino_strftime(x, f) AS strftime(x, f)',
  // Trino names with a different DuckDB spelling.
  'approx_percentile(x, p) AS approx_quantile(x, p)',
  'levenshtein_distance(a, b) AS levenshtein(a, b)',
  'json_parse(s) AS json(s)',
  'array_join(l, sep) AS array_to_string(l, sep)',
  'sequence(a, b) AS generate_series(a, b), (a, b, step) AS generate_series(a, b, step)',
  // slice(l, start, length): Trino takes a length (and a negative start counts from the end).
  'slice(l, s, n) AS list_slice(l, s, CASE WHEN s < 0 THEN least(s + n - 1, -1) ELSE s + n - 1 END)',
  "url_extract_host(u) AS nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)', 1), '')",
  "url_extract_parameter(u, k) AS CASE WHEN regexp_matches(u, '[?&]' || k || '=') THEN regexp_extract(u, '[?&]' || k || '=([^&#]*)', 1) END",
  'map_agg(k, v) AS map(list(k), list(v))',
  'arrays_overlap(a, b) AS list_has_any(a, b)',
  'codepoint(s) AS unicode(s)',
  'bitwise_and(a, b) AS a & b',
  'bitwise_or(a, b) AS a | b',
  'bitwise_xor(a, b) AS xor(a, b)',
  // Order-preserving distinct (first occurrence wins, one NULL kept), as in Trino.
  'trino_array_distinct(l) AS list_filter(l, (v, i) -> list_position(l, v) = i)',
  'array_union(a, b) AS trino_array_distinct(list_concat(a, b))',
  'trino_array_except(a, b) AS CASE WHEN b IS NOT NULL THEN list_filter(trino_array_distinct(a), e -> list_position(b, e) IS NULL) END',
  'trino_flatten(l) AS flatten(l)',
  'trino_repeat(x, n) AS list_transform(range(n), i -> x)',
]

/**
 * Statements to run once per DuckDB connection before executing transpiled Trino SQL.
 *
 * @example for (const s of duckdbPrelude()) await conn.run(s)
 */
export function duckdbPrelude(): string[] {
  return MACROS.map((m) => `CREATE OR REPLACE TEMP MACRO ${m}`)
}
