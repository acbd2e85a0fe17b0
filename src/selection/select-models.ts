/**
 * Resolve model selectors (see `selector.ts` for the syntax) against the project's models and DAG.
 * Every lookup structure is built at most once per call and every wildcard is compiled once per
 * atom, so selecting over tens of thousands of models takes milliseconds.
 */
import { PlanError } from '../errors.js'
import { closest } from '../util/similar.js'
import { globToRegExp, hasWildcard } from './glob.js'
import { parseSelector, type SelectorAtom, type SelectorNode } from './selector.js'

/** What the selector needs to know about a model. */
export interface SelectableModel {
  /** Fully qualified name (`oso.stg_github__events`); matched case-insensitively. */
  name: string
  /** The model's tags; matched case-insensitively. */
  tags: readonly string[]
}

/** The dependency graph, as the selector sees it (the `Dag` class fits). */
export interface SelectionGraph {
  /** All ancestors of the given models, excluding the given models themselves. */
  upstream(names: Iterable<string>): Set<string>
  /** All descendants of the given models, excluding the given models themselves. */
  downstream(names: Iterable<string>): Set<string>
}

/** Most suggestions listed in a `MODEL_NOT_FOUND` message. */
const MAX_SUGGESTIONS = 5

/**
 * The models (keys of `models`) selected by the union of `selectors`. Keys are expected to be the
 * model names; graph nodes that are not keys of `models` (external tables, ...) are never returned.
 * An empty `selectors` array selects nothing.
 * @throws PlanError `OPTION_INVALID` when a selector does not parse (before anything is evaluated).
 * @throws PlanError `MODEL_NOT_FOUND` when a whole selector selects no model; the message lists up
 *   to 5 close model names or tags.
 * @example selectModels(['+oso.int_events', 'tag:finance & ^tag:deprecated'], models, dag)
 */
export function selectModels(
  selectors: readonly string[],
  models: ReadonlyMap<string, SelectableModel>,
  graph: SelectionGraph,
): Set<string> {
  const parsed = selectors.map((text) => ({ text, node: parseSelector(text) }))
  const index = new ModelIndex(models, graph)
  const result = new Set<string>()
  for (const { text, node } of parsed) {
    const unmatched: SelectorAtom[] = []
    const selected = index.evaluate(node, unmatched)
    if (selected.size === 0) throw notFound(text, node, unmatched, index)
    for (const name of selected) result.add(name)
  }
  return result
}

/** Lazily built lookups over one models map; lives for one `selectModels` call. */
class ModelIndex {
  private byName: Map<string, string[]> | undefined
  private byTag: Map<string, string[]> | undefined

  constructor(
    readonly models: ReadonlyMap<string, SelectableModel>,
    private readonly graph: SelectionGraph,
  ) {}

  /** Lower-cased model name -> keys. */
  names(): Map<string, string[]> {
    if (!this.byName) {
      this.byName = new Map()
      for (const [key, model] of this.models) pushTo(this.byName, model.name.toLowerCase(), key)
    }
    return this.byName
  }

  /** Lower-cased tag -> keys of the models carrying it. */
  tags(): Map<string, string[]> {
    if (!this.byTag) {
      this.byTag = new Map()
      for (const [key, model] of this.models) {
        for (const tag of model.tags) pushTo(this.byTag, tag.toLowerCase(), key)
      }
    }
    return this.byTag
  }

  /** The set `node` selects; atoms that match nothing are appended to `unmatched`. */
  evaluate(node: SelectorNode, unmatched: SelectorAtom[]): Set<string> {
    switch (node.kind) {
      case 'model':
      case 'tag': {
        const found = node.kind === 'model' ? this.matchNames(node.pattern) : this.matchTags(node.pattern)
        if (found.size === 0) unmatched.push(node)
        return found
      }
      case 'lineage':
        return this.withLineage(this.evaluate(node.operand, unmatched), node.upstream, node.downstream)
      case 'not': {
        const excluded = this.evaluate(node.operand, unmatched)
        const out = new Set<string>()
        for (const key of this.models.keys()) if (!excluded.has(key)) out.add(key)
        return out
      }
      case 'and': {
        // Evaluate every operand (no short-circuit) so unmatched atoms are all reported.
        const sets = node.operands.map((op) => this.evaluate(op, unmatched)).sort((a, b) => a.size - b.size)
        const [smallest, ...rest] = sets
        const out = new Set<string>()
        for (const key of smallest ?? []) if (rest.every((s) => s.has(key))) out.add(key)
        return out
      }
      case 'or': {
        const out = new Set<string>()
        for (const op of node.operands) for (const key of this.evaluate(op, unmatched)) out.add(key)
        return out
      }
      default: {
        const never: never = node
        return never
      }
    }
  }

  private matchNames(pattern: string): Set<string> {
    if (!hasWildcard(pattern)) return new Set(this.names().get(pattern.toLowerCase()))
    const re = globToRegExp(pattern)
    const out = new Set<string>()
    for (const [key, model] of this.models) if (re.test(model.name)) out.add(key)
    return out
  }

  private matchTags(pattern: string): Set<string> {
    const tags = this.tags()
    if (!hasWildcard(pattern)) return new Set(tags.get(pattern.toLowerCase()))
    const re = globToRegExp(pattern)
    const out = new Set<string>()
    for (const [tag, keys] of tags) if (re.test(tag)) for (const key of keys) out.add(key)
    return out
  }

  private withLineage(base: Set<string>, upstream: boolean, downstream: boolean): Set<string> {
    if (base.size === 0) return base
    const out = new Set(base)
    const add = (names: Set<string>): void => {
      for (const n of names) if (this.models.has(n)) out.add(n)
    }
    if (upstream) add(this.graph.upstream(base))
    if (downstream) add(this.graph.downstream(base))
    return out
  }
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** The `MODEL_NOT_FOUND` error for a selector that selected nothing, with suggestions. */
function notFound(text: string, node: SelectorNode, unmatched: readonly SelectorAtom[], index: ModelIndex): PlanError {
  let message = `selector "${text}" matches no models`
  const isBareAtom = node.kind === 'model' || node.kind === 'tag'
  if (unmatched.length > 0 && !(isBareAtom && unmatched.length === 1)) {
    const list = unmatched.map((a) => `"${a.text}"`).join(', ')
    message += ` (${list} ${unmatched.length === 1 ? 'matches' : 'match'} nothing)`
  }
  const suggestions = suggest(unmatched, index)
  if (suggestions.length > 0) message += `; did you mean ${suggestions.join(', ')}?`
  return new PlanError('MODEL_NOT_FOUND', message)
}

/** Up to 5 model names or `tag:` values close to the atoms that matched nothing. */
function suggest(unmatched: readonly SelectorAtom[], index: ModelIndex): string[] {
  const out = new Set<string>()
  for (const atom of unmatched) {
    const target = literalCore(atom.pattern)
    const found =
      atom.kind === 'model'
        ? closest(target, [...index.models.values()].map((m) => m.name), { limit: MAX_SUGGESTIONS })
        : closest(target, index.tags().keys(), { limit: MAX_SUGGESTIONS }).map((t) => `tag:${t}`)
    for (const s of found) out.add(s)
  }
  return [...out].slice(0, MAX_SUGGESTIONS)
}

/** The pattern itself when it has no wildcard, else its longest wildcard-free piece. */
function literalCore(pattern: string): string {
  if (!hasWildcard(pattern)) return pattern
  const pieces = pattern.split(/\*|\?|\[[^\]]*\]?/)
  return pieces.reduce((best, p) => (p.length > best.length ? p : best), '')
}
