// confidence.ts's one number: the top-1 probability of a logit row with [MASK] excluded, against tf.softmax over the
// row without the [MASK] column (an independent computation), and its argmax against the target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import { rng } from '../src/engine/decode/sample.js';
import { topOne } from '../src/train/confidence.js';

await initBackend('cpu');

test('topOne: 1 / Σ exp(l − l_max) equals the largest softmax probability without [MASK], and names the argmax', () => {
  const rand = rng(3);
  const V = 50,
    rows = 7,
    maskId = 49;
  const data = Float32Array.from({ length: rows * V }, () => (rand() - 0.5) * 12);
  for (let r = 0; r < rows; r++) data[r * V + maskId] = 100; // a huge [MASK] logit must not count
  const logits = tf.tensor2d(data, [rows, V]);
  const targets = Array.from({ length: rows }, (_, r) =>
    r % 2
      ? 3
      : (() => {
          let best = 0;
          for (let j = 0; j < V - 1; j++) if (data[r * V + j]! > data[r * V + best]!) best = j;
          return best;
        })(),
  );
  const got = topOne(logits, targets, maskId);
  const ref = tf.tidy(() => tf.max(tf.softmax(tf.slice(logits, [0, 0], [rows, V - 1])), 1).dataSync());
  got.forEach((g, r) => {
    assert.ok(Math.abs(g.p - ref[r]!) < 1e-6, `row ${r}: ${g.p} vs ${ref[r]}`);
    if (r % 2 === 0) assert.equal(g.right, true, `row ${r}: the target is the argmax`);
  });
  logits.dispose();
});
