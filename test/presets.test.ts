// Hardware and model presets against the reference tables; peak choice per dtype; user-defined and local hardware.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/engine/config.js';
import { activeParams, embeddingParams, lmHeadParams, totalParams } from '../src/engine/price/cost.js';
import {
  findHardware,
  hardwareKeys,
  peakFor,
  profilePath,
  readProfile,
  writeProfile,
  type LocalProfile,
} from '../src/engine/price/hardware.js';
import { CONFIG_PRESETS, findModel, MODEL_PRESETS, modelKeys, shippedPreset } from '../src/engine/price/presets.js';
import { ridgeBytesPerFlop, rooflineFor } from '../src/engine/price/roofline.js';

// The reference table's parameter counts (cost-model.md), embeddings untied in all five.
const TABLE_PARAMS: Record<string, number> = {
  'llama-3.3-70b': 70.55e9,
  'llama-3.1-8b': 8.03e9,
  'qwen2.5-7b': 7.62e9,
  'dream-7b': 7.62e9,
  'llada-8b': 8.02e9,
};

test('every table preset: P_mm + LM head + input embedding within 1 % of the table', () => {
  const table = MODEL_PRESETS.filter((m) => !CONFIG_PRESETS.includes(m));
  assert.deepEqual(table.map((m) => m.key).sort(), Object.keys(TABLE_PARAMS).sort());
  for (const m of table) {
    const ours = totalParams(m.shape, m.tiedEmbeddings);
    const rel = Math.abs(ours / TABLE_PARAMS[m.key]! - 1);
    assert.ok(rel < 0.01, `${m.key}: ${ours} vs ${TABLE_PARAMS[m.key]} (${(rel * 100).toFixed(2)} %)`);
    assert.equal(m.tiedEmbeddings, false);
    assert.equal(m.shape.heads % m.shape.kvHeads, 0);
  }
});

// Parameter counts as their authors print them (sources in src/engine/price/presets.ts), against our count of each config.
// A figure printed to three significant figures is met within 1 %; one printed to two (37B, 3.3B, 16B, 1.4B) within
// one unit of its last digit, because a 1 % band around "37B" is narrower than that figure's own rounding.
const PUBLISHED: [string, 'total' | 'active' | 'totalNonEmbedding' | 'activeNonEmbedding', string][] = [
  ['mixtral-8x7b', 'total', '46.7B'],
  ['mixtral-8x7b', 'active', '12.9B'],
  ['qwen3-30b-a3b', 'total', '30.5B'],
  ['qwen3-30b-a3b', 'active', '3.3B'],
  ['qwen3-30b-a3b', 'totalNonEmbedding', '29.9B'],
  ['deepseek-v3', 'total', '671B'],
  ['deepseek-v3', 'active', '37B'],
  ['llada2-mini', 'total', '16B'],
  ['llada2-mini', 'active', '1.4B'],
  ['llada2-mini', 'activeNonEmbedding', '789M'],
  ['llama-3.2-1b', 'total', '1.23B'],
  ['diffusiongemma', 'total', '25.2B'],
  ['diffusiongemma', 'active', '3.8B'],
  ['llada2-flash', 'active', '6.1B'],
  ['llada2-flash', 'activeNonEmbedding', '4.8B'],
  ['sdar-30b-a3b', 'total', '30.5B'],
  ['sdar-30b-a3b', 'active', '3.3B'],
  ['qwen3-8b', 'total', '8.2B'],
  ['qwen3-8b', 'totalNonEmbedding', '6.95B'],
];

function printed(s: string): { value: number; tolerance: number } {
  const [, digits, unit] = /^([\d.]+)([BM])$/.exec(s)!;
  const scale = unit === 'B' ? 1e9 : 1e6;
  const value = Math.round(Number(digits) * scale); // 8.2 × 1e9 is 8199999999.999999 in floating point
  const significant = digits!.replace('.', '').replace(/^0+/, '').length;
  const decimals = digits!.includes('.') ? digits!.split('.')[1]!.length : 0;
  return { value, tolerance: significant >= 3 ? 0.01 * value : 10 ** -decimals * scale };
}

test('presets from published configs: total and active parameters match the published counts', async () => {
  assert.deepEqual(CONFIG_PRESETS.map((m) => m.key).sort(), [
    'deepseek-v3',
    'diffusiongemma',
    'llada2-flash',
    'llada2-mini',
    'llama-3.2-1b',
    'mixtral-8x7b',
    'qwen3-30b-a3b',
    'qwen3-8b',
    'sdar-30b-a3b',
  ]);
  for (const [key, kind, figure] of PUBLISHED) {
    const m = await findModel(key);
    const embeddings = lmHeadParams(m.shape) + (m.tiedEmbeddings ? 0 : embeddingParams(m.shape));
    const ours = {
      total: totalParams(m.shape, m.tiedEmbeddings),
      active: activeParams(m.shape, m.tiedEmbeddings),
      totalNonEmbedding: totalParams(m.shape, m.tiedEmbeddings) - embeddings,
      activeNonEmbedding: activeParams(m.shape, m.tiedEmbeddings) - embeddings,
    }[kind];
    const { value, tolerance } = printed(figure);
    assert.ok(
      Math.abs(ours - value) <= tolerance,
      `${key} ${kind}: ours ${(ours / 1e9).toFixed(3)}B, published ${figure} (± ${tolerance / 1e9}B)`,
    );
    assert.equal(m.published?.[kind], value, `${key}: the preset prints the published ${kind}`);
  }
  // every MoE preset is published with both counts; dense Llama 3.2 1B uses all its weights per token
  for (const m of CONFIG_PRESETS) {
    assert.ok(m.source.includes('config'), `${m.key} cites its config file`);
    if (m.shape.moe) assert.ok(m.published?.active, `${m.key} has a published active count`);
    else assert.equal(activeParams(m.shape, m.tiedEmbeddings), totalParams(m.shape, m.tiedEmbeddings));
  }
  // LLaDA 2.0 flash is published as a round "100B": its config counts 102.9B (within 3 %)
  const flash = await findModel('llada2-flash');
  assert.ok(Math.abs(totalParams(flash.shape, false) / 100e9 - 1) < 0.03);
  assert.equal(flash.published?.total, 100e9);
  assert.equal((await findModel('DiffusionGemma')).decoder, 'diffusion');
  assert.equal((await findModel('deepseek-v3')).shape.mla?.kvLoraRank, 512);
  assert.equal((await findModel('mixtral')).key, 'mixtral-8x7b');
  assert.equal((await findModel('LLaDA 2.0 mini')).decoder, 'diffusion');
});

// Ridge B/F = bandwidth / peak, from the table's GB/s and TFLOP/s columns.
const RIDGES: [string, 'bf16' | 'fp8' | 'int8', number, number][] = [
  ['h200', 'fp8', 4800, 1979],
  ['h200', 'bf16', 4800, 989.5],
  ['h100', 'fp8', 3350, 1979],
  ['h100-pcie', 'int8', 2000, 1513],
  ['a100-40gb', 'bf16', 1555, 312],
  ['a100-80gb', 'int8', 2039, 624],
  ['b200', 'fp8', 8000, 4500],
  ['rtx4090', 'fp8', 1008, 330],
  ['tpu-v5e', 'int8', 819, 393],
  ['tpu-v6e', 'bf16', 1638, 918],
];

test('ridge points from the table; H200 fp8 ≈ 0.0024 B/F', () => {
  for (const [hw, dtype, gbs, tflops] of RIDGES) {
    const r = rooflineFor(findHardware(hw), dtype);
    assert.ok(Math.abs(ridgeBytesPerFlop(r) / ((gbs * 1e9) / (tflops * 1e12)) - 1) < 1e-12, `${hw} ${dtype}`);
  }
  const h200 = ridgeBytesPerFlop(rooflineFor(findHardware('h200'), 'fp8'));
  assert.ok(Math.abs(h200 - 0.0024) < 0.0001, `${h200}`);
});

test('peak per dtype: own column, int4 → int8, fp16 → bf16, missing fp8 → bf16, fp32 needs a figure', () => {
  const h200 = findHardware('H200');
  assert.equal(peakFor(h200, 'fp8').flops, 1979e12);
  assert.equal(peakFor(h200, 'int8').flops, 1979e12);
  assert.equal(peakFor(h200, 'bf16').flops, 989.5e12);
  assert.equal(peakFor(h200, 'fp16').column, 'bf16');
  assert.equal(peakFor(h200, 'int4').column, 'int8');
  assert.match(peakFor(h200, 'int4').note, /int8/);
  const a100 = findHardware('a100-80gb');
  assert.equal(peakFor(a100, 'fp8').column, 'bf16');
  assert.match(peakFor(a100, 'fp8').note, /no fp8 figure/);
  assert.throws(
    () => peakFor(h200, 'fp32'),
    (e: Error) => e instanceof UsageError && /--peak-tflops/.test(e.message),
  );
  assert.throws(() => peakFor(findHardware('m4-max'), 'bf16'), /--peak-tflops/);
  assert.equal(findHardware('m4-max').bandwidth, 546e9);
  assert.equal(rooflineFor(h200, 'fp32', { peakFlops: 67e12 }).peakFlops, 67e12);
});

test('aliases, and unknown names list the valid ones', async () => {
  assert.equal(findHardware('h200-sxm').key, 'h200');
  assert.equal(findHardware('H100 SXM').key, 'h100');
  assert.throws(
    () => findHardware('h300'),
    (e: Error) => e instanceof UsageError && e.message.includes(hardwareKeys().join(', ')),
  );
  assert.equal((await findModel('Llama-3.3-70B')).key, 'llama-3.3-70b');
  assert.equal((await findModel('llada')).key, 'llada-8b');
  await assert.rejects(
    findModel('gpt-5'),
    (e: Error) => e instanceof UsageError && e.message.includes(modelKeys().join(', ')),
  );
});

test('user-defined hardware and model from JSON files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-presets-'));
  const hwFile = join(dir, 'gpu.json');
  writeFileSync(hwFile, JSON.stringify({ name: 'My GPU', bandwidthGBs: 1000, tflops: { bf16: 100, fp32: 25 } }));
  const hw = findHardware(hwFile);
  assert.equal(hw.bandwidth, 1e12);
  assert.equal(peakFor(hw, 'fp32').flops, 25e12);
  assert.equal(peakFor(hw, 'int4').column, 'bf16');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ bandwidthGBs: 1, tflops: { fp64: 1 } }));
  assert.throws(() => findHardware(bad), /unknown tflops key "fp64"/);
  assert.throws(() => findHardware(join(dir, 'none.json')), /not found/);

  const llama = MODEL_PRESETS[0]!.shape;
  const mFile = join(dir, 'model.json');
  const { name: _n, ...fields } = llama;
  writeFileSync(mFile, JSON.stringify({ name: 'mine', ...fields }));
  const m = await findModel(mFile);
  assert.equal(m.shape.name, 'mine');
  assert.deepEqual({ ...m.shape, name: llama.name }, llama);
  writeFileSync(bad, JSON.stringify({ layers: 2 }));
  await assert.rejects(findModel(bad), /needs --width/);
  // a mixture of experts and latent attention in a model file
  const moeFile = join(dir, 'moe.json');
  const mixtral = (await findModel('mixtral-8x7b')).shape;
  const { name: _m, ...mixtralFields } = mixtral;
  writeFileSync(moeFile, JSON.stringify({ name: 'my moe', ...mixtralFields }));
  assert.equal(totalParams((await findModel(moeFile)).shape), totalParams(mixtral));
  const deepseek = (await findModel('deepseek-v3')).shape;
  const { name: _d, ...deepseekFields } = deepseek;
  writeFileSync(moeFile, JSON.stringify({ ...deepseekFields }));
  assert.deepEqual((await findModel(moeFile)).shape.mla, deepseek.mla);
  writeFileSync(moeFile, JSON.stringify({ ...mixtralFields, moe: { experts: 8 } }));
  await assert.rejects(findModel(moeFile), /a mixture of experts needs --active-experts, --expert-mlp/);
  writeFileSync(moeFile, JSON.stringify({ ...deepseekFields, mla: { ...deepseek.mla, kvLoraRank: 0 } }));
  await assert.rejects(findModel(moeFile), /mla.kvLoraRank must be an integer ≥ 1 and at most 1000000, got 0/);
  writeFileSync(moeFile, JSON.stringify({ ...mixtralFields, moe: 'eight' }));
  await assert.rejects(findModel(moeFile), /"moe" must be an object/);
});

test('local hardware comes from the calibrate profile in $DLM_WATCH_HOME', () => {
  const env = { DLM_WATCH_HOME: mkdtempSync(join(tmpdir(), 'dlm-home-')) };
  assert.throws(() => findHardware('local', env), /dlm-watch calibrate/);
  const p: LocalProfile = {
    version: 1,
    backend: 'wasm',
    host: 'test',
    measuredAt: new Date(0).toISOString(),
    matmul: { n: 512, reps: 4, seconds: 1, flopsPerSecond: 2e10 },
    memory: { elements: 1e6, reps: 4, seconds: 1, bytesPerSecond: 5e9 },
  };
  const path = writeProfile(p, env);
  assert.equal(path, profilePath(env));
  assert.deepEqual(readProfile(env), p);
  const local = findHardware('local', env);
  assert.equal(local.bandwidth, 5e9);
  // tfjs computes in fp32 whatever the weights' dtype: every dtype runs at the measured fp32 rate
  assert.equal(peakFor(local, 'fp8').flops, 2e10);
  assert.equal(peakFor(local, 'fp32').flops, 2e10);
});

test('the shipped model preset is built from model.json (here the tiny fixture)', async () => {
  const dir = fileURLToPath(new URL('../fixtures/tiny/', import.meta.url));
  const m = await shippedPreset(dir);
  assert.deepEqual(
    { ...m.shape, name: '' },
    { name: '', layers: 2, d: 32, heads: 4, kvHeads: 4, headDim: 8, mlp: 128, gated: false, vocab: 320, context: 128 },
  );
  assert.equal(m.tiedEmbeddings, true);
  // tied: P_mm + V·d only (biases, norms and position embeddings are left out, as everywhere in the cost model)
  assert.equal(totalParams(m.shape, true), 2 * (4 * 32 * 32 + 2 * 32 * 128) + 320 * 32);
  await assert.rejects(shippedPreset(join(tmpdir(), 'no-such-dlm-model')), /model.json not found/);
});
