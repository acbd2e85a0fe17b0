// Throwaway harness: build the example warehouse on in-memory DuckDB the way the engine would.
import { init, transpile } from '@polyglot-sql/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

await init();
const ROOT = process.cwd();
const config = YAML.parse(fs.readFileSync('config.yaml', 'utf8'));
const vars = { ...config.variables }; for (const [k, v] of Object.entries(process.env)) if (k.startsWith('VAR_')) vars[k.slice(4)] = Number(v);

function walk(d) { return fs.readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.sql') ? [path.join(d, e.name)] : []); }

// string/comment-aware matching paren
function matchParen(s, i) {
  let depth = 0;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" || ch === '"') { const q = ch; i++; while (i < s.length && s[i] !== q) i++; continue; }
    if (ch === '-' && s[i + 1] === '-') { while (i < s.length && s[i] !== '\n') i++; continue; }
    if (ch === '/' && s[i + 1] === '*') { i = s.indexOf('*/', i) + 1; continue; }
    if (ch === '(') depth++;
    if (ch === ')') { depth--; if (depth === 0) return i; }
  }
  throw new Error('unbalanced');
}
function stripComments(s) { return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, ''); }

const models = {};
for (const file of walk('models')) {
  const text = fs.readFileSync(file, 'utf8');
  const m = /\bMODEL\s*\(/i.exec(text);
  const open = text.indexOf('(', m.index);
  const close = matchParen(text, open);
  const header = text.slice(open + 1, close);
  let query = text.slice(close + 1).replace(/^\s*;/, '').trim().replace(/;\s*$/, '');
  const hdr = stripComments(header);
  const name = /\bname\s+([\w.]+)/i.exec(hdr)[1];
  const kindM = /\bkind\s+(\w+)/i.exec(hdr);
  const kind = kindM[1].toUpperCase();
  const model = { file, name, kind, header: hdr, query };
  if (kind === 'SEED') {
    model.path = path.resolve(path.dirname(file), /path\s+'([^']+)'/.exec(hdr)[1]);
    const ci = hdr.search(/\bcolumns\s*\(/i);
    const co = hdr.indexOf('(', ci);
    model.columns = hdr.slice(co + 1, matchParen(hdr, co)).split(',').map(s => s.trim()).filter(Boolean).map(s => s.split(/\s+/));
  }
  if (kind === 'INCREMENTAL_BY_TIME_RANGE') model.timeColumn = /time_column\s+(\w+)/i.exec(hdr)[1];
  if (kind === 'INCREMENTAL_BY_UNIQUE_KEY') model.uniqueKey = /(?<!\w)unique_key\s*\(([^)]*)\)/i.exec(hdr)[1].split(',').map(s => s.trim());
  model.deps = [...new Set([...stripComments(query).matchAll(/\boso\.(\w+)/g)].map(x => 'oso.' + x[1]))];
  model.tags = [...hdr.matchAll(/tags\s*\(([^)]*)\)/gi)].flatMap(x => x[1].split(',').map(s => s.trim().replace(/^['"]|['"]$/g, '')).filter(Boolean));
  models[name] = model;
}

// topo sort
const order = []; const seen = new Set();
function visit(n, stack = []) { if (seen.has(n)) return; if (stack.includes(n)) throw new Error('cycle ' + n); const m = models[n]; if (!m) throw new Error('missing model ' + n + ' (from ' + stack.at(-1) + ')'); m.deps.forEach(d => visit(d, [...stack, n])); seen.add(n); order.push(n); }
Object.keys(models).sort().forEach(n => visit(n));

const ts = (d, end) => `TIMESTAMP '${d} ${end ? '23:59:59.999999' : '00:00:00.000000'}'`;
function render(sql, start, end) {
  return sql
    .replace(/@start_dt\b/g, ts(start)).replace(/@end_dt\b/g, ts(end, true))
    .replace(/@start_ds\b/g, `'${start}'`).replace(/@end_ds\b/g, `'${end}'`)
    .replace(/@start_date\b/g, `DATE '${start}'`).replace(/@end_date\b/g, `DATE '${end}'`)
    .replace(/@(\w+)/g, (all, v) => { if (v in vars) return String(vars[v]); throw new Error('unknown macro ' + all); });
}
const failures = [];
function toDuck(sql, name) {
  const r = transpile(sql, 'trino', 'duckdb');
  if (!r.success) { failures.push([name, r.error]); throw new Error(`transpile failed for ${name}: ${r.error}`); }
  return r.sql.join(';\n');
}

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run('CREATE SCHEMA oso');
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS().map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));

const days = []; for (let d = new Date('2024-01-01T00:00:00Z'); d <= new Date('2024-01-20T00:00:00Z'); d = new Date(d.getTime() + 86400000)) days.push(d.toISOString().slice(0, 10));
const batches = []; for (let i = 0; i < days.length; i += 7) batches.push([days[i], days[Math.min(i + 6, days.length - 1)]]);
const FULL = [days[0], days.at(-1)];
const SAMPLE = process.env.SHOW_SQL;

for (const n of order) {
  const m = models[n];
  const t = n;
  if (m.kind === 'SEED') {
    const cols = m.columns.map(([c, ty]) => `'${c}': '${ty}'`).join(', ');
    await c.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv('${m.path}', header = true, columns = {${cols}})`);
  } else if (m.kind === 'VIEW') {
    await c.run(`CREATE VIEW ${t} AS ${toDuck(render(m.query, ...FULL), n)}`);
  } else if (m.kind === 'FULL') {
    await c.run(`CREATE TABLE ${t} AS ${toDuck(render(m.query, ...FULL), n)}`);
  } else if (m.kind === 'INCREMENTAL_BY_TIME_RANGE') {
    const tc = m.timeColumn;
    const wrap = (s, e) => `SELECT * FROM (${render(m.query, s, e)}) AS _q WHERE ${tc} BETWEEN ${ts(s)} AND ${ts(e, true)}`;
    const [b0, ...rest] = batches;
    await c.run(`CREATE TABLE ${t} AS ${toDuck(wrap(...b0), n)}`);
    for (const [s, e] of rest) {
      await c.run(`DELETE FROM ${t} WHERE ${tc} BETWEEN ${ts(s)} AND ${ts(e, true)}`);
      await c.run(`INSERT INTO ${t} ${toDuck(wrap(s, e), n)}`);
    }
    // one-shot build over the whole range must equal the batched build
    await c.run(`CREATE TEMP TABLE _oneshot AS ${toDuck(wrap(...FULL), n)}`);
    const diff = await rows(`SELECT (SELECT count(*) FROM (SELECT * FROM ${t} EXCEPT ALL SELECT * FROM _oneshot)) + (SELECT count(*) FROM (SELECT * FROM _oneshot EXCEPT ALL SELECT * FROM ${t})) AS d`);
    if (diff[0].d !== 0) throw new Error(`${n}: batched != one-shot (${diff[0].d} rows differ)`);
    await c.run('DROP TABLE _oneshot');
  } else if (m.kind === 'INCREMENTAL_BY_UNIQUE_KEY') {
    const keys = m.uniqueKey;
    const [b0, ...rest] = batches;
    await c.run(`CREATE TABLE ${t} AS ${toDuck(render(m.query, ...b0), n)}`);
    for (const [s, e] of rest) {
      await c.run(`CREATE TEMP TABLE _batch AS ${toDuck(render(m.query, s, e), n)}`);
      await c.run(`DELETE FROM ${t} WHERE (${keys.join(', ')}) IN (SELECT (${keys.join(', ')}) FROM _batch)`);
      await c.run(`INSERT INTO ${t} SELECT * FROM _batch`);
      await c.run('DROP TABLE _batch');
    }
    await c.run(`CREATE TEMP TABLE _oneshot AS ${toDuck(render(m.query, ...FULL), n)}`);
    const diff = await rows(`SELECT (SELECT count(*) FROM (SELECT * FROM ${t} EXCEPT ALL SELECT * FROM _oneshot)) + (SELECT count(*) FROM (SELECT * FROM _oneshot EXCEPT ALL SELECT * FROM ${t})) AS d`);
    if (diff[0].d !== 0) throw new Error(`${n}: batched != one-shot (${diff[0].d} rows differ)`);
    await c.run('DROP TABLE _oneshot');
  } else throw new Error('kind ' + m.kind);
  if (SAMPLE === n) console.log(toDuck(render(m.query, ...FULL), n));
  const cnt = (await rows(`SELECT count(*) AS n FROM ${t}`))[0].n;
  m.rows = cnt;
  console.log(`${n.padEnd(42)} ${m.kind.padEnd(27)} rows=${String(cnt).padStart(4)}  deps=[${m.deps.join(', ')}]  tags=[${m.tags.join(', ')}]`);
  if (cnt === 0) throw new Error(n + ' is empty');
}
console.log('models:', order.length, 'transpile failures:', failures.length);
globalThis.__db = c;
export { c, rows, models, order };
