import { describe, expect, it } from 'vitest'
import { Dag } from '../../../src/dag/graph.js'
import { EngineError } from '../../../src/errors.js'
import { selectModels, type SelectableModel } from '../../../src/selection/select-models.js'

function errorOf(fn: () => unknown): EngineError {
  try {
    fn()
  } catch (e) {
    if (e instanceof EngineError) return e
    throw e
  }
  throw new Error('expected an EngineError')
}

/**
 * ext.source (not a model) -> raw.events -> oso.stg_github__events -> oso.int_events_daily -+
 *                             raw.repos  -> oso.stg_github__repos  -> oso.int_repos -------+-> oso.int_events_by_repo -> oso.mart_projects
 * oso.unrelated stands alone.
 */
const MODELS: Array<[string, string[]]> = [
  ['raw.events', ['source', 'github']],
  ['raw.repos', ['source']],
  ['oso.stg_github__events', ['github', 'staging']],
  ['oso.stg_github__repos', ['github', 'staging']],
  ['oso.int_events_daily', ['entity_category=project']],
  ['oso.int_repos', ['entity_category=project', 'deprecated']],
  ['oso.int_events_by_repo', ['Entity_Category=Project']],
  ['oso.mart_projects', ['mart']],
  ['oso.unrelated', []],
]
const EDGES: Array<[string, string]> = [
  ['ext.source', 'raw.events'],
  ['raw.events', 'oso.stg_github__events'],
  ['raw.repos', 'oso.stg_github__repos'],
  ['oso.stg_github__events', 'oso.int_events_daily'],
  ['oso.stg_github__repos', 'oso.int_repos'],
  ['oso.int_events_daily', 'oso.int_events_by_repo'],
  ['oso.int_repos', 'oso.int_events_by_repo'],
  ['oso.int_events_by_repo', 'oso.mart_projects'],
]

const models = new Map<string, SelectableModel>(MODELS.map(([name, tags]) => [name, { name, tags }]))
const dag = new Dag<null>()
dag.addNode('ext.source', null)
for (const [name] of MODELS) dag.addNode(name, null)
for (const [a, b] of EDGES) dag.addEdge(a, b)

const select = (...selectors: string[]): string[] => [...selectModels(selectors, models, dag)].sort()
const sorted = (...names: string[]): string[] => [...names].sort()

describe('selectModels: names and wildcards', () => {
  it('selects an exact name, case-insensitively and with quotes', () => {
    expect(select('oso.stg_github__events')).toEqual(['oso.stg_github__events'])
    expect(select('OSO.Stg_Github__Events')).toEqual(['oso.stg_github__events'])
    expect(select('"oso"."mart_projects"')).toEqual(['oso.mart_projects'])
  })

  it('expands * and ? wildcards', () => {
    expect(select('oso.int_*')).toEqual(sorted('oso.int_events_daily', 'oso.int_repos', 'oso.int_events_by_repo'))
    expect(select('*events*')).toEqual(
      sorted('raw.events', 'oso.stg_github__events', 'oso.int_events_daily', 'oso.int_events_by_repo'),
    )
    expect(select('raw.?????')).toEqual(['raw.repos'])
    expect(select('oso.stg_github__[e]*')).toEqual(['oso.stg_github__events'])
  })

  it('treats . and other regex characters literally', () => {
    expect(() => select('oso_int_*')).toThrow(EngineError)
  })
})

describe('selectModels: tags', () => {
  it('matches any tag of a model, case-insensitively', () => {
    expect(select('tag:github')).toEqual(sorted('raw.events', 'oso.stg_github__events', 'oso.stg_github__repos'))
    expect(select('tag:ENTITY_CATEGORY=PROJECT')).toEqual(
      sorted('oso.int_events_daily', 'oso.int_repos', 'oso.int_events_by_repo'),
    )
  })

  it('expands wildcards in tags', () => {
    expect(select('tag:git*')).toEqual(sorted('raw.events', 'oso.stg_github__events', 'oso.stg_github__repos'))
    expect(select('tag:*=project')).toEqual(sorted('oso.int_events_daily', 'oso.int_repos', 'oso.int_events_by_repo'))
  })
})

describe('selectModels: upstream and downstream', () => {
  it('+x adds all ancestors that are models', () => {
    expect(select('+oso.int_events_daily')).toEqual(
      sorted('oso.int_events_daily', 'oso.stg_github__events', 'raw.events'),
    )
  })

  it('x+ adds all descendants', () => {
    expect(select('oso.stg_github__repos+')).toEqual(
      sorted('oso.stg_github__repos', 'oso.int_repos', 'oso.int_events_by_repo', 'oso.mart_projects'),
    )
  })

  it('+x+ adds both, and nothing unrelated', () => {
    expect(select('+oso.int_repos+')).toEqual(
      sorted('raw.repos', 'oso.stg_github__repos', 'oso.int_repos', 'oso.int_events_by_repo', 'oso.mart_projects'),
    )
  })

  it('applies to tag atoms and wildcards', () => {
    expect(select('tag:mart')).toEqual(['oso.mart_projects'])
    expect(select('+tag:mart')).toHaveLength(8)
    expect(select('+tag:mart')).not.toContain('oso.unrelated')
    expect(select('raw.*+')).toHaveLength(8)
  })

  it('applies to parenthesised groups', () => {
    expect(select('(oso.stg_github__events | oso.stg_github__repos)+')).toEqual(
      sorted(
        'oso.stg_github__events',
        'oso.stg_github__repos',
        'oso.int_events_daily',
        'oso.int_repos',
        'oso.int_events_by_repo',
        'oso.mart_projects',
      ),
    )
    // (a & b)+ expands the intersection, not each side.
    expect(select('(tag:staging & *events*)+')).toEqual(
      sorted('oso.stg_github__events', 'oso.int_events_daily', 'oso.int_events_by_repo', 'oso.mart_projects'),
    )
  })
})

describe('selectModels: boolean operators', () => {
  it('& intersects, | unites, ^ complements against all models', () => {
    expect(select('tag:github & tag:staging')).toEqual(sorted('oso.stg_github__events', 'oso.stg_github__repos'))
    expect(select('raw.events | oso.unrelated')).toEqual(sorted('raw.events', 'oso.unrelated'))
    expect(select('^oso.*')).toEqual(sorted('raw.events', 'raw.repos'))
  })

  it('selects the documented example: projects that are not deprecated', () => {
    expect(select('(tag:entity_category=project & ^tag:deprecated)')).toEqual(
      sorted('oso.int_events_daily', 'oso.int_events_by_repo'),
    )
  })

  it('gives & precedence over |', () => {
    // raw.events | (tag:github & tag:staging), not (raw.events | tag:github) & tag:staging
    expect(select('raw.events | tag:github & tag:staging')).toEqual(
      sorted('raw.events', 'oso.stg_github__events', 'oso.stg_github__repos'),
    )
    expect(select('(raw.events | tag:github) & tag:staging')).toEqual(
      sorted('oso.stg_github__events', 'oso.stg_github__repos'),
    )
  })

  it('gives ^ precedence over &', () => {
    // (^tag:source) & tag:github, not ^(tag:source & tag:github)
    expect(select('^tag:source & tag:github')).toEqual(sorted('oso.stg_github__events', 'oso.stg_github__repos'))
    expect(select('^(tag:source & tag:github)')).toHaveLength(8)
  })

  it('negates a group', () => {
    expect(select('^(tag:github | tag:source | tag:entity_category=*)')).toEqual(sorted('oso.mart_projects', 'oso.unrelated'))
  })

  it('evaluates nested parentheses', () => {
    expect(select('oso.* & (tag:staging | (tag:entity_category=project & ^(tag:deprecated | *by_repo)))')).toEqual(
      sorted('oso.stg_github__events', 'oso.stg_github__repos', 'oso.int_events_daily'),
    )
  })

  it('combines lineage with boolean operators', () => {
    expect(select('+oso.int_events_by_repo & ^tag:source')).toEqual(
      sorted(
        'oso.stg_github__events',
        'oso.stg_github__repos',
        'oso.int_events_daily',
        'oso.int_repos',
        'oso.int_events_by_repo',
      ),
    )
  })
})

describe('selectModels: several selectors', () => {
  it('unites the selectors', () => {
    expect(select('raw.events', 'tag:mart', 'oso.unrelated')).toEqual(sorted('raw.events', 'oso.mart_projects', 'oso.unrelated'))
  })

  it('selects nothing for an empty list', () => {
    expect(selectModels([], models, dag).size).toBe(0)
  })

  it('reports a syntax error in any selector before resolving the others', () => {
    const e = errorOf(() => select('no.such_model', '(raw.events'))
    expect(e.code).toBe('OPTION_INVALID')
  })
})

describe('selectModels: nothing matched', () => {
  it('fails with MODEL_NOT_FOUND and suggests close model names', () => {
    const e = errorOf(() => select('oso.stg_githb__events'))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    expect(e.message).toContain('selector "oso.stg_githb__events" matches no models')
    expect(e.message).toMatch(/did you mean oso\.stg_github__events\b/)
  })

  it('suggests models containing the name and at most 5 of them', () => {
    const e = errorOf(() => select('int'))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    const suggestions = /did you mean (.*)\?$/.exec(e.message)?.[1]?.split(', ') ?? []
    expect(suggestions.sort()).toEqual(sorted('oso.int_repos', 'oso.int_events_daily', 'oso.int_events_by_repo'))
    const many = new Map<string, SelectableModel>()
    for (let i = 0; i < 12; i++) many.set(`oso.model_${i}`, { name: `oso.model_${i}`, tags: [] })
    const e2 = errorOf(() => selectModels(['model'], many, new Dag()))
    expect(/did you mean (.*)\?$/.exec(e2.message)?.[1]?.split(', ')).toHaveLength(5)
  })

  it('suggests close tags for a tag atom and names the failing atom inside an expression', () => {
    const e = errorOf(() => select('raw.events & tag:githb*'))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    expect(e.message).toContain('"tag:githb*" matches nothing')
    expect(e.message).toContain('did you mean tag:github')
  })

  it('fails without suggestions when every atom matches but the expression is empty', () => {
    const e = errorOf(() => select('tag:source & tag:mart'))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    expect(e.message).toBe('selector "tag:source & tag:mart" matches no models')
  })

  it('fails when one of several selectors matches nothing', () => {
    expect(errorOf(() => select('raw.events', 'oso.nope')).code).toBe('MODEL_NOT_FOUND')
  })

  it('accepts an atom that matches nothing when the whole selector matches something', () => {
    expect(select('raw.events | oso.nope')).toEqual(['raw.events'])
  })

  it('never selects graph nodes that are not models', () => {
    expect(errorOf(() => select('ext.source')).code).toBe('MODEL_NOT_FOUND')
    expect(select('+raw.events')).toEqual(['raw.events'])
  })
})

describe('selectModels: scale', () => {
  it('selects correctly over 10,000 models', () => {
    const big = new Map<string, SelectableModel>()
    const g = new Dag<null>()
    for (let i = 0; i < 10_000; i++) {
      const name = `oso.${i % 2 ? 'int' : 'stg'}_model_${i}`
      big.set(name, { name, tags: [`group_${i % 50}`, i % 7 === 0 ? 'weekly' : 'daily'] })
      g.addNode(name, null)
    }
    const names = [...big.keys()]
    // Each model reads the one 100 before it: 100 chains of 100.
    for (let i = 100; i < names.length; i++) g.addEdge(names[i - 100]!, names[i]!)
    const selectors = ['oso.int_*', 'tag:group_1*', '+oso.stg_model_5000+ & ^tag:weekly', '*model_99*', 'oso.stg_model_42']
    const out = selectModels(selectors, big, g)
    expect(out.size).toBe(6130)
    expect(out.has('oso.stg_model_42')).toBe(true)
    expect(out.has('oso.stg_model_5000')).toBe(true)
    expect(out.has('oso.stg_model_5600')).toBe(false) // 5600 % 7 === 0: weekly, excluded
  })
})
