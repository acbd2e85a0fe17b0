#!/usr/bin/env node
// Planning benchmark: load + parse + DAG + plan against an empty state, on
// synthetic SQLMesh-compatible projects of several sizes.
//
//   npm run build && node bench/plan-bench.mjs [--sizes 1000,5000,10000] [--peers]
//
// See bench/README.md for what is measured and how. Plain Node ESM, node
// builtins only. This is a script, never a unit test: timings on a shared
// 2-core machine are too noisy to assert on.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync, accessSync, constants as fsc } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, tmpdir, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateProject, GENERATOR_VERSION } from './generate-project.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(BENCH_DIR, '..');
const OUT = join(BENCH_DIR, 'out');

const TARGETS = { size: 10000, coldS: 5, warmS: 1.5, peakMB: 1024 };

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,5000,10000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: 'tributary' },
    timeout: { type: 'string', default: '600' },
    cli: { type: 'string', default: join(REPO, 'dist', 'cli', 'main.js') },
    regen: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    'peer-sizes': { type: 'string' },
    'peer-runs': { type: 'string' },
    'peer-timeout': { type: 'string', default: '600' },
    'skip-ours': { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    'sample-ms': { type: 'string', default: '500' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(`usage: node bench/plan-bench.mjs [options]
  --sizes 1000,5000,10000   project sizes (models) to generate and plan
  --runs 3                  timed runs per scenario (median reported)
  --seed S                  generator seed (default "tributary")
  --timeout 600             per-run timeout for our CLI, seconds
  --cli PATH                our CLI (default dist/cli/main.js)
  --regen                   regenerate projects even if bench/out/<size> matches
  --peers                   also run SQLMesh (bash bench/peers/setup-sqlmesh.sh first)
  --peer-sizes LIST         sizes for SQLMesh (default: same as --sizes)
  --peer-runs N             timed runs per SQLMesh scenario (default: --runs)
  --peer-timeout 600        per-run timeout for SQLMesh, seconds ("timeout" is reported)
  --skip-ours               only run the peers (our CLI need not be built)
  --merge                   keep (tool, size) results from the previous plan-results.json
                            that this invocation does not re-measure (e.g. slow peer runs)
  --sample-ms 500           process-tree memory sampling interval`);
  process.exit(0);
}

const parseList = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const n = Number(x.replace(/k$/i, '000'));
      if (!Number.isInteger(n) || n < 3) die(`bad size "${x}"`);
      return n;
    });

function die(msg) {
  console.error(`plan-bench: ${msg}`);
  process.exit(1);
}

const sizes = parseList(opt.sizes);
const peerSizes = opt['peer-sizes'] ? parseList(opt['peer-sizes']) : sizes;
const runs = Number(opt.runs);
const peerRuns = opt['peer-runs'] ? Number(opt['peer-runs']) : runs;
const timeoutMs = Number(opt.timeout) * 1000;
const peerTimeoutMs = Number(opt['peer-timeout']) * 1000;
const sampleMs = Number(opt['sample-ms']);
const runOurs = !opt['skip-ours'];
const cliPath = resolve(opt.cli);

// ---------------------------------------------------------------------------
// Preflight

if (runOurs && !existsSync(cliPath)) {
  die(
    `our CLI was not found at ${cliPath}.\n` +
      `  Build it first:  npm run build && node bench/plan-bench.mjs ...\n` +
      `  (or pass --skip-ours --peers to benchmark only SQLMesh)`,
  );
}
if (!runOurs && !opt.peers) die('--skip-ours without --peers leaves nothing to run');

const SQLMESH_VENV = process.env.SQLMESH_VENV ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tributary-bench', 'sqlmesh-venv');
const SQLMESH_BIN = process.env.SQLMESH_BIN ?? join(SQLMESH_VENV, 'bin', 'sqlmesh');
let sqlmeshVersion = null;
if (opt.peers) {
  if (!existsSync(SQLMESH_BIN)) {
    die(`SQLMesh not found at ${SQLMESH_BIN}.\n  Install it first:  bash bench/peers/setup-sqlmesh.sh`);
  }
  const v = spawnSync(SQLMESH_BIN, ['--version'], { encoding: 'utf8' });
  sqlmeshVersion = (v.stdout || v.stderr).trim();
}

// GNU time gives the child's peak RSS (%M, KB). Fallback: poll VmHWM.
const TIME_BIN = (() => {
  try {
    accessSync('/usr/bin/time', fsc.X_OK);
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' });
    return r.status === 0 && /^\d+\s*$/m.test(r.stderr) ? '/usr/bin/time' : null;
  } catch {
    return null;
  }
})();

function machineInfo() {
  const cpuModel = (() => {
    try {
      const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
      return m ? m[1].trim() : cpus()[0]?.model;
    } catch {
      return cpus()[0]?.model;
    }
  })();
  const nproc = (() => {
    const r = spawnSync('nproc', [], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : cpus().length;
  })();
  return {
    nproc,
    cpuModel,
    memTotalGiB: +(totalmem() / 2 ** 30).toFixed(1),
    memFreeGiB: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    peakRssSource: TIME_BIN ? '/usr/bin/time -f %M (largest single process)' : '/proc/<pid>/status VmHWM polling',
  };
}

// ---------------------------------------------------------------------------
// Process-tree memory sampling (sum of PSS over the child and its descendants;
// SQLMesh forks worker processes, so the largest-process figure alone would
// understate it). No /proc/<pid>/task/*/children on every kernel, so scan /proc.

function readParents() {
  const parents = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(d), Number(rest[1]));
    } catch {
      /* process exited */
    }
  }
  return parents;
}

function treeMemory(rootPid, skipRoot) {
  const parents = readParents();
  const tree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let pss = 0;
  let rss = 0;
  let hwm = 0;
  for (const pid of tree) {
    if (skipRoot && pid === rootPid) continue;
    try {
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(roll.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
      rss += Number(roll.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
      const st = readFileSync(`/proc/${pid}/status`, 'utf8');
      hwm = Math.max(hwm, Number(st.match(/^VmHWM:\s+(\d+)/m)?.[1] ?? 0));
    } catch {
      /* exited */
    }
  }
  return { pssKB: pss, rssKB: rss, hwmKB: hwm, procs: tree.size - (skipRoot ? 1 : 0) };
}

// ---------------------------------------------------------------------------
// One timed run

let runCounter = 0;
function runTimed({ cmd, args, cwd, env, timeoutMs: limit, input, keepStdout }) {
  return new Promise((resolvePromise) => {
    const timeFile = join(tmpdir(), `tributary-bench-${process.pid}-${runCounter++}.time`);
    const argv = TIME_BIN ? [TIME_BIN, '-f', '%e %M %U %S', '-o', timeFile, cmd, ...args] : [cmd, ...args];
    const load1 = loadavg()[0];
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out = [];
    let outBytes = 0;
    let errTail = '';
    child.stdout.on('data', (b) => {
      outBytes += b.length;
      if (keepStdout || outBytes < 1 << 20) out.push(b);
    });
    child.stderr.on('data', (b) => {
      errTail = (errTail + b.toString()).slice(-8000);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    let peakPss = 0;
    let peakRss = 0;
    let peakHwm = 0;
    let maxProcs = 0;
    const sample = () => {
      const m = treeMemory(child.pid, Boolean(TIME_BIN));
      peakPss = Math.max(peakPss, m.pssKB);
      peakRss = Math.max(peakRss, m.rssKB);
      peakHwm = Math.max(peakHwm, m.hwmKB);
      maxProcs = Math.max(maxProcs, m.procs);
    };
    const sampler = setInterval(sample, sampleMs);
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, limit);
    child.on('close', (code, signal) => {
      const wallS = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      clearTimeout(killer);
      let peakRssMB = null;
      let cpuS = null;
      if (TIME_BIN) {
        try {
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          const m = lines[lines.length - 1].match(/^([\d.]+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$/);
          if (m) {
            peakRssMB = Number(m[2]) / 1024;
            cpuS = Number(m[3]) + Number(m[4]);
          }
          rmSync(timeFile, { force: true });
        } catch {
          /* no time output (killed) */
        }
        if (peakRssMB == null && peakHwm > 0) peakRssMB = peakHwm / 1024; // sampled VmHWM
      } else {
        peakRssMB = peakHwm / 1024;
      }
      // GNU time exits with the child's status
      resolvePromise({
        ok: !timedOut && code === 0,
        code,
        signal,
        timedOut,
        wallS,
        cpuS,
        load1Before: load1,
        peakRssMB,
        treePeakPssMB: peakPss / 1024,
        treePeakRssMB: peakRss / 1024,
        maxProcs,
        stdout: Buffer.concat(out).toString(),
        stdoutBytes: outBytes,
        stderrTail: errTail,
      });
    });
  });
}

// ---------------------------------------------------------------------------
// Helpers

const median = (xs) => {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmtS = (x) => (x == null ? '–' : x.toFixed(2));
const fmtMB = (x) => (x == null ? '–' : Math.round(x).toString());
const log = (...a) => console.error(...a);
const fmtRun = (r) =>
  r.ok
    ? `${fmtS(r.wallS)} s (cpu ${r.cpuS != null ? r.cpuS.toFixed(1) : '?'} s, load ${r.load1Before.toFixed(1)}), peak ${fmtMB(r.peakRssMB)} MB, tree PSS ${fmtMB(r.treePeakPssMB)} MB`
    : describeFailure(r);

function ensureProject(size) {
  const dir = join(OUT, String(size));
  const manifestPath = join(dir, 'bench-manifest.json');
  let ok = false;
  if (!opt.regen && existsSync(manifestPath)) {
    try {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
      ok = m.models === size && m.seed === opt.seed && m.generatorVersion === GENERATOR_VERSION;
    } catch {
      ok = false;
    }
  }
  if (ok) {
    log(`[${size}] reusing generated project ${dir}`);
    return { dir, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) };
  }
  const t0 = performance.now();
  // A fresh project invalidates every cache/state kept next to it.
  for (const p of ['.tributary', '.cache', 'logs', 'sqlmesh-state.duckdb', 'sqlmesh-state.duckdb.wal']) rmSync(join(dir, p), { recursive: true, force: true });
  const manifest = generateProject({ models: size, out: dir, seed: opt.seed });
  log(`[${size}] generated ${size} models (${(manifest.bytes / 2 ** 20).toFixed(1)} MiB SQL) in ${((performance.now() - t0) / 1000).toFixed(2)} s -> ${dir}`);
  return { dir, manifest };
}

function describeFailure(r) {
  if (r.timedOut) return 'timeout';
  const tail = r.stderrTail.trim().split('\n').slice(-6).join('\n    ');
  return `exit ${r.code ?? r.signal}${tail ? `\n    ${tail}` : ''}`;
}

function summarize(runsList) {
  const okRuns = runsList.filter((r) => r.ok);
  if (runsList.some((r) => r.timedOut)) return { status: 'timeout', medianS: null };
  if (okRuns.length < runsList.length || runsList.length === 0) return { status: runsList.length ? 'error' : 'not run', medianS: null };
  const w = okRuns.map((r) => r.wallS);
  const cpu = okRuns.map((r) => r.cpuS).filter((x) => x != null);
  return { status: 'ok', medianS: median(w), minS: Math.min(...w), maxS: Math.max(...w), medianCpuS: median(cpu) };
}

const stripRun = ({ stdout, ...rest }) => rest;

// ---------------------------------------------------------------------------
// Our CLI

async function benchOurs(size, dir) {
  const args = [cliPath, 'plan', '--json', '-p', dir];
  const base = { cmd: process.execPath, args, cwd: REPO, env: process.env, timeoutMs };
  const cacheDir = join(dir, '.tributary');
  const cold = [];
  let validated = null;
  for (let i = 0; i < runs; i++) {
    rmSync(cacheDir, { recursive: true, force: true });
    const r = await runTimed({ ...base, keepStdout: i === 0 });
    if (i === 0 && r.ok) validated = validatePlanJson(r.stdout, size);
    log(`[${size}] ours cold #${i + 1}: ${fmtRun(r)}`);
    cold.push(stripRun(r));
    if (!r.ok) break;
  }
  const warm = [];
  if (cold.length && cold.every((r) => r.ok)) {
    const fill = await runTimed(base); // fill the cache (untimed)
    log(`[${size}] ours warm-up (fills cache): ${fill.ok ? `${fmtS(fill.wallS)} s` : describeFailure(fill)}`);
    if (fill.ok) {
      for (let i = 0; i < runs; i++) {
        const r = await runTimed(base);
        log(`[${size}] ours warm #${i + 1}: ${fmtRun(r)}`);
        warm.push(stripRun(r));
        if (!r.ok) break;
      }
    }
  }
  let cliBuiltAt = null;
  try {
    cliBuiltAt = statSync(cliPath).mtime.toISOString();
  } catch {
    /* ignore */
  }
  const gitHead = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout?.trim() || null;
  return {
    tool: 'tributary',
    cliBuiltAt,
    gitHead,
    timeoutS: timeoutMs / 1000,
    command: `node ${relative(cliPath)} plan --json -p ${relative(dir)}`,
    cold: { ...summarize(cold), runs: cold },
    warm: { ...summarize(warm), runs: warm },
    peakRssMB: maxOf([...cold, ...warm], 'peakRssMB'),
    treePeakPssMB: maxOf([...cold, ...warm], 'treePeakPssMB'),
    output: validated,
  };
}

function validatePlanJson(text, size) {
  try {
    const plan = JSON.parse(text);
    const models = Array.isArray(plan.models) ? plan.models.length : null;
    const added = plan.changes && Array.isArray(plan.changes.added) ? plan.changes.added.length : null;
    const note = models != null && models !== size ? `plan lists ${models} models, project has ${size}` : null;
    if (note) log(`  warning: ${note}`);
    return { json: true, bytes: Buffer.byteLength(text), topLevelKeys: Object.keys(plan), models, added, note };
  } catch (e) {
    log(`  warning: plan --json output is not valid JSON (${e.message})`);
    return { json: false, bytes: Buffer.byteLength(text) };
  }
}

// ---------------------------------------------------------------------------
// SQLMesh

const SQLMESH_PLAN_ARGS = ['plan', '--skip-tests', '--skip-linter', '--no-prompts'];

function sqlmeshEnv(dir) {
  return {
    ...process.env,
    SQLMESH__DISABLE_ANONYMIZED_ANALYTICS: '1',
    // state in a throwaway DuckDB next to the project; the project's own
    // config.yaml is left exactly as generated
    SQLMESH__GATEWAYS__LOCAL__STATE_CONNECTION__TYPE: 'duckdb',
    SQLMESH__GATEWAYS__LOCAL__STATE_CONNECTION__DATABASE: join(dir, 'sqlmesh-state.duckdb'),
  };
}

// Create a migrated, empty state DB without loading the big project, so the
// one-off state migration is not inside any timing.
function initSqlmeshState(dir) {
  for (const p of ['sqlmesh-state.duckdb', 'sqlmesh-state.duckdb.wal']) rmSync(join(dir, p), { force: true });
  const empty = join(OUT, '.sqlmesh-empty-project');
  mkdirSync(empty, { recursive: true });
  writeFileSync(join(empty, 'config.yaml'), readFileSync(join(dir, 'config.yaml')));
  rmSync(join(empty, 'models'), { recursive: true, force: true });
  const r = spawnSync(SQLMESH_BIN, ['-p', empty, 'migrate'], { env: sqlmeshEnv(dir), encoding: 'utf8', cwd: empty });
  if (r.status !== 0) log(`  warning: sqlmesh migrate failed: ${(r.stderr || r.stdout).trim().slice(-500)}`);
}

function checkSqlmeshOutput(r) {
  // `sqlmesh` reports some errors on stdout and still exits 0.
  if (r.ok && /^Error:/m.test(r.stdout)) return { ...r, ok: false, stderrTail: r.stdout.slice(-2000) };
  if (r.ok && !/Models needing backfill|Added Models/.test(r.stdout)) {
    return { ...r, ok: false, stderrTail: `unexpected output:\n${r.stdout.slice(-2000)}` };
  }
  return r;
}

async function benchSqlmesh(size, dir) {
  initSqlmeshState(dir);
  const args = ['-p', dir, ...SQLMESH_PLAN_ARGS];
  // "n" answers the final "Apply - Backfill Tables [y/n]" prompt: plan only.
  const base = { cmd: SQLMESH_BIN, args, cwd: dir, env: sqlmeshEnv(dir), timeoutMs: peerTimeoutMs, input: 'n\n', keepStdout: true };
  const cacheDir = join(dir, '.cache');
  const cold = [];
  for (let i = 0; i < peerRuns; i++) {
    rmSync(cacheDir, { recursive: true, force: true });
    const r = checkSqlmeshOutput(await runTimed(base));
    log(`[${size}] sqlmesh cold #${i + 1}: ${fmtRun(r)}`);
    cold.push(stripRun(r));
    if (!r.ok) break;
  }
  // The last cold run leaves .cache filled, so no extra warm-up run.
  const warm = [];
  if (cold.length && cold.every((r) => r.ok)) {
    for (let i = 0; i < peerRuns; i++) {
      const r = checkSqlmeshOutput(await runTimed(base));
      log(`[${size}] sqlmesh warm #${i + 1}: ${fmtRun(r)}`);
      warm.push(stripRun(r));
      if (!r.ok) break;
    }
  }
  return {
    tool: 'sqlmesh',
    version: sqlmeshVersion,
    timeoutS: peerTimeoutMs / 1000,
    command: `echo n | sqlmesh -p ${relative(dir)} ${SQLMESH_PLAN_ARGS.join(' ')}`,
    cold: { ...summarize(cold), runs: cold },
    warm: { ...summarize(warm), runs: warm },
    peakRssMB: maxOf([...cold, ...warm], 'peakRssMB'),
    treePeakPssMB: maxOf([...cold, ...warm], 'treePeakPssMB'),
  };
}

function maxOf(list, key) {
  const xs = list.map((r) => r[key]).filter((x) => typeof x === 'number' && x > 0);
  return xs.length ? Math.max(...xs) : null;
}

function relative(p) {
  return p.startsWith(REPO + '/') ? p.slice(REPO.length + 1) : p;
}

// ---------------------------------------------------------------------------
// Main

const machine = machineInfo();
log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memTotalGiB} GiB, node ${machine.node}`);
log(`peak RSS via ${machine.peakRssSource}`);
if (opt.peers) log(`sqlmesh: ${sqlmeshVersion} (${SQLMESH_BIN})`);

const results = [];
const allSizes = [...new Set([...(runOurs ? sizes : []), ...(opt.peers ? peerSizes : [])])].sort((a, b) => a - b);
const projects = new Map();
for (const size of allSizes) projects.set(size, ensureProject(size));

if (runOurs) {
  for (const size of sizes) {
    const { dir, manifest } = projects.get(size);
    results.push({ size, measuredAt: new Date().toISOString(), project: summarizeManifest(manifest), ...(await benchOurs(size, dir)) });
  }
}
if (opt.peers) {
  for (const size of peerSizes) {
    const { dir, manifest } = projects.get(size);
    results.push({ size, measuredAt: new Date().toISOString(), project: summarizeManifest(manifest), ...(await benchSqlmesh(size, dir)) });
  }
}

function summarizeManifest(m) {
  return { models: m.models, externals: m.externals, edges: m.edges, bytes: m.bytes, kinds: m.kinds, lines: m.lines };
}

// ---------------------------------------------------------------------------
// Report

const jsonPath = join(OUT, 'plan-results.json');
let merged = 0;
if (opt.merge && existsSync(jsonPath)) {
  try {
    const prev = JSON.parse(readFileSync(jsonPath, 'utf8'));
    for (const r of prev.results ?? []) {
      if (results.some((x) => x.tool === r.tool && x.size === r.size)) continue;
      if (r.project?.models !== r.size || (prev.options?.seed ?? opt.seed) !== opt.seed) continue;
      const fix = (x) => (x?.status === 'skipped' ? { ...x, status: 'not run' } : x);
      results.push({ ...r, cold: fix(r.cold), warm: fix(r.warm), merged: true, measuredAt: r.measuredAt ?? prev.date });
      merged++;
    }
    if (!sqlmeshVersion && prev.sqlmesh?.version) sqlmeshVersion = prev.sqlmesh.version;
  } catch (e) {
    log(`  warning: could not merge ${jsonPath}: ${e.message}`);
  }
}
function cell(s) {
  if (s.status === 'ok') return runs > 1 || peerRuns > 1 ? `${fmtS(s.medianS)} (${fmtS(s.minS)}–${fmtS(s.maxS)})` : fmtS(s.medianS);
  return s.status;
}

function targetCell(r) {
  if (r.tool !== 'tributary' || r.size !== TARGETS.size) return '';
  const parts = [];
  const mark = (ok) => (ok ? 'PASS' : 'FAIL');
  if (r.cold.status === 'ok') parts.push(`cold ${mark(r.cold.medianS < TARGETS.coldS)}`);
  if (r.warm.status === 'ok') parts.push(`warm ${mark(r.warm.medianS < TARGETS.warmS)}`);
  if (r.peakRssMB != null) parts.push(`peak ${mark(r.peakRssMB < TARGETS.peakMB)}`);
  return parts.join(', ');
}

const lines = [];
lines.push(`Targets for ${TARGETS.size} models (tributary): cold < ${TARGETS.coldS} s, warm < ${TARGETS.warmS} s, peak < 1 GB (${TARGETS.peakMB} MB).`);
lines.push('');
lines.push('| size | tool | cold median s (min–max) | warm median s (min–max) | cold / warm CPU s | peak RSS MB | tree peak PSS MB | vs target |');
lines.push('|---:|---|---:|---:|---:|---:|---:|---|');
for (const r of results.slice().sort((a, b) => a.size - b.size || a.tool.localeCompare(b.tool))) {
  const cpuCell = `${r.cold.medianCpuS != null ? r.cold.medianCpuS.toFixed(1) : '–'} / ${r.warm.medianCpuS != null ? r.warm.medianCpuS.toFixed(1) : '–'}`;
  lines.push(`| ${r.size} | ${r.tool}${r.merged ? ` (${r.measuredAt.slice(0, 16).replace('T', ' ')})` : ''} | ${cell(r.cold)} | ${cell(r.warm)} | ${cpuCell} | ${fmtMB(r.peakRssMB)} | ${fmtMB(r.treePeakPssMB)} | ${targetCell(r)} |`);
}
const ratios = [];
const hasTool = (t) => results.some((r) => r.tool === t);
if (hasTool('tributary') && hasTool('sqlmesh')) {
  ratios.push('');
  ratios.push('| size | SQLMesh / tributary, cold | SQLMesh / tributary, warm |');
  ratios.push('|---:|---:|---:|');
  for (const size of [...new Set(results.map((r) => r.size))].sort((a, b) => a - b)) {
    const ours = results.find((r) => r.tool === 'tributary' && r.size === size);
    const sm = results.find((r) => r.tool === 'sqlmesh' && r.size === size);
    if (!ours || !sm) continue;
    const ratio = (a, b) => {
      if (a.status === 'timeout' && b.status === 'ok') return `> ${((sm.timeoutS ?? peerTimeoutMs / 1000) / b.medianS).toFixed(0)}× (timeout)`;
      if (a.status !== 'ok' || b.status !== 'ok') return '–';
      return `${(a.medianS / b.medianS).toFixed(1)}×`;
    };
    ratios.push(`| ${size} | ${ratio(sm.cold, ours.cold)} | ${ratio(sm.warm, ours.warm)} |`);
  }
}
const report = [...lines, ...ratios].join('\n');
console.log('');
console.log(report);
console.log('');
console.log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memTotalGiB} GiB RAM, node ${machine.node}`);
const commands = [...new Map(results.map((r) => [r.tool, r.command.replace(/out\/\d+/, 'out/<size>')])).entries()];
for (const [tool, cmd] of commands) console.log(`${tool}: ${cmd}`);
if (merged) console.log(`(${merged} result rows merged from the previous ${relative(jsonPath)}; their date is shown next to the tool)`);

mkdirSync(OUT, { recursive: true });
writeFileSync(
  jsonPath,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine,
      options: { sizes, peerSizes: opt.peers ? peerSizes : [], runs, peerRuns, seed: opt.seed, timeoutS: timeoutMs / 1000, peerTimeoutS: peerTimeoutMs / 1000, generatorVersion: GENERATOR_VERSION },
      targets: TARGETS,
      sqlmesh: hasTool('sqlmesh') ? { version: sqlmeshVersion, bin: SQLMESH_BIN, args: SQLMESH_PLAN_ARGS, stdin: 'n' } : null,
      results,
      markdown: report,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nresults: ${relative(jsonPath)}`);
