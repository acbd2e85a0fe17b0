import type { VersionStore } from './version-store.js'

/** What consumers saw after a tag moved, checked through the engine (e.g. `iceberg_consumer`). */
export interface ConsumerCheck {
  /** The catalog readers use for the tag, e.g. `iceberg_consumer`. */
  catalog: string
  /** True when a query through that catalog returned what the target commit holds. */
  verified: boolean
  /** What was checked, for the report (e.g. `oso.events: metadata 00004-… as of the target`). */
  detail: string
}

/**
 * A gateway whose data lives in a versioned catalog (Trino + Nessie): where promotions happen.
 * Engines without one (DuckDB) have no promotion target.
 */
export interface PromotionTarget {
  store: VersionStore
  /** Branch runs merge into, e.g. `main`. */
  mainBranch: string
  /** Tag consumers read when `--tag` is not given, e.g. `consumer`. */
  defaultTag: string
  /**
   * After `tag` moved to `hash`: make readers of the tag see it (Trino pins a tag's catalog to the
   * hash it first read, so its catalog is re-created) and check with a query that they do.
   * `previous` (where the tag was) lets the check pick a table that differs between the two.
   */
  refreshConsumers(tag: string, hash: string, previous?: string): Promise<ConsumerCheck>
}
