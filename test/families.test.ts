// The shipped model families (src/engine/families.ts): --model picks a folder and its defaults; the flags a user gives
// win; --model and --model-dir together, or an unknown name, are one-line usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseWatchArgs } from '../src/commands/watch-flags.js';
import { DEFAULT_FAMILY, FAMILIES, family, familyOfDir } from '../src/engine/families.js';
import { DEFAULT_MODEL_DIR } from '../src/engine/run.js';
import { UsageError } from '../src/engine/io/errors.js';

const env = { stdoutIsTTY: false, stdinIsTTY: false, env: {} };

test('prose is the default family, in the shipped models folder; code lives in models/code', () => {
  assert.equal(DEFAULT_FAMILY.id, 'austen');
  assert.equal(DEFAULT_FAMILY.dir, DEFAULT_MODEL_DIR);
  assert.equal(family('code').dir, join(DEFAULT_MODEL_DIR, 'code'));
  assert.deepEqual(
    FAMILIES.map((f) => f.id),
    ['austen', 'code'],
  );
  assert.equal(familyOfDir(join(DEFAULT_MODEL_DIR, 'code', '.')), family('code'));
  assert.equal(familyOfDir('/tmp'), undefined);
});

test('--model code: its folder, prompt, length and greedy decoding unless the flags say otherwise', () => {
  const o = parseWatchArgs(['--model', 'code'], env);
  assert.equal(o.modelDir, family('code').dir);
  assert.equal(o.config.prompt, family('code').prompt);
  assert.equal(o.config.length, family('code').length);
  assert.equal(o.config.temperature, 0);
  assert.equal(o.target?.modelDir, family('code').dir);
  assert.deepEqual(o.lanes, ['ar', 'speculative', 'block']);
  assert.deepEqual(parseWatchArgs(['--model', 'code', '--lanes', 'ar,diffusion'], env).lanes, ['ar', 'diffusion']);
  const given = parseWatchArgs(['--model', 'code', '--temperature', '0.5', '--length', '32', 'import os'], env);
  assert.equal(given.config.temperature, 0.5);
  assert.equal(given.config.length, 32);
  assert.equal(given.config.prompt, 'import os');
  // no --model: prose's defaults, as before the families
  const prose = parseWatchArgs([], env);
  assert.equal(prose.config.prompt, 'It is a truth universally acknowledged');
  assert.equal(prose.config.temperature, 1);
  assert.equal(prose.config.topK, 40);
  assert.equal(prose.modelDir, undefined);
  assert.equal(prose.lanes, undefined);
});

test('bad --model: one-line usage errors', () => {
  assert.throws(() => parseWatchArgs(['--model', 'code', '--model-dir', 'x'], env), UsageError);
  assert.throws(() => parseWatchArgs(['--model', 'nope'], env), /nope/);
  assert.throws(() => family('nope'), /the shipped models are austen, code/);
});
