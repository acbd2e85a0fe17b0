import { describe, expect, it } from 'vitest'
import { MacroError } from '../../../src/errors.js'
import { createMacroRegistry, renderSql, type RenderOptions, type UserMacro } from '../../../src/macros/index.js'

const DAY = [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)] as const

function opts(extra: Partial<RenderOptions> = {}): RenderOptions {
  return {
    dialect: 'trino',
    variables: {
      name: "O'Brien",
      n: 42,
      ratio: 1.5,
      flag: true,
      off: false,
      nothing: null,
      list: ['a', 'b'],
      nums: [1, 2, 3],
      empty: [],
      Mixed_Case: 'mc',
      part: 'day',
      obj: { a: 1 },
    },
    thisModel: '"db"."oso"."tbl__v1"',
    interval: DAY,
    executionTime: Date.UTC(2024, 0, 3),
    location: { file: 'models/t.sql', line: 10 },
    ...extra,
  }
}

const r = (sql: string, extra: Partial<RenderOptions> = {}): string => renderSql(sql, opts(extra))

function catchError(fn: () => unknown): MacroError {
  try {
    fn()
  } catch (e) {
    if (e instanceof MacroError) return e
    throw e
  }
  throw new Error('expected a MacroError')
}

describe('renderSql: text that is not a macro', () => {
  it('returns SQL without @ unchanged', () => {
    const sql = 'SELECT 1 -- x\n'
    expect(r(sql)).toBe(sql)
  })

  it('never touches strings, quoted identifiers or comments', () => {
    const sql = `SELECT '@start_ds', "@n", \`@n\` -- @unknown_thing\n/* @start_ds @{x} */ FROM t WHERE a = @n`
    expect(r(sql)).toBe(`SELECT '@start_ds', "@n", \`@n\` -- @unknown_thing\n/* @start_ds @{x} */ FROM t WHERE a = 42`)
  })

  it('keeps whitespace, comments and layout byte for byte around macros', () => {
    const sql = 'SELECT\n\t a ,  -- c1\n  b\r\nFROM t  /* k */ WHERE x=@n;\n'
    expect(r(sql)).toBe('SELECT\n\t a ,  -- c1\n  b\r\nFROM t  /* k */ WHERE x=42;\n')
  })

  it('leaves a lone @ alone', () => {
    expect(r('SELECT a @ b, @n')).toBe('SELECT a @ b, 42')
  })
})

describe('renderSql: project variables', () => {
  it.each([
    ['@name', "'O''Brien'"],
    ['@n', '42'],
    ['@ratio', '1.5'],
    ['@flag', 'TRUE'],
    ['@off', 'FALSE'],
    ['@nothing', 'NULL'],
    ['@list', "('a', 'b')"],
    ['@nums', '(1, 2, 3)'],
    ['@empty', '(NULL)'],
  ])('%s -> %s', (sql, expected) => {
    expect(r(sql)).toBe(expected)
  })

  it('matches variable names case-insensitively in both directions', () => {
    expect(r('@NAME @mixed_case @MIXED_CASE')).toBe("'O''Brien' 'mc' 'mc'")
  })

  it('renders x IN @list', () => {
    expect(r('WHERE x IN @list')).toBe("WHERE x IN ('a', 'b')")
  })

  it('rejects a variable with no SQL form', () => {
    const e = catchError(() => r('SELECT @obj'))
    expect(e.code).toBe('MACRO_INVALID')
    expect(e.message).toContain('@obj')
  })

  it('@this_model renders the given table text', () => {
    expect(r('SELECT * FROM @this_model WHERE ts < @start_dt')).toBe(
      `SELECT * FROM "db"."oso"."tbl__v1" WHERE ts < TIMESTAMP '2024-01-01 00:00:00.000000'`,
    )
  })
})

describe('renderSql: @VAR', () => {
  it('reads a project variable as a literal, case-insensitively', () => {
    expect(r("@VAR('name'), @var('N'), @Var(\"list\")")).toBe("'O''Brien', 42, ('a', 'b')")
  })
  it('uses the default (raw SQL, rendered) when the variable is missing', () => {
    expect(r("@VAR('missing', 7)")).toBe('7')
    expect(r("@VAR('missing', @start_ds)")).toBe("'2024-01-01'")
    expect(r("@VAR('n', 7)")).toBe('42')
  })
  it('renders NULL for a missing variable without default', () => {
    expect(r("@VAR('missing')")).toBe('NULL')
  })
  it('rejects wrong arity', () => {
    expect(catchError(() => r('@VAR()')).code).toBe('MACRO_INVALID')
    expect(catchError(() => r("@VAR('a', 1, 2)")).code).toBe('MACRO_INVALID')
  })
})

describe('renderSql: @{name} interpolation', () => {
  it('interpolates a variable as raw identifier text', () => {
    expect(r('all_dates.date_@{part}, @{n}_x')).toBe('all_dates.date_day, 42_x')
  })
  it('unquotes string defs and time variables', () => {
    expect(r('col_@{p}', { defs: [{ name: 'p', expr: "'hour'" }] })).toBe('col_hour')
    expect(r('t_@{start_ds}')).toBe('t_2024-01-01')
  })
  it('reports an unknown name', () => {
    const e = catchError(() => r('x_@{nope}'))
    expect(e.code).toBe('MACRO_UNKNOWN')
    expect(e.message).toContain('nope')
  })
})

describe('renderSql: @DEF definitions', () => {
  it('defs win over project variables', () => {
    expect(r('@n', { defs: [{ name: 'n', expr: '1' }] })).toBe('1')
  })
  it('def expressions are rendered and may use other defs and macros', () => {
    const defs = [
      { name: 'threshold', expr: "DATE('2024-01-01')" },
      { name: 'lo', expr: '@threshold' },
      { name: 'window_start', expr: '@start_ds' },
      { name: 'full_time_days', expr: '@n * 2' },
    ]
    expect(r('@lo, @window_start, @FULL_TIME_DAYS', { defs })).toBe("DATE('2024-01-01'), '2024-01-01', 42 * 2")
  })
  it('detects self-reference', () => {
    const e = catchError(() => r('@a', { defs: [{ name: 'a', expr: '@b' }, { name: 'b', expr: '@a + 1' }] }))
    expect(e.code).toBe('MACRO_INVALID')
    expect(e.message).toMatch(/refers to itself/)
  })
  it('an inline @DEF defines a local and is removed with its semicolon', () => {
    expect(r('@DEF(x, @n + 1);\nSELECT @x AS v;')).toBe('\nSELECT 42 + 1 AS v;')
    expect(r('@DEF("full_time_days", 10); SELECT @full_time_days')).toBe(' SELECT 10')
  })
})

describe('renderSql: @IF, @AND, @OR', () => {
  it.each([
    ['@IF(TRUE, a, b)', 'a'],
    ['@IF(false, a, b)', 'b'],
    ['@IF(FALSE, a)', ''],
    ["@IF(@part = 'day', DATE_TRUNC('day', x), x)", "DATE_TRUNC('day', x)"],
    ["@IF(@runtime_stage = 'loading', 0, 1)", '1'],
    ['@IF(@n > 40 AND NOT @off, big, small)', 'big'],
    ['@IF(@nothing IS NULL, yes, no)', 'yes'],
    ["@IF(@end_ds <> '2024-01-01', moved, same)", 'same'],
    ['@IF (1 = 2, a, b)', 'b'],
  ])('%s -> %s', (sql, expected) => {
    expect(r(sql)).toBe(expected)
  })
  it('does not render the dropped branch', () => {
    expect(r('@IF(TRUE, ok, @not_defined_anywhere)')).toBe('ok')
  })
  it('rejects a non-constant condition', () => {
    const e = catchError(() => r('@IF(col > 1, a, b)'))
    expect(e.code).toBe('MACRO_INVALID')
    expect(e.message).toContain('col > 1')
  })
  it('@AND joins non-empty, non-NULL conditions', () => {
    expect(r('@AND(a = 1, NULL, b = 2)')).toBe('(a = 1) AND (b = 2)')
    expect(r('@AND(a = 1)')).toBe('a = 1')
    expect(r('@OR(@IF(FALSE, x = 1), NULL)')).toBe('FALSE')
  })
})

describe('renderSql: user macros', () => {
  const seen: Array<{ args: string[]; stage: string; dialect: string }> = []
  const oso_id: UserMacro = (ctx, ...args) => {
    seen.push({ args, stage: ctx.runtimeStage, dialect: ctx.dialect })
    return ctx.dialect === 'trino' ? `to_base64(sha256(to_utf8(concat(${args.join(', ')}))))` : `sha256(concat(${args.join(', ')}))`
  }
  const macros = createMacroRegistry({
    oso_id,
    oso_source: (_ctx, table) => `src.${(table ?? '').replaceAll("'", '').split('.').pop()}`,
    stub: (ctx) => (ctx.runtimeStage === 'loading' ? "'someid'" : `'${ctx.thisModel}'`),
    boom: () => {
      throw new Error('kaput')
    },
    asyncish: (() => Promise.resolve('x')) as unknown as UserMacro,
  })

  it('calls a macro with rendered raw argument SQL and splices the result', () => {
    seen.length = 0
    const sql = "SELECT @OSO_ID(@n, 'a,b', f(x, y)) FROM @oso_source('bigquery.ds.tbl') AS t"
    expect(r(sql, { macros })).toBe(
      "SELECT to_base64(sha256(to_utf8(concat(42, 'a,b', f(x, y))))) FROM src.tbl AS t",
    )
    expect(seen).toEqual([{ args: ['42', "'a,b'", 'f(x, y)'], stage: 'evaluating', dialect: 'trino' }])
  })
  it('passes the dialect and the runtime stage', () => {
    expect(r('@oso_id(a)', { macros, dialect: 'duckdb' })).toBe('sha256(concat(a))')
    expect(r('@stub()', { macros, interval: undefined })).toBe("'someid'")
    expect(r('@stub', { macros })).toBe(`'"db"."oso"."tbl__v1"'`)
  })
  it('nests macro calls in arguments', () => {
    expect(r('@oso_id(@oso_source(x), @VAR(n))', { macros })).toBe('to_base64(sha256(to_utf8(concat(src.x, 42))))')
  })
  it('wraps a throwing macro in MACRO_INVALID with the call line', () => {
    const e = catchError(() => r('SELECT\n  @boom()', { macros }))
    expect(e.code).toBe('MACRO_INVALID')
    expect(e.location).toEqual({ file: 'models/t.sql', line: 11 })
    expect(e.cause).toBeInstanceOf(Error)
  })
  it('rejects an async macro', () => {
    expect(catchError(() => r('@asyncish()', { macros })).message).toMatch(/synchronous/)
  })
})

describe('renderSql: unknown macros', () => {
  it('reports the real file line (3rd SQL line, location line 10 -> 12)', () => {
    const e = catchError(() => r("SELECT a,\n  '@x' AS s, /* @y\n */ @strat_ds AS b\nFROM t"))
    expect(e.code).toBe('MACRO_UNKNOWN')
    expect(e.location).toEqual({ file: 'models/t.sql', line: 12 })
    expect(e.message).toContain('@strat_ds')
    expect(e.message).toContain('@start_ds')
    expect(e.format()).toMatch(/^models\/t\.sql:12: unknown macro @strat_ds/)
  })
  it('reports unknown function macros with close names', () => {
    const macros = createMacroRegistry({ oso_id: () => 'x' })
    const e = catchError(() => r('SELECT\n@oso_idd(a)', { macros }))
    expect(e.code).toBe('MACRO_UNKNOWN')
    expect(e.location?.line).toBe(11)
    expect(e.message).toMatch(/@oso_idd.*did you mean @oso_id/)
  })
  it('gives no suggestion when nothing is close', () => {
    const e = catchError(() => r('@zzzzzzzzzz'))
    expect(e.message).not.toContain('did you mean')
  })
  it('reports a variable called like a function', () => {
    expect(catchError(() => r('@start_ds(1)')).code).toBe('MACRO_UNKNOWN')
  })
  it('reports an unclosed call', () => {
    expect(catchError(() => r('@VAR(\'n\'')).code).toBe('MACRO_INVALID')
  })
})

describe('renderSql: speed', () => {
  it('renders a ~3 KB model with 30 macros well under 0.1 ms per macro', () => {
    const line = "  SUM(CASE WHEN e.kind = 'x' THEN e.amount ELSE 0 END) AS total_x, -- comment\n"
    const body = `SELECT\n${line.repeat(30)}  @n AS n\nFROM src e\nWHERE e.ts BETWEEN @start_dt AND @end_dt\n`
    const sql = `${body}${'  AND e.k IN @list AND e.d >= @start_ds AND e.d <= @end_ds\n'.repeat(12)}`
    expect(sql.length).toBeGreaterThan(3000)
    const macroCount = (sql.match(/@/g) ?? []).length
    for (let i = 0; i < 50; i++) r(sql) // warm up
    const runs = 300
    const t0 = performance.now()
    for (let i = 0; i < runs; i++) r(sql)
    const perMacro = (performance.now() - t0) / runs / macroCount
    expect(perMacro).toBeLessThan(0.1)
  })
})
