// A small model's context: the default length (256) is cut to what the context leaves after the prompt, with the
// default block and steps following it; a length asked for is never changed (it fails validation instead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECODE, fitDefaults, laneOptions, resolveConfig, type DecodeConfig } from '../src/engine/config.js';
import { laneSpec, type DiffusionOptions } from '../src/engine/lanes.js';
import { createRun, FIXTURE_MODEL_DIR } from '../src/engine/run.js';

const base: DecodeConfig = { ...DEFAULT_DECODE, prompt: 'p' };
const all = { length: true };
const diffusion = (c: DecodeConfig) => laneOptions<DiffusionOptions>(c, laneSpec('diffusion'));

test('fitDefaults: cuts a default length to context − prompt; block and steps follow where they are defaults', () => {
  assert.deepEqual(fitDefaults(base, all, 512, 10), resolveConfig(base)); // fits: unchanged (the lanes' options filled in)
  const c = fitDefaults(base, all, 128, 28);
  assert.equal(c.length, 100);
  assert.equal(c.lanes.diffusion!.block, 100); // 32 does not divide 100: one block
  assert.equal(c.lanes.diffusion!.steps, 64);
  const d = fitDefaults(base, all, 128, 32);
  assert.deepEqual([d.length, diffusion(d).block, diffusion(d).steps], [96, 32, 63]); // 3 blocks of 32: 64 steps rounded down to 63
  const given: DecodeConfig = { ...base, lanes: { diffusion: { block: 16, steps: 8 } } };
  assert.deepEqual(diffusion(fitDefaults(given, all, 128, 32)), { ...diffusion(given), block: 16, steps: 8 }); // given: kept
  assert.equal(fitDefaults(given, all, 128, 32).length, 96);
  assert.deepEqual(fitDefaults(base, { length: false }, 128, 28), resolveConfig(base)); // asked for: left to validation
  assert.deepEqual(fitDefaults(base, undefined, 128, 28), resolveConfig(base));
});

test('createRun on the fixture (context 128) with the default length generates what fits', async () => {
  const run = await createRun(
    { ...base, prompt: 'It is a truth universally acknowledged' },
    { modelDir: FIXTURE_MODEL_DIR, defaults: all },
  );
  try {
    assert.equal(run.info.promptTokens + run.info.config.length, 128);
  } finally {
    run.dispose();
  }
  await assert.rejects(
    createRun({ ...base, prompt: 'It is a truth' }, { modelDir: FIXTURE_MODEL_DIR }),
    /exceeds the model's context of 128 tokens: --length up to \d+ fits this prompt/,
  );
});

test('defaultSteps stays finite for --length 0 (fast-check found 0 / 0 = NaN), unchanged elsewhere', async () => {
  const { defaultSteps } = await import('../src/engine/lanes.js');
  assert.equal(defaultSteps(0, 32), 1); // finite: validateDecode then refuses --length 0 in one line
  assert.deepEqual(
    [defaultSteps(256, 32), defaultSteps(100, 100), defaultSteps(96, 32), defaultSteps(8, 8)],
    [64, 64, 63, 8],
  );
});
