#!/usr/bin/env node
// Synthetic SQLMesh-compatible project generator for the planning benchmark.
//
//   node bench/generate-project.mjs --models N --out DIR [--seed S] [--quiet]
//
// Writes DIR/config.yaml, DIR/external_models.yaml (~20 raw source tables) and
// N models under DIR/models/<layer>/<name>.sql (DIR/models is replaced; Trino, MODEL (...)
// header). The DAG is layered: staging models read external tables,
// intermediate models read staging or earlier intermediate models, marts read
// intermediate models. Every model has 1-4 parents. Output is a pure function
// of (N, seed): the same arguments always give byte-identical files.
//
// Every column a model references exists in its parent's projection, and every
// model's projection is tracked exactly, so the generated SQL is consistent
// end to end (SQLMesh loads it without warnings).
//
// Plain Node ESM, node builtins only.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const GENERATOR_VERSION = 1;

// ---------------------------------------------------------------------------
// Deterministic PRNG (mulberry32 over a string-hashed seed)

function hashSeed(str) {
  let h = 2166136261 >>> 0;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

function makeRng(seed) {
  let a = hashSeed(String(seed));
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    sample(arr, k) {
      const copy = arr.slice();
      const out = [];
      while (out.length < k && copy.length > 0) {
        const i = Math.floor(next() * copy.length);
        out.push(copy[i]);
        copy.splice(i, 1);
      }
      return out;
    },
    // weights: [[value, weight], ...]
    weighted(pairs) {
      const total = pairs.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [v, w] of pairs) {
        r -= w;
        if (r < 0) return v;
      }
      return pairs[pairs.length - 1][0];
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------
// Raw source tables (declared in external_models.yaml)

const METRIC_TYPES = {
  payload_size: 'BIGINT',
  commit_count: 'BIGINT',
  additions: 'BIGINT',
  deletions: 'BIGINT',
  changed_files: 'BIGINT',
  star_count: 'BIGINT',
  fork_count: 'BIGINT',
  watcher_count: 'BIGINT',
  comment_count: 'BIGINT',
  gas_used: 'BIGINT',
  gas_price: 'DOUBLE',
  value_eth: 'DOUBLE',
  amount_usd: 'DOUBLE',
  amount: 'DOUBLE',
  download_count: 'BIGINT',
  dependent_count: 'BIGINT',
  tvl_usd: 'DOUBLE',
  follower_count: 'BIGINT',
  attestation_count: 'BIGINT',
  score: 'DOUBLE',
  member_count: 'BIGINT',
  block_number: 'BIGINT',
};

// source: topic used in model names; keys: entity keys shared across tables
// (joins happen on these); dims: VARCHAR attributes; metrics: numeric columns.
const EXTERNALS = [
  { table: 'github_events', source: 'github', id: 'event_id', keys: ['repository_id', 'actor_id'], dims: ['event_type', 'actor_login', 'repository_name'], metrics: ['payload_size'], json: 'payload', category: 'artifact' },
  { table: 'github_commits', source: 'github', id: 'sha', keys: ['repository_id', 'actor_id'], dims: ['author_email', 'author_name', 'branch'], metrics: ['additions', 'deletions', 'changed_files'], category: 'artifact' },
  { table: 'github_pull_requests', source: 'github', id: 'pull_request_id', keys: ['repository_id', 'actor_id'], dims: ['state', 'title', 'merge_state'], metrics: ['comment_count', 'additions', 'deletions'], json: 'payload', category: 'artifact' },
  { table: 'github_repositories', source: 'github', id: 'node_id', keys: ['repository_id', 'project_id'], dims: ['repository_name', 'language', 'license', 'owner_login'], metrics: ['star_count', 'fork_count', 'watcher_count'], category: 'artifact' },
  { table: 'ossd_projects', source: 'ossd', id: 'project_uid', keys: ['project_id', 'collection_id'], dims: ['project_name', 'display_name', 'description', 'website'], metrics: ['member_count'], json: 'social', category: 'project' },
  { table: 'ossd_collections', source: 'ossd', id: 'collection_uid', keys: ['collection_id', 'project_id'], dims: ['collection_name', 'display_name'], metrics: ['member_count'], category: 'collection' },
  { table: 'ossd_artifacts', source: 'ossd', id: 'artifact_uid', keys: ['artifact_id', 'project_id'], dims: ['artifact_namespace', 'artifact_name', 'artifact_source'], metrics: ['score'], category: 'artifact' },
  { table: 'optimism_transactions', source: 'optimism', id: 'transaction_hash', keys: ['contract_address', 'actor_id', 'chain_id'], dims: ['from_address', 'to_address', 'method_id'], metrics: ['gas_used', 'gas_price', 'value_eth', 'block_number'], category: 'artifact' },
  { table: 'base_transactions', source: 'base', id: 'transaction_hash', keys: ['contract_address', 'actor_id', 'chain_id'], dims: ['from_address', 'to_address', 'method_id'], metrics: ['gas_used', 'gas_price', 'value_eth', 'block_number'], category: 'artifact' },
  { table: 'arbitrum_traces', source: 'arbitrum', id: 'trace_id', keys: ['contract_address', 'chain_id'], dims: ['trace_type', 'call_type', 'status'], metrics: ['gas_used', 'value_eth'], json: 'trace_payload', category: 'artifact' },
  { table: 'open_collective_deposits', source: 'open_collective', id: 'deposit_id', keys: ['funder_id', 'project_id'], dims: ['currency', 'host_slug', 'kind'], metrics: ['amount', 'amount_usd'], json: 'raw_json', category: 'project' },
  { table: 'open_collective_expenses', source: 'open_collective', id: 'expense_id', keys: ['funder_id', 'project_id'], dims: ['currency', 'expense_type', 'status'], metrics: ['amount', 'amount_usd'], category: 'project' },
  { table: 'gitcoin_donations', source: 'gitcoin', id: 'donation_id', keys: ['funder_id', 'project_id', 'chain_id'], dims: ['round_name', 'token_symbol', 'donor_address'], metrics: ['amount', 'amount_usd'], category: 'project' },
  { table: 'deps_dev_packages', source: 'deps_dev', id: 'package_version_id', keys: ['package_id', 'repository_id'], dims: ['system', 'package_name', 'version'], metrics: ['dependent_count'], category: 'artifact' },
  { table: 'deps_dev_dependencies', source: 'deps_dev', id: 'dependency_id', keys: ['package_id', 'artifact_id'], dims: ['system', 'dependency_name', 'dependency_kind'], metrics: ['dependent_count'], category: 'artifact' },
  { table: 'npm_downloads', source: 'npm', id: 'download_row_id', keys: ['package_id'], dims: ['package_name', 'registry'], metrics: ['download_count'], category: 'artifact' },
  { table: 'pypi_downloads', source: 'pypi', id: 'download_row_id', keys: ['package_id'], dims: ['package_name', 'installer', 'python_version'], metrics: ['download_count'], category: 'artifact' },
  { table: 'defillama_tvl', source: 'defillama', id: 'tvl_row_id', keys: ['project_id', 'chain_id'], dims: ['protocol_slug', 'token_symbol', 'category'], metrics: ['tvl_usd'], category: 'project' },
  { table: 'farcaster_profiles', source: 'farcaster', id: 'fid', keys: ['actor_id'], dims: ['username', 'display_name', 'custody_address'], metrics: ['follower_count'], json: 'profile_json', category: 'artifact' },
  { table: 'eas_attestations', source: 'eas', id: 'attestation_uid', keys: ['actor_id', 'project_id', 'chain_id'], dims: ['schema_id', 'attester', 'recipient'], metrics: ['attestation_count', 'score'], json: 'decoded_data', category: 'project' },
];

const KEY_CATEGORY = {
  project_id: 'project',
  collection_id: 'collection',
  artifact_id: 'artifact',
  repository_id: 'artifact',
  contract_address: 'artifact',
  package_id: 'artifact',
  actor_id: 'artifact',
  funder_id: 'project',
  chain_id: 'artifact',
};

function externalColumns(ext) {
  const cols = [
    { name: ext.id, type: 'VARCHAR' },
    { name: 'event_time', type: 'TIMESTAMP' },
    ...ext.keys.map((k) => ({ name: k, type: 'VARCHAR' })),
    ...ext.dims.map((d) => ({ name: d, type: 'VARCHAR' })),
    ...ext.metrics.map((m) => ({ name: m, type: METRIC_TYPES[m] })),
  ];
  if (ext.json) cols.push({ name: ext.json, type: 'VARCHAR' });
  cols.push({ name: 'ingested_at', type: 'TIMESTAMP' });
  return cols;
}

// A relation's shape as far as downstream SQL cares. Columns are {name, type}.
//   time: event_time (TIMESTAMP) — always present
//   day:  bucket_day (DATE) — present on every model (not on externals)
function externalRelation(ext) {
  return {
    fqn: `raw.${ext.table}`,
    source: ext.source,
    category: ext.category,
    layer: 'external',
    id: { name: ext.id, type: 'VARCHAR' },
    keys: ext.keys.map((k) => ({ name: k, type: 'VARCHAR' })),
    dims: ext.dims.map((d) => ({ name: d, type: 'VARCHAR' })),
    metrics: ext.metrics.map((m) => ({ name: m, type: METRIC_TYPES[m] })),
    json: ext.json ?? null,
    hasDay: false,
    ext,
  };
}

// ---------------------------------------------------------------------------
// Small SQL helpers

const IND = '  ';

function uniqueNamer(taken) {
  const set = new Set(taken);
  return (base) => {
    let name = base;
    let i = 2;
    while (set.has(name)) name = `${base}_${i++}`;
    set.add(name);
    return name;
  };
}

function selectList(items, indent, trailingComma) {
  // items: array of SQL strings (already "expr AS alias" where needed)
  return items.map((s, i) => `${indent}${s}${i < items.length - 1 || trailingComma ? ',' : ''}`).join('\n');
}

function sumType(t) {
  return t === 'BIGINT' ? 'BIGINT' : 'DOUBLE';
}

const JSON_PATHS = ['$.action', '$.ref_type', '$.source', '$.kind', '$.network'];

// ---------------------------------------------------------------------------
// MODEL header

function kindBlock(rng, kind, uniqueKey) {
  const lower = rng.chance(0.08);
  const trailing = rng.chance(0.3) ? ',' : '';
  switch (kind) {
    case 'FULL':
      return lower ? 'full' : 'FULL';
    case 'VIEW':
      return lower ? 'view' : 'VIEW';
    case 'INCREMENTAL_BY_UNIQUE_KEY':
      return `INCREMENTAL_BY_UNIQUE_KEY (\n${IND}${IND}unique_key (${uniqueKey.join(', ')})${trailing}\n${IND})`;
    case 'INCREMENTAL_BY_TIME_RANGE': {
      const opts = ['time_column bucket_day', 'batch_size 30', 'lookback 3'];
      if (rng.chance(0.2)) opts.push(`batch_concurrency ${rng.pick([1, 2, 4])}`);
      if (rng.chance(0.15)) opts.push('forward_only true');
      return `${lower ? 'incremental_by_time_range' : 'INCREMENTAL_BY_TIME_RANGE'} (\n${opts
        .map((o, i) => `${IND}${IND}${o}${i < opts.length - 1 ? ',' : trailing}`)
        .join('\n')}\n${IND})`;
    }
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

function header(rng, m) {
  const props = [];
  props.push(`name ${m.fqn}`);
  props.push(`kind ${kindBlock(rng, m.kind, m.uniqueKey)}`);
  if (rng.chance(0.3)) props.push('dialect trino');
  if (rng.chance(0.25)) props.push("start '2024-01-01'");
  if (rng.chance(0.4)) props.push("cron '@daily'");
  if (m.kind === 'INCREMENTAL_BY_TIME_RANGE' && rng.chance(0.7)) {
    props.push(rng.chance(0.5) ? 'partitioned_by DAY("bucket_day")' : `partitioned_by (DAY("bucket_day"), "${m.grain[1] ?? m.grain[0]}")`);
  }
  if (m.grain.length > 0) props.push(m.grain.length === 1 ? `grain ${m.grain[0]}` : `grain (${m.grain.join(', ')})`);
  const tags = [`"entity_category=${m.category}"`, `"${m.topic}"`];
  if (m.kind.startsWith('INCREMENTAL')) tags.push('"incremental"');
  if (m.layer === 'marts') tags.push('"mart"');
  props.push(`tags (${tags.join(', ')})`);
  const audits = [`not_null(columns := (${m.notNull.join(', ')}))`];
  if (rng.chance(0.25)) audits.push('number_of_rows(threshold := 0)');
  if (m.kind === 'INCREMENTAL_BY_UNIQUE_KEY' || (m.layer === 'staging' && rng.chance(0.3))) {
    audits.push(
      m.idColumn
        ? `unique_values(columns := (${m.idColumn}))`
        : `unique_combination_of_columns(columns := (${m.grain.join(', ')}))`,
    );
  }
  if (audits.length === 1 && rng.chance(0.6)) {
    props.push(`audits (${audits[0]})`);
  } else {
    props.push(`audits (\n${audits.map((a) => `${IND}${IND}${a},`).join('\n')}\n${IND})`);
  }
  const q = rng.chance(0.5) ? "'" : '"';
  props.push(`description ${q}${m.description}${q}`);
  const trailing = rng.chance(0.25) ? ',' : '';
  const lead = rng.chance(0.1) ? `/* generated by tributary bench, seed-stable */\n` : '';
  return `${lead}MODEL${rng.chance(0.1) ? '' : ' '}(\n${props.map((p, i) => `${IND}${p}${i < props.length - 1 ? ',' : trailing}`).join('\n')}\n);\n`;
}

// ---------------------------------------------------------------------------
// Model bodies. Each builder returns { sql, out } where out is the output
// relation shape (keys/dims/metrics/id) for downstream models.

function timeFilter(alias, incremental) {
  return incremental ? `\n${IND}WHERE ${alias}.event_time BETWEEN @start_dt AND @end_dt` : '';
}

// Staging: one external (optionally LEFT JOINed to a second external sharing a key),
// dedup with ROW_NUMBER, cleanup with COALESCE/LOWER/CASE, derive bucket_day.
function buildStaging(rng, m, parents) {
  const src = parents[0];
  const other = parents[1] ?? null;
  const inc = m.kind === 'INCREMENTAL_BY_TIME_RANGE';
  const srcCols = [src.id, { name: 'event_time', type: 'TIMESTAMP' }, ...src.keys, ...src.dims, ...src.metrics];
  if (src.json) srcCols.push({ name: src.json, type: 'VARCHAR' });
  srcCols.push({ name: 'ingested_at', type: 'TIMESTAMP' });

  const taken = new Set(srcCols.map((c) => c.name));
  const sourceItems = srcCols.map((c) => `e.${c.name}`);
  let joinSql = '';
  const otherDims = [];
  if (other) {
    const shared = other.keys.filter((k) => src.keys.some((s) => s.name === k.name));
    const jk = shared[0];
    const dims = rng.sample(other.dims, rng.int(1, 2));
    for (const d of dims) {
      const alias = `${other.source}_${d.name}`;
      if (taken.has(alias)) continue;
      taken.add(alias);
      sourceItems.push(`o.${d.name} AS ${alias}`);
      otherDims.push({ name: alias, type: 'VARCHAR' });
    }
    joinSql = `\n${IND}LEFT JOIN ${other.fqn} AS o\n${IND}${IND}ON e.${jk.name} = o.${jk.name}`;
  }

  const idCol = src.id.name;
  const keepDims = rng.sample(src.dims, Math.max(1, src.dims.length - rng.int(0, 1)));
  const keepMetrics = src.metrics;
  const finalItems = [];
  const out = { id: src.id, keys: [], dims: [], metrics: [] };
  finalItems.push("CAST(date_trunc('day', d.event_time) AS DATE) AS bucket_day");
  finalItems.push('d.event_time');
  finalItems.push(`d.${idCol}`);
  for (const k of src.keys) {
    finalItems.push(rng.chance(0.5) ? `COALESCE(d.${k.name}, 'unknown') AS ${k.name}` : `LOWER(d.${k.name}) AS ${k.name}`);
    out.keys.push(k);
  }
  for (const d of keepDims) {
    finalItems.push(rng.chance(0.6) ? `LOWER(TRIM(d.${d.name})) AS ${d.name}` : `NULLIF(d.${d.name}, '') AS ${d.name}`);
    out.dims.push(d);
  }
  for (const d of otherDims) {
    finalItems.push(`COALESCE(d.${d.name}, 'unknown') AS ${d.name}`);
    out.dims.push(d);
  }
  if (src.json) {
    const path = rng.pick(JSON_PATHS);
    const alias = `${src.json}_${path.slice(2)}`;
    finalItems.push(`json_extract_scalar(d.${src.json}, '${path}') AS ${alias}`);
    out.dims.push({ name: alias, type: 'VARCHAR' });
  }
  for (const mt of keepMetrics) {
    finalItems.push(`CAST(COALESCE(d.${mt.name}, 0) AS ${mt.type}) AS ${mt.name}`);
    out.metrics.push(mt);
  }
  const bm = rng.pick(keepMetrics);
  const bucketName = `${bm.name}_bucket`;
  finalItems.push(
    `CASE\n${IND}${IND}WHEN d.${bm.name} IS NULL THEN 'unknown'\n${IND}${IND}WHEN d.${bm.name} >= 1000 THEN 'large'\n${IND}${IND}WHEN d.${bm.name} >= 10 THEN 'medium'\n${IND}${IND}ELSE 'small'\n${IND}END AS ${bucketName}`,
  );
  out.dims.push({ name: bucketName, type: 'VARCHAR' });
  if (rng.chance(0.3)) {
    finalItems.push(`date_diff('second', d.event_time, d.ingested_at) AS ingest_delay_seconds`);
    out.metrics.push({ name: 'ingest_delay_seconds', type: 'BIGINT' });
  }

  const trailing = rng.chance(0.12);
  const sql = [
    '-- Deduplicate raw rows by id, keeping the most recently ingested version.',
    'WITH source AS (',
    `${IND}SELECT`,
    selectList(sourceItems, IND + IND, false),
    `${IND}FROM ${src.fqn} AS e${joinSql}${timeFilter('e', inc)}`,
    '), deduped AS (',
    `${IND}SELECT`,
    `${IND}${IND}source.*,`,
    `${IND}${IND}ROW_NUMBER() OVER (PARTITION BY source.${idCol} ORDER BY source.ingested_at DESC, source.event_time DESC) AS row_num`,
    `${IND}FROM source`,
    ')',
    'SELECT',
    selectList(finalItems, IND, trailing),
    'FROM deduped AS d',
    'WHERE d.row_num = 1',
  ].join('\n');
  return { sql, out };
}

// A CTE that aggregates a joined parent per bucket_day (+ join key) so the
// join never multiplies rows. Returns { cte, join, cols } where cols are the
// final select items (COALESCEd) and their output columns.
function joinedParentCte(rng, parent, alias, groupKeys, inc, namer, compact) {
  const shared = parent.keys.filter((k) => groupKeys.some((g) => g.name === k.name));
  const jk = shared.length > 0 ? rng.pick(shared) : null;
  const mets = rng.sample(parent.metrics, rng.chance(0.7) ? 1 : 2);
  const items = [`${alias}_src.bucket_day`];
  if (jk) items.push(`${alias}_src.${jk.name}`);
  const outCols = [];
  const finals = [];
  const prefix = parent.topic ?? parent.source;
  for (const mt of mets) {
    const name = namer(`${prefix}_${mt.name}`);
    items.push(`SUM(${alias}_src.${mt.name}) AS ${name}`);
    finals.push(`COALESCE(${alias}.${name}, 0) AS ${name}`);
    outCols.push({ name, type: sumType(mt.type) });
  }
  const cnt = namer(`${prefix}_row_count`);
  items.push(`COUNT(*) AS ${cnt}`);
  finals.push(`COALESCE(${alias}.${cnt}, 0) AS ${cnt}`);
  outCols.push({ name: cnt, type: 'BIGINT' });
  const groupBy = jk ? `${alias}_src.bucket_day, ${alias}_src.${jk.name}` : `${alias}_src.bucket_day`;
  const cte = [
    `${alias} AS (`,
    ...(compact ? [`${IND}SELECT ${items.join(', ')}`] : [`${IND}SELECT`, selectList(items, IND + IND, false)]),
    `${IND}FROM ${parent.fqn} AS ${alias}_src${timeFilter(`${alias}_src`, inc)}`,
    `${IND}GROUP BY ${groupBy}`,
    ')',
  ].join('\n');
  return { cte, jk, alias, finals, outCols };
}

function joinClause(baseAlias, j) {
  const on = [`${baseAlias}.bucket_day = ${j.alias}.bucket_day`];
  if (j.jk) on.push(`${baseAlias}.${j.jk.name} = ${j.alias}.${j.jk.name}`);
  return `LEFT JOIN ${j.alias}\n${IND}ON ${on.join(`\n${IND}AND `)}`;
}

// Aggregate: group primary parent by bucket_day + 1-2 keys (+ maybe a dim),
// join the other parents pre-aggregated, classify with CASE. Marts also get a
// RANK() window.
function buildAggregate(rng, m, parents) {
  const [p, ...others] = parents;
  const inc = m.kind === 'INCREMENTAL_BY_TIME_RANGE';
  const groupKeys = rng.sample(p.keys, Math.min(p.keys.length, rng.int(1, 2)));
  const groupDim = p.dims.length > 0 && rng.chance(0.5) ? rng.pick(p.dims) : null;
  const taken = ['bucket_day', 'event_time', ...groupKeys.map((k) => k.name)];
  if (groupDim) taken.push(groupDim.name);
  const namer = uniqueNamer(taken);
  const out = { id: null, keys: groupKeys.slice(), dims: groupDim ? [groupDim] : [], metrics: [] };

  const baseItems = ['p.bucket_day', ...groupKeys.map((k) => `p.${k.name}`)];
  if (groupDim) baseItems.push(`p.${groupDim.name}`);
  baseItems.push('MAX(p.event_time) AS event_time');
  const finals = ['base.bucket_day', 'base.event_time', ...groupKeys.map((k) => `base.${k.name}`)];
  if (groupDim) finals.push(`base.${groupDim.name}`);
  const mets = rng.sample(p.metrics, Math.min(p.metrics.length, rng.int(1, 4)));
  for (const mt of mets) {
    const fn = rng.weighted([['SUM', 6], ['MAX', 1], ['AVG', 1]]);
    const name = namer(fn === 'SUM' ? mt.name : `${fn.toLowerCase()}_${mt.name}`);
    const type = fn === 'SUM' ? sumType(mt.type) : fn === 'AVG' ? 'DOUBLE' : mt.type;
    baseItems.push(`${fn}(p.${mt.name}) AS ${name}`);
    finals.push(`base.${name}`);
    out.metrics.push({ name, type });
  }
  const rc = namer('record_count');
  baseItems.push(`COUNT(*) AS ${rc}`);
  finals.push(`base.${rc}`);
  out.metrics.push({ name: rc, type: 'BIGINT' });
  const extraKeys = p.keys.filter((k) => !groupKeys.includes(k));
  if (extraKeys.length > 0) {
    const k = rng.pick(extraKeys);
    const name = namer(`distinct_${k.name.replace(/_id$|_address$/, '')}s`);
    baseItems.push(`COUNT(DISTINCT p.${k.name}) AS ${name}`);
    finals.push(`base.${name}`);
    out.metrics.push({ name, type: 'BIGINT' });
  }
  const groupByOrdinal = rng.chance(0.5);
  const nGroup = 1 + groupKeys.length + (groupDim ? 1 : 0);
  const groupBy = groupByOrdinal
    ? Array.from({ length: nGroup }, (_, i) => String(i + 1)).join(', ')
    : ['p.bucket_day', ...groupKeys.map((k) => `p.${k.name}`), ...(groupDim ? [`p.${groupDim.name}`] : [])].join(', ');

  const ctes = [
    [
      'base AS (',
      `${IND}SELECT`,
      selectList(baseItems, IND + IND, false),
      `${IND}FROM ${p.fqn} AS p${timeFilter('p', inc)}`,
      `${IND}GROUP BY ${groupBy}`,
      ')',
    ].join('\n'),
  ];
  const joins = [];
  others.forEach((q, i) => {
    const j = joinedParentCte(rng, q, `${q.topic ?? q.source}_${i + 1}`, groupKeys, inc, namer, others.length >= 2 || rng.chance(0.3));
    ctes.push(j.cte);
    joins.push(joinClause('base', j));
    finals.push(...j.finals);
    out.metrics.push(...j.outCols);
  });

  const lvl = namer(m.layer === 'marts' ? 'activity_tier' : 'activity_level');
  const cm = out.metrics[0];
  finals.push(
    `CASE\n${IND}${IND}WHEN base.${cm.name} >= 1000 THEN 'high'\n${IND}${IND}WHEN base.${cm.name} >= 100 THEN 'medium'\n${IND}${IND}WHEN base.${cm.name} > 0 THEN 'low'\n${IND}${IND}ELSE 'inactive'\n${IND}END AS ${lvl}`,
  );
  out.dims.push({ name: lvl, type: 'VARCHAR' });
  if (rng.chance(0.4)) {
    const name = namer(`${cm.name}_per_record`);
    finals.push(`CAST(base.${cm.name} AS DOUBLE) / NULLIF(base.${rc}, 0) AS ${name}`);
    out.metrics.push({ name, type: 'DOUBLE' });
  }
  if (m.layer === 'marts') {
    const rk = namer('daily_rank');
    finals.push(`RANK() OVER (PARTITION BY base.bucket_day ORDER BY base.${cm.name} DESC) AS ${rk}`);
    out.metrics.push({ name: rk, type: 'BIGINT' });
    if (rng.chance(0.5)) {
      const mk = namer('bucket_month');
      finals.push(`CAST(date_trunc('month', base.bucket_day) AS DATE) AS ${mk}`);
      out.dims.push({ name: mk, type: 'DATE' });
    }
  }
  const trailing = rng.chance(0.12);
  const sql = [
    `-- Daily rollup of ${p.fqn}${others.length ? ` joined with ${others.map((o) => o.fqn).join(', ')}` : ''}.`,
    `WITH ${ctes.join(', ')}`,
    'SELECT',
    selectList(finals, IND, trailing),
    'FROM base',
    ...joins,
  ].join('\n');
  return { sql, out };
}

// Window enrichment: running totals, LAG deltas, recency rank, first-seen day.
function buildWindowed(rng, m, parents) {
  const [p, ...others] = parents;
  const inc = m.kind === 'INCREMENTAL_BY_TIME_RANGE';
  const pk = rng.pick(p.keys);
  const keys = p.keys.slice(0, 3);
  if (!keys.includes(pk)) keys.push(pk);
  const dims = rng.sample(p.dims, Math.min(p.dims.length, rng.int(1, 3)));
  const mets = rng.sample(p.metrics, Math.min(p.metrics.length, rng.int(1, 3)));
  const mt = mets[0];
  const cols = ['bucket_day', 'event_time', ...keys.map((k) => k.name), ...dims.map((d) => d.name), ...mets.map((x) => x.name)];
  const namer = uniqueNamer(cols);
  const out = { id: null, keys: keys.slice(), dims: dims.slice(), metrics: mets.slice() };

  const cum = namer(`cumulative_${mt.name}`);
  const prev = namer(`previous_${mt.name}`);
  const first = namer('first_seen_day');
  const winItems = [
    ...cols.map((c) => `s.${c}`),
    `ROW_NUMBER() OVER (PARTITION BY s.${pk.name} ORDER BY s.event_time DESC) AS recency_rank`,
    `LAG(s.${mt.name}) OVER (PARTITION BY s.${pk.name} ORDER BY s.bucket_day) AS ${prev}`,
    `SUM(s.${mt.name}) OVER (\n${IND}${IND}${IND}PARTITION BY s.${pk.name}\n${IND}${IND}${IND}ORDER BY s.bucket_day\n${IND}${IND}${IND}ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW\n${IND}${IND}) AS ${cum}`,
    `MIN(s.bucket_day) OVER (PARTITION BY s.${pk.name}) AS ${first}`,
  ];
  namer('recency_rank');
  const finals = [...cols.map((c) => `w.${c}`), `w.${cum}`];
  out.metrics.push({ name: cum, type: sumType(mt.type) });
  const delta = namer(`${mt.name}_delta`);
  finals.push(`COALESCE(w.${mt.name} - w.${prev}, w.${mt.name}) AS ${delta}`);
  out.metrics.push({ name: delta, type: mt.type });
  finals.push(`w.${first}`);
  out.dims.push({ name: first, type: 'DATE' });
  const age = namer('days_since_first_seen');
  finals.push(`date_diff('day', w.${first}, w.bucket_day) AS ${age}`);
  out.metrics.push({ name: age, type: 'BIGINT' });
  const latest = namer('is_latest');
  finals.push(`CASE WHEN w.recency_rank = 1 THEN TRUE ELSE FALSE END AS ${latest}`);
  out.dims.push({ name: latest, type: 'BOOLEAN' });

  const ctes = [
    [
      'source_rows AS (',
      `${IND}SELECT`,
      selectList(cols.map((c) => `p.${c}`), IND + IND, false),
      `${IND}FROM ${p.fqn} AS p${timeFilter('p', inc)}`,
      ')',
    ].join('\n'),
    ['windowed AS (', `${IND}SELECT`, selectList(winItems, IND + IND, false), `${IND}FROM source_rows AS s`, ')'].join('\n'),
  ];
  const joins = [];
  others.forEach((q, i) => {
    const j = joinedParentCte(rng, q, `${q.topic ?? q.source}_${i + 1}`, keys, inc, namer, rng.chance(0.3));
    ctes.push(j.cte);
    joins.push(joinClause('w', j));
    finals.push(...j.finals);
    out.metrics.push(...j.outCols);
  });
  const trailing = rng.chance(0.12);
  const sql = [
    `-- Per-${pk.name} running totals and deltas over ${p.fqn}.`,
    `WITH ${ctes.join(', ')}`,
    'SELECT',
    selectList(finals, IND, trailing),
    'FROM windowed AS w',
    ...joins,
  ].join('\n');
  return { sql, out };
}

// Union: stack 2-3 parents into one event stream on a shared key.
function buildUnion(rng, m, parents) {
  const inc = m.kind === 'INCREMENTAL_BY_TIME_RANGE';
  let shared = parents[0].keys.map((k) => k.name);
  for (const q of parents.slice(1)) shared = shared.filter((k) => q.keys.some((x) => x.name === k));
  const key = shared[0]; // caller guarantees one exists
  const branches = parents.map((q, i) => {
    const mt = rng.pick(q.metrics);
    const label = `${q.topic ?? q.source}_${q.fqn.split('.').pop().replace(/.*_(\d+)$/, '$1')}`;
    return [
      `${IND}SELECT`,
      `${IND}${IND}u${i}.bucket_day,`,
      `${IND}${IND}u${i}.event_time,`,
      `${IND}${IND}u${i}.${key},`,
      `${IND}${IND}'${label}' AS event_source,`,
      `${IND}${IND}CAST(u${i}.${mt.name} AS DOUBLE) AS amount`,
      `${IND}FROM ${q.fqn} AS u${i}${timeFilter(`u${i}`, inc)}`,
    ].join('\n');
  });
  const sql = [
    `-- Unified event stream keyed by ${key}.`,
    'WITH unioned AS (',
    branches.join(`\n${IND}UNION ALL\n`),
    ')',
    'SELECT',
    `${IND}unioned.bucket_day,`,
    `${IND}unioned.event_time,`,
    `${IND}unioned.${key},`,
    `${IND}unioned.event_source,`,
    `${IND}COALESCE(unioned.amount, 0) AS amount,`,
    `${IND}ROW_NUMBER() OVER (PARTITION BY unioned.${key}, unioned.bucket_day ORDER BY unioned.event_time) AS event_seq`,
    'FROM unioned',
  ].join('\n');
  const out = {
    id: null,
    keys: [{ name: key, type: 'VARCHAR' }],
    dims: [{ name: 'event_source', type: 'VARCHAR' }],
    metrics: [
      { name: 'amount', type: 'DOUBLE' },
      { name: 'event_seq', type: 'BIGINT' },
    ],
  };
  return { sql, out };
}

// ---------------------------------------------------------------------------
// Project plan: layers, parents, kinds

const INT_VARIETIES = ['events_daily', 'activity', 'enriched', 'metrics', 'rollup', 'by_project', 'by_artifact', 'funnel', 'retention', 'contributors'];
const MART_VARIETIES = ['metrics_daily', 'summary', 'timeseries', 'leaderboard', 'health', 'funding_overview', 'activity_overview'];

function pickKind(rng) {
  return rng.weighted([
    ['FULL', 40],
    ['INCREMENTAL_BY_TIME_RANGE', 40],
    ['VIEW', 15],
    ['INCREMENTAL_BY_UNIQUE_KEY', 5],
  ]);
}

function describe(m, parents) {
  const verbs = {
    staging: 'Cleaned and deduplicated',
    intermediate: 'Intermediate',
    marts: 'Published',
  };
  const src = parents.map((p) => p.fqn).slice(0, 2).join(' and ');
  return `${verbs[m.layer]} ${m.topic.replace(/_/g, ' ')} ${m.template} model built from ${src}`;
}

export function generateProject({ models: n, out, seed = 'tributary' }) {
  if (!Number.isInteger(n) || n < 3) throw new Error('--models must be an integer >= 3');
  const rng = makeRng(`${seed}:${n}`);
  const outDir = resolve(out);
  mkdirSync(outDir, { recursive: true });
  rmSync(join(outDir, 'models'), { recursive: true, force: true });

  const nStaging = Math.max(1, Math.round(n * 0.25));
  const nMarts = Math.max(1, Math.round(n * 0.2));
  const nInter = n - nStaging - nMarts;
  const width = String(n).length;
  const pad = (i) => String(i).padStart(width, '0');

  const externals = EXTERNALS.map(externalRelation);
  const staging = [];
  const inter = [];
  const marts = [];
  const stats = { kinds: {}, templates: {}, lines: [], edges: 0, bytes: 0 };

  function parentsFor(pool, primaryPool, count) {
    const primary = rng.pick(primaryPool);
    const parents = [primary];
    let tries = 0;
    while (parents.length < count && tries < 20) {
      tries++;
      const cand = rng.pick(pool);
      if (parents.includes(cand)) continue;
      // prefer parents sharing an entity key with the primary
      const shares = cand.keys.some((k) => primary.keys.some((x) => x.name === k.name));
      if (!shares && tries < 12) continue;
      parents.push(cand);
    }
    return parents;
  }

  function emit(layer, idx, template, parents, kind, topic, namePrefix) {
    const name = `${namePrefix}_${pad(idx)}`;
    const m = {
      layer,
      template,
      kind,
      topic,
      fqn: `oso.${name}`,
      name,
      category: parents[0].category,
    };
    const build = { staging: buildStaging, aggregate: buildAggregate, windowed: buildWindowed, union: buildUnion }[template];
    const { sql, out } = build(rng, m, parents);
    // header needs grain / not-null columns / unique key from the output shape
    m.grain = out.id ? ['bucket_day', out.id.name] : ['bucket_day', ...out.keys.slice(0, 2).map((k) => k.name)];
    if (template === 'union') m.grain = ['bucket_day', out.keys[0].name, 'event_seq'];
    m.uniqueKey = out.id ? [out.id.name] : m.grain;
    m.idColumn = out.id ? out.id.name : null;
    m.notNull = ['bucket_day', out.id ? out.id.name : out.keys[0].name];
    m.category = KEY_CATEGORY[out.keys[0]?.name] ?? m.category;
    m.description = describe(m, parents);
    const text = `${header(rng, m)}\n${sql}\n`;
    const dir = join(outDir, 'models', layer);
    writeFileSync(join(dir, `${name}.sql`), text);
    stats.kinds[kind] = (stats.kinds[kind] ?? 0) + 1;
    stats.templates[template] = (stats.templates[template] ?? 0) + 1;
    stats.lines.push(text.split('\n').length - 1);
    stats.edges += parents.length;
    stats.bytes += Buffer.byteLength(text);
    return { fqn: m.fqn, topic, source: topic, category: m.category, layer, ...out };
  }

  for (const layer of ['staging', 'intermediate', 'marts']) mkdirSync(join(outDir, 'models', layer), { recursive: true });

  let idx = 0;
  for (let i = 0; i < nStaging; i++) {
    const ext = rng.pick(externals);
    const parents = [ext];
    if (rng.chance(0.2)) {
      const partner = rng.pick(externals.filter((e) => e !== ext && e.keys.some((k) => ext.keys.some((x) => x.name === k.name))));
      if (partner) parents.push(partner);
    }
    const kind = pickKind(rng);
    const prefix = `stg_${ext.source}__${ext.ext.table.slice(ext.source.length + 1) || ext.ext.table}`;
    staging.push(emit('staging', idx++, 'staging', parents, kind, ext.source, prefix));
  }

  const parentCount = () => rng.weighted([[1, 35], [2, 35], [3, 20], [4, 10]]);
  for (let i = 0; i < nInter; i++) {
    const pool = inter.length > 0 ? staging.concat(inter) : staging;
    const primaryPool = inter.length > 0 && rng.chance(0.55) ? inter : staging;
    let template = rng.weighted([['aggregate', 55], ['windowed', 35], ['union', 10]]);
    const count = template === 'union' ? rng.int(2, 3) : template === 'windowed' ? rng.weighted([[1, 60], [2, 40]]) : parentCount();
    let parents = parentsFor(pool, primaryPool, count);
    if (template === 'union') {
      let shared = parents[0].keys.map((k) => k.name);
      for (const q of parents.slice(1)) shared = shared.filter((k) => q.keys.some((x) => x.name === k));
      if (parents.length < 2 || shared.length === 0) template = 'aggregate';
    }
    const kind = pickKind(rng);
    const topic = parents[0].topic;
    const prefix = `int_${topic}__${rng.pick(INT_VARIETIES)}`;
    inter.push(emit('intermediate', idx++, template, parents, kind, topic, prefix));
  }

  for (let i = 0; i < nMarts; i++) {
    const parents = parentsFor(inter, inter, parentCount());
    const kind = pickKind(rng);
    const topic = parents[0].topic;
    const prefix = `${topic}_${rng.pick(MART_VARIETIES)}_v${rng.int(0, 1)}`;
    marts.push(emit('marts', idx++, 'aggregate', parents, kind, topic, prefix));
  }

  // config.yaml: SQLMesh-valid YAML
  writeFileSync(
    join(outDir, 'config.yaml'),
    [
      '# Synthetic project generated by bench/generate-project.mjs',
      `# models: ${n}, seed: ${JSON.stringify(String(seed))}, generator v${GENERATOR_VERSION}`,
      'gateways:',
      '  local:',
      '    connection:',
      '      type: duckdb',
      'default_gateway: local',
      'model_defaults:',
      '  dialect: trino',
      "  start: '2024-01-01'",
      "  cron: '@daily'",
      '',
    ].join('\n'),
  );

  const yaml = [];
  for (const ext of EXTERNALS) {
    yaml.push(`- name: raw.${ext.table}`);
    yaml.push(`  description: Raw ${ext.table.replace(/_/g, ' ')} as landed by the ingest job`);
    yaml.push('  columns:');
    for (const c of externalColumns(ext)) yaml.push(`    ${c.name}: ${c.type}`);
  }
  writeFileSync(join(outDir, 'external_models.yaml'), yaml.join('\n') + '\n');

  const sorted = stats.lines.slice().sort((a, b) => a - b);
  const summary = {
    generatorVersion: GENERATOR_VERSION,
    models: n,
    seed: String(seed),
    layers: { staging: nStaging, intermediate: nInter, marts: nMarts },
    externals: EXTERNALS.length,
    kinds: stats.kinds,
    templates: stats.templates,
    edges: stats.edges,
    bytes: stats.bytes,
    lines: { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] },
  };
  writeFileSync(join(outDir, 'bench-manifest.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

// ---------------------------------------------------------------------------
// CLI

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: 'tributary' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.models || !values.out) {
    console.error('usage: node bench/generate-project.mjs --models N --out DIR [--seed S] [--quiet]');
    process.exit(values.help ? 0 : 2);
  }
  const n = Number(values.models);
  const t0 = performance.now();
  const summary = generateProject({ models: n, out: values.out, seed: values.seed });
  if (!values.quiet) {
    console.error(`generated ${n} models in ${((performance.now() - t0) / 1000).toFixed(2)} s -> ${resolve(values.out)}`);
    console.log(JSON.stringify(summary));
  }
}

