// Weights on disk: fp16 encoding against IEEE reference bit patterns, save/load round trip, checksum refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import { GPT } from '../src/engine/model/model.js';
import { FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { buildModel, halfToFloat, loadModel, readModelJson } from '../src/engine/model/weights.js';
import { saveModel, toFloat16Bits } from './helpers/save-model.js';

test('fp16 bits match IEEE 754 half precision', () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [1 / 3, 0x3555],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [1e-9, 0x0000],
    [1e6, 0x7c00],
    [1 + 2 ** -11, 0x3c00] /* tie to even */,
    [1 + 3 * 2 ** -11, 0x3c02],
  ];
  const got = toFloat16Bits(Float32Array.from(cases.map((c) => c[0])));
  cases.forEach(([x, bits], i) => assert.equal(got[i], bits, `fp16(${x})`));
});

test('every float16 bit pattern decodes to the value tfjs decodes it to', async () => {
  await initBackend();
  const bits = Uint16Array.from({ length: 1 << 16 }, (_, i) => i);
  const [t] = Object.values(
    tf.io.decodeWeights(bits.buffer, [
      { name: 'all', shape: [1 << 16], dtype: 'float32', quantization: { dtype: 'float16' } },
    ] as tf.io.WeightsManifestEntry[]),
  );
  const want = t!.dataSync();
  t!.dispose();
  for (let h = 0; h < 1 << 16; h++)
    assert.ok(Object.is(Math.fround(halfToFloat(h)), want[h]!), `bits ${h.toString(16)}`);
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
});

test('a loaded model holds no weight tensor until a tfjs pass asks: then variables holding what tf.io.decodeWeights decodes', async () => {
  await initBackend();
  const read = readModelJson(FIXTURE_MODEL_DIR);
  const before = tf.memory().numTensors;
  const { model } = buildModel(read, FIXTURE_MODEL_DIR);
  assert.equal(tf.memory().numTensors - before, 1, 'only the mask bias');
  const specs = read.json.weightsManifest.flatMap((g) => g.weights);
  const ref = tf.io.decodeWeights(read.data.slice().buffer, specs);
  // the fast paths' reads: the stored values, no tensor made
  for (const [name, t] of Object.entries(ref)) assert.deepEqual(model.weight(name), t.dataSync(), name);
  assert.equal(tf.memory().numTensors - before - Object.keys(ref).length, 1);
  const key = model.weightKey();
  for (const [name, v] of model.params) assert.deepEqual(v.dataSync(), ref[name]!.dataSync(), name);
  assert.equal(tf.memory().numTensors - before - Object.keys(ref).length, model.params.size + 1, 'no copy lingers');
  assert.ok(model.holds(key), 'variables made from the stored weights hold the same values');
  model.params.get('lnf.g')!.assign(tf.onesLike(model.p('lnf.g')));
  assert.ok(!model.holds(key), 'an assigned variable changes the key');
  for (const t of Object.values(ref)) t.dispose();
  model.dispose();
});

test('released stored weights are read from the folder again, checksums checked', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'dlmw-'));
  try {
    cpSync(FIXTURE_MODEL_DIR, dir, { recursive: true });
    const { model, json } = loadModel(dir);
    const before = model.weight('wte');
    model.releaseStored();
    assert.deepEqual(model.weight('wte'), before);
    model.releaseStored();
    const file = join(dir, json.weightsManifest[0]!.paths[0]!);
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(file, bytes);
    assert.throws(() => model.weight('wte'), /checksum mismatch/);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('save → load gives the same weights to fp16 precision, sharded at 4 MiB', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'dlmw-'));
  const m = GPT.init(
    { vocab: 64, context: 16, d: 16, layers: 1, heads: 2, mlp: 32, maskId: 63, positions: 'rope', ropeBase: 10000 },
    3,
  );
  const json = await saveModel(m, dir, 'tokenizer.json');
  assert.equal(json.weightsManifest[0].paths.length, 1);
  const { model } = loadModel(dir);
  for (const [name, t] of m.params) {
    const a = t.dataSync(),
      b = model.params.get(name)!.dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= Math.abs(a[i]) * 2 ** -10 + 1e-7, name);
  }
  m.dispose();
  model.dispose();
  rmSync(dir, { recursive: true });
});

test('a corrupted weights file is refused with a one-line checksum error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlmw-'));
  cpSync(FIXTURE_MODEL_DIR, dir, { recursive: true });
  const file = join(dir, 'group1-shard1of1.bin');
  const buf = readFileSync(file);
  buf[100] ^= 0xff;
  writeFileSync(file, buf);
  const before = tf.memory().numTensors;
  assert.throws(
    () => loadModel(dir),
    (e: Error) => e.name === 'InputError' && /checksum mismatch/.test(e.message) && !e.message.includes('\n'),
  );
  assert.throws(() => loadModel(join(dir, 'nope')), /no model at/);
  rmSync(dir, { recursive: true });
  assert.equal(tf.memory().numTensors, before, 'a refused folder leaves no tensor behind');
});
