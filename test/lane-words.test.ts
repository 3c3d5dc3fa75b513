// Renderers and commands never name a lane's pass kinds or ids in a comparison: what a pass is called, captioned,
// marked or summed up is the lane's to say (LaneSpec in src/engine/lanes.ts). A static check over the source text.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { BUILTIN_LANES } from '../src/engine/lanes.js';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

/** every comparison of a quoted name from `names` in text: x === 'draft', 'verify' !== y, case 'draft': */
export function comparisonsOf(text: string, names: readonly string[]): string[] {
  const alt = names.map((n) => n.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|');
  const q = `['"\`](?:${alt})['"\`]`;
  const re = new RegExp(`(?:[!=]==?\\s*${q})|(?:${q}\\s*[!=]==?)|(?:\\bcase\\s+${q}\\s*:)`, 'g');
  return [...text.matchAll(re)].map((m) => m[0]);
}

const kinds = [...new Set(BUILTIN_LANES.flatMap((l) => l.passKinds))];
const ids = BUILTIN_LANES.map((l) => l.id);

test('the check finds what it is about', () => {
  assert.deepEqual(
    comparisonsOf(`if (e.kind === 'draft') x; if ("verify" !== k) y; switch (k) { case 'denoise': }`, kinds),
    [`=== 'draft'`, `"verify" !==`, `case 'denoise':`],
  );
  assert.deepEqual(comparisonsOf(`l.id === 'speculative'`, ids), [`=== 'speculative'`]);
  assert.deepEqual(comparisonsOf(`passKinds: ['prefill', 'decode'], { kind: 'draft' }`, kinds), []);
});

test('src/render and src/commands compare no built-in pass kind nor lane id', () => {
  const found: string[] = [];
  for (const dir of ['render', 'commands']) {
    for (const f of files(join(SRC, dir))) {
      const text = readFileSync(f, 'utf8');
      for (const c of [...comparisonsOf(text, kinds), ...comparisonsOf(text, ids)])
        found.push(`${relative(SRC, f)}: ${c}`);
    }
  }
  assert.deepEqual(found, []);
});
