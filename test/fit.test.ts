// Does the target hold the model (src/engine/price/fit.ts)? Weights + KV cache against the hardware's memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kvBytesPerToken, totalParams } from '../src/engine/price/cost.js';
import { fitOf } from '../src/engine/price/fit.js';
import { selectTarget } from '../src/engine/price/project.js';
import { fitNote } from '../src/render/projection.js';

test('Llama 3.3 70B at 8-bit: fits an H200 (141 GB), not an A100 40GB; the KV cache scales with batch and tokens', async () => {
  const h200 = await selectTarget({});
  const f = fitOf(h200, 1024);
  // 70.55 B parameters at one byte each, plus 1024 tokens of fp8 K and V over 80 layers of 8 heads of 128
  assert.equal(f.weights, totalParams(h200.model.shape, h200.model.tiedEmbeddings));
  assert.ok(Math.abs(f.weights / 1e9 - 70.55) < 0.1, `${f.weights}`);
  assert.equal(kvBytesPerToken(h200.model.shape, h200.precision), 2 * 80 * 8 * 128);
  assert.equal(f.kv, 1024 * 2 * 80 * 8 * 128);
  assert.equal(f.capacity, 141e9);
  assert.equal(f.fits, true);
  assert.equal(fitNote(h200, 1024), '');
  const a100 = await selectTarget({ hardware: 'a100-40gb' });
  assert.equal(fitOf(a100, 1024).fits, false);
  assert.match(fitNote(a100, 1024), /^does not fit: 70\.\d GB of weights and KV cache > 40\.0 GB$/);
  // 64 sequences of 128k tokens do not fit an H200 either
  const batch = await selectTarget({ batch: 64 });
  assert.equal(fitOf(batch, 131072).fits, false);
  // this machine's memory is not known: no claim either way
  const local = { ...h200, roofline: { ...h200.roofline, memory: undefined } };
  assert.equal(fitOf(local, 1024).fits, null);
});
