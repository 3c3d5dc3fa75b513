// Start-up: each command loads only what it needs (the built CLI in dist/, a process each, traced module by module
// by test/helpers/trace-imports.mjs): --help, calc and a bad flag neither ink/React nor tfjs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
