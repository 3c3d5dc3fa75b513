// Start-up: each command loads only what it needs (the built CLI in dist/, a process each, traced module by module
// by test/helpers/trace-imports.mjs): --help, calc and a bad flag neither ink/React nor tfjs; the live view's plan
// (its first frame) no tfjs; ink and React come from the build's bundle; a model that fails to open after the first
// frame closes the view with a one-line error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;

const HEAVY = /\/node_modules\/(ink|react|react-reconciler|yoga-layout|@tensorflow\/[^/]+)\//;
/** the build's bundle of ink and React (scripts/build.mjs) */
const VENDOR = /\/dist\/vendor\/ui\.js$/;

function loaded(args: string[]): { modules: string[]; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-trace-'));
  const trace = join(dir, 'trace.txt');
  const r = spawnSync(
    'node',
    ['--import', join(ROOT, 'test/helpers/trace-imports.mjs'), join(ROOT, 'bin/dlm-watch.js'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DLM_WATCH_TRACE: trace },
    },
  );
  let modules: string[] = [];
  try {
    modules = readFileSync(trace, 'utf8').trim().split('\n');
  } catch {
    // nothing traced
  }
  rmSync(dir, { recursive: true, force: true });
  return { modules, status: r.status, stderr: r.stderr };
}

const heavy = (ms: string[]) => [
  ...new Set(ms.flatMap((m) => (VENDOR.test(m) ? ['ink', 'react'] : HEAVY.test(m) ? [HEAVY.exec(m)![1]!] : []))),
];

test('--help, calc and a bad flag load neither ink/React nor tfjs', () => {
  for (const args of [['--help'], ['calc'], ['calc', '--tokens', '200'], ['--strategy', 'nope'], ['sweep', '--help']]) {
    const r = loaded(args);
    assert.ok(
      r.modules.some((m) => m.endsWith('/dist/cli.js')),
      `${args.join(' ')}: the trace saw the CLI (${r.stderr})`,
    );
    assert.deepEqual(heavy(r.modules), [], args.join(' '));
  }
});

test('a --plain run loads tfjs but not ink or React; the live view is what loads them', () => {
  const r = loaded(['--model-dir', join(ROOT, 'fixtures/tiny'), '--length', '4', '--steps', '2', '--plain']);
  assert.equal(r.status, 0, r.stderr);
  const h = heavy(r.modules);
  assert.ok(h.includes('@tensorflow/tfjs-core'), h.join());
  assert.ok(!h.includes('ink') && !h.includes('react'), h.join());
});

test('planning a run (what the live view draws first) reads the model folder without loading tfjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-trace-'));
  const trace = join(dir, 'trace.txt');
  const code = `
    const { parseWatchArgs } = await import(${JSON.stringify(join(ROOT, 'dist/commands/watch-flags.js'))});
    const { planRun } = await import(${JSON.stringify(join(ROOT, 'dist/engine/run.js'))});
    const o = parseWatchArgs(['hello', '--length', '8'], { stdoutIsTTY: true, stdinIsTTY: true, env: {} });
    const p = planRun(o.config, { modelDir: ${JSON.stringify(join(ROOT, 'fixtures/tiny'))} });
    console.log(JSON.stringify({ backend: p.info.backend, params: p.info.model.params, lanes: p.info.lanes.length }));`;
  const r = spawnSync(
    'node',
    ['--import', join(ROOT, 'test/helpers/trace-imports.mjs'), '--input-type=module', '-e', code],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DLM_WATCH_TRACE: trace } },
  );
  const modules = readFileSync(trace, 'utf8').trim().split('\n');
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { backend: null; params: null; lanes: number };
  assert.deepEqual(info, { backend: null, params: null, lanes: info.lanes });
  assert.ok(info.lanes >= 2);
  assert.ok(
    modules.some((m) => m.endsWith('/dist/engine/run.js')),
    'the trace saw the engine',
  );
  assert.deepEqual(heavy(modules), []);
});

test('the live view loads ink and React from the build’s one bundle, not module by module', () => {
  const r = loaded(['--help']);
  assert.ok(!r.modules.some((m) => VENDOR.test(m)), '--help loads no view');
  assert.ok(existsSync(join(ROOT, 'dist/vendor/ui.js')), 'npm run build made the bundle');
  const views = readdirSync(join(ROOT, 'dist/render/live')).filter((f) => f.endsWith('.js'));
  for (const f of views) {
    const text = readFileSync(join(ROOT, 'dist/render/live', f), 'utf8');
    assert.doesNotMatch(text, /from\s*"(ink|react|react\/jsx-runtime)"/, f);
  }
});

test('a live view whose weights fail their checksum closes and says so in one line (exit 1, no stack)', () => {
  assert.equal(spawnSync('script', ['--version']).status, 0, 'util-linux `script` is needed for a terminal');
  const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-bad-'));
  cpSync(join(ROOT, 'fixtures/tiny'), dir, { recursive: true });
  const shard = join(dir, 'group1-shard1of1.bin');
  const bytes = readFileSync(shard);
  bytes[100] ^= 0xff;
  writeFileSync(shard, bytes);
  const cmd = `stty cols 100 rows 30; exec node ${join(ROOT, 'bin/dlm-watch.js')} hello --model-dir ${dir} --exit`;
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TERM: 'xterm-256color' },
  });
  rmSync(dir, { recursive: true, force: true });
  // the frame came first (drawn while the weights loaded), then the one-line error
  assert.match(r.stdout, /loading the models/);
  assert.match(r.stdout, /dlm-watch: checksum mismatch for .*group1-shard1of1\.bin/);
  assert.doesNotMatch(r.stdout, /InputError|\n\s+at /);
  assert.equal(r.status, 1, r.stdout.slice(-400));
});
