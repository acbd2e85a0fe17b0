/** A half-open time interval `[start, end)` in epoch milliseconds, UTC. */
export type Interval = readonly [start: number, end: number]

/** Interval units, as SQLMesh derives them from a model's cron. */
export type IntervalUnit = 'year' | 'month' | 'day' | 'hour' | 'half_hour' | 'quarter_hour' | 'five_minute'
