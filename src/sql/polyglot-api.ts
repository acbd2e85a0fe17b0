import type * as PolyglotSdk from '@polyglot-sql/sdk'

/**
 * The part of `@polyglot-sql/sdk` the SQL layer uses. Kept as a type so that importing the SQL
 * layer does not instantiate the 23 MB WASM; only `loadPolyglot()` does.
 */
export type PolyglotApi = Pick<typeof PolyglotSdk, 'parse' | 'generate' | 'transpile'>

let loading: Promise<PolyglotApi> | undefined

/**
 * Imports polyglot and initializes its WASM once per process (~0.2-0.4 s); later calls share the
 * same promise. A failed load is not cached, so a later call retries.
 */
export function loadPolyglot(): Promise<PolyglotApi> {
  loading ??= import('@polyglot-sql/sdk').then(
    async (sdk) => {
      await sdk.init()
      return sdk
    },
    (err: unknown) => {
      loading = undefined
      throw err
    },
  )
  return loading
}

/** polyglot types dialects as a string enum; ours are the same strings. */
export function pg(dialect: string): PolyglotSdk.Dialect {
  return dialect as PolyglotSdk.Dialect
}
