/** `2024-01-01` when midnight UTC, else `2024-01-01 05:00`. */
export function fmtTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ')
}

/** `[start, end)` intervals as compact text: `2024-01-01 .. 2024-01-08`. */
export function fmtRange(iv: readonly [number, number]): string {
  return `${fmtTime(iv[0])} .. ${fmtTime(iv[1])}`
}

export function fmtDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
