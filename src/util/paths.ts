/** Hidden per-project folder for the embedded warehouse, state and caches. */
export const WORK_DIR = '.tributary'
