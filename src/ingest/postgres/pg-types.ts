/**
 * The Postgres column model of the ingest path and its mapping onto DuckDB types.
 *
 * Every supported type maps exactly (no rounding, no lost range except where noted); anything
 * else (arrays, enums, domains, ranges, geometric types, timetz, money, …) travels as Postgres'
 * own text form in a VARCHAR: the COPY select casts that column `::text` (see {@link selectExpression}).
 */
import { quoteIdent } from '../../sql/quote.js'

/** One column of a Postgres table or query, as described by the catalog. */
export interface PgColumn {
  /** Column name, unquoted. */
  name: string
  /** `pg_attribute.atttypid`, e.g. 1700 for numeric. */
  typeOid: number
  /** `pg_attribute.atttypmod`; -1 when unconstrained. For numeric(p,s) it is `((p << 16) | s) + 4`. */
  typmod: number
  /** format_type(), e.g. 'numeric(12,2)' */
  pgType: string
  /** False when the column is declared NOT NULL. */
  nullable: boolean
}

/** Built-in type OIDs (fixed across Postgres versions, see pg_type.dat). */
export const PG_OID = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const

/**
 * How a column's binary COPY field is decoded, which is also its DuckDB physical layout.
 * `varchar` covers text-like types and every column cast to `::text`.
 */
export type DecodeKind =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'oid'
  | 'float4'
  | 'float8'
  | 'decimal'
  | 'numericText'
  | 'varchar'
  | 'json'
  | 'jsonb'
  | 'bytea'
  | 'uuid'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'

/** The decoding plan of one column. */
export interface ColumnPlan {
  kind: DecodeKind
  /** DuckDB SQL type, e.g. 'DECIMAL(12,2)'. */
  duckdbType: string
  /** Bytes per row in the DuckDB vector (16 for strings: a `duckdb_string_t`). */
  width: number
  /** DECIMAL only: precision and scale. */
  precision?: number
  scale?: number
}

/** DuckDB's widest DECIMAL. */
const MAX_DECIMAL_PRECISION = 38

/** numeric(p,s) typmod -> {p, s}; Postgres 15+ allows a negative scale or one above p. */
export function numericTypmod(typmod: number): { precision: number; scale: number } | undefined {
  if (typmod < 4) return undefined
  const t = typmod - 4
  return { precision: (t >> 16) & 0xffff, scale: ((t & 0x7ff) ^ 1024) - 1024 }
}

function decimalWidth(precision: number): number {
  if (precision <= 4) return 2
  if (precision <= 9) return 4
  if (precision <= 18) return 8
  return 16
}

/** True for `citext` and other extension types that are text on the wire, recognised by name. */
function isTextLikeByName(pgType: string): boolean {
  return /^(?:[a-z_][a-z0-9_]*\.)?"?citext"?$/i.test(pgType)
}

const FIXED: Partial<Record<number, ColumnPlan>> = {
  [PG_OID.bool]: { kind: 'bool', duckdbType: 'BOOLEAN', width: 1 },
  [PG_OID.int2]: { kind: 'int2', duckdbType: 'SMALLINT', width: 2 },
  [PG_OID.int4]: { kind: 'int4', duckdbType: 'INTEGER', width: 4 },
  [PG_OID.int8]: { kind: 'int8', duckdbType: 'BIGINT', width: 8 },
  [PG_OID.oid]: { kind: 'oid', duckdbType: 'UINTEGER', width: 4 },
  [PG_OID.float4]: { kind: 'float4', duckdbType: 'FLOAT', width: 4 },
  [PG_OID.float8]: { kind: 'float8', duckdbType: 'DOUBLE', width: 8 },
  [PG_OID.text]: { kind: 'varchar', duckdbType: 'VARCHAR', width: 16 },
  [PG_OID.varchar]: { kind: 'varchar', duckdbType: 'VARCHAR', width: 16 },
  [PG_OID.bpchar]: { kind: 'varchar', duckdbType: 'VARCHAR', width: 16 },
  [PG_OID.name]: { kind: 'varchar', duckdbType: 'VARCHAR', width: 16 },
  [PG_OID.json]: { kind: 'json', duckdbType: 'JSON', width: 16 },
  [PG_OID.jsonb]: { kind: 'jsonb', duckdbType: 'JSON', width: 16 },
  [PG_OID.bytea]: { kind: 'bytea', duckdbType: 'BLOB', width: 16 },
  [PG_OID.uuid]: { kind: 'uuid', duckdbType: 'UUID', width: 16 },
  [PG_OID.date]: { kind: 'date', duckdbType: 'DATE', width: 4 },
  [PG_OID.time]: { kind: 'time', duckdbType: 'TIME', width: 8 },
  [PG_OID.timestamp]: { kind: 'timestamp', duckdbType: 'TIMESTAMP', width: 8 },
  [PG_OID.timestamptz]: { kind: 'timestamptz', duckdbType: 'TIMESTAMPTZ', width: 8 },
  [PG_OID.interval]: { kind: 'interval', duckdbType: 'INTERVAL', width: 16 },
}

const TEXT_PLAN: ColumnPlan = { kind: 'varchar', duckdbType: 'VARCHAR', width: 16 }

/**
 * The decoding plan of a column.
 *
 * numeric(p,s) with 1 ≤ p ≤ 38 and 0 ≤ s ≤ p becomes DECIMAL(p,s) (a NaN in such a column cannot be
 * stored and fails the copy). Unconstrained numeric, p > 38, and Postgres 15's negative or
 * larger-than-precision scales become VARCHAR holding the exact text (`'NaN'`, `'Infinity'` included):
 * DOUBLE would round, and no DuckDB DECIMAL holds 1000 digits.
 */
export function planColumn(c: PgColumn): ColumnPlan {
  if (c.typeOid === PG_OID.numeric) {
    const t = numericTypmod(c.typmod)
    if (t && t.precision >= 1 && t.precision <= MAX_DECIMAL_PRECISION && t.scale >= 0 && t.scale <= t.precision) {
      return { kind: 'decimal', duckdbType: `DECIMAL(${t.precision},${t.scale})`, width: decimalWidth(t.precision), precision: t.precision, scale: t.scale }
    }
    return { kind: 'numericText', duckdbType: 'VARCHAR', width: 16 }
  }
  return FIXED[c.typeOid] ?? TEXT_PLAN
}

/** DuckDB SQL type for a Postgres column, e.g. 'BIGINT', 'DECIMAL(12,2)', 'TIMESTAMPTZ', 'VARCHAR'. */
export function duckdbTypeFor(c: PgColumn): string {
  return planColumn(c).duckdbType
}

/** True when the column's binary form is decoded natively (false: it is read as `::text`). */
export function isNativelyDecoded(c: PgColumn): boolean {
  return c.typeOid === PG_OID.numeric || FIXED[c.typeOid] !== undefined || isTextLikeByName(c.pgType)
}

/** `"col"` for natively decoded columns, `"col"::text` for everything else (arrays, enums, …). */
export function selectExpression(c: PgColumn): string {
  const quoted = quoteIdent(c.name)
  return isNativelyDecoded(c) ? quoted : `${quoted}::text`
}
