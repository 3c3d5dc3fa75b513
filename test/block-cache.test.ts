// Cached-block pricing and experts per pass (issue 22): a block pass is b rows against a cached prefix, priced by
// cost-model.md's formulas; where it turns compute-bound; experts touched per pass and per committed token, uniform
// and calibrated to LLaDA2.0-mini's measured 69.5 per 32-token block; DiffusionGemma's canvas in calc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calc } from '../src/commands/calc.js';
import { blockPass, priceBlock } from '../src/engine/price/generation.js';
import { selectTarget } from '../src/engine/price/target.js';
import { calibratedImbalance, expertsPerToken, expertsRow } from '../src/engine/price/experts.js';
import { findModel } from '../src/engine/price/presets.js';
import { projectSchedule } from '../src/engine/price/projection.js';
import { expertsText, projLine } from '../src/render/lines.js';

test('a block pass of Llama 3.1 8B bf16: bytes and FLOPs by cost-model.md, b = 32 rows against k = 512', async () => {
  const t = await selectTarget({ model: 'llama-3.1-8b', hardware: 'h100', dtype: 'bf16' });
  // independent figures: L 32, d 4096, F 14336, H 32, K 8, hd 128, V 128256 (cost-model.md's table)
  const [L, d, F, H, K, hd, V] = [32, 4096, 14336, 32, 8, 128, 128256];
  const Pmm = L * (d * H * hd + 2 * d * K * hd + H * hd * d + 3 * d * F);
  const b = 32,
    k = 512;
  const kvTok = 2 * 2 * L * K * hd;
  const bytes = 2 * (Pmm + V * d) + kvTok * k + kvTok * b;
  const flops = 2 * b * Pmm + 2 * b * V * d + 4 * L * H * hd * b * (k + b);
  const p = priceBlock(t, 0, 1056, b, 1); // mean prefix (1056 − 32)/2 = 512
  assert.equal(p.meanPrefix, k);
  assert.deepEqual(p.pass.shape, blockPass(k, b));
  assert.ok(Math.abs(p.pass.cost.bytes.total / bytes - 1) < 1e-12);
  assert.ok(Math.abs(p.pass.cost.flops.total / flops - 1) < 1e-12);
  assert.equal(p.pass.bound, 'memory');
});

test('a block pass turns compute-bound near N* = η_c·peak·b_w / (2·η_m·bandwidth) rows, block × batch', async () => {
  const t = await selectTarget({ model: 'llama-3.1-8b', hardware: 'h100', dtype: 'fp8' });
  const nStar = (0.7 * 1979e12 * 1) / (2 * 0.75 * 3350e9); // ≈ 276 rows
  const one = priceBlock(t, 0, 1024, 32, 1);
  assert.ok(one.computeBoundFrom !== null);
  // the LM head and a short prefix add bytes and FLOPs in proportion: within 15 % of the closed form
  assert.ok(Math.abs(one.computeBoundFrom / nStar - 1) < 0.15, `${one.computeBoundFrom} vs ${nStar}`);
  // eight sequences share the weights: each block needs about an eighth of the rows (block × batch ≈ N*)
  const eight = priceBlock({ ...t, batch: 8 }, 0, 1024, 32, 1);
  assert.ok(eight.computeBoundFrom! * 8 < one.computeBoundFrom! * 1.2);
  assert.ok(eight.computeBoundFrom! < one.computeBoundFrom! / 4);
  assert.throws(
    () => priceBlock(t, 0, 16, 32, 1),
    /--block-cache must be a whole number of rows from 1 to --tokens \(16\)/,
  );
});

test('experts touched: uniform T(n) and calibrated T(n/f); per committed token', async () => {
  const m = (await findModel('llada2-mini')).shape;
  const f = calibratedImbalance();
  const r = expertsRow(m, 'block', 32, 4);
  // uniform: 256·(1 − (1 − 8/256)^32) ≈ 163; calibrated: the measured 69.5
  assert.ok(Math.abs(r.uniform - 256 * (1 - (1 - 8 / 256) ** 32)) < 1e-9);
  assert.ok(Math.abs(r.calibrated - 69.5) < 1e-9);
  assert.ok(Math.abs(expertsPerToken(r) - r.uniform / 4) < 1e-12);
  assert.ok(Math.abs(expertsPerToken(r, true) - 69.5 / 4) < 1e-12);
  assert.ok(f > 3 && f < 3.5, `${f}`);
  // one token touches exactly k experts either way
  const ar = expertsRow(m, 'ar', 1, 1);
  assert.equal(ar.uniform, 8);
  assert.equal(ar.calibrated, 8);
});

test('calc --model diffusiongemma --hardware h100: a 256-token canvas, memory-bound, every expert touched, break-even per canvas', async () => {
  const { code, text } = await calc(['--model', 'diffusiongemma', '--hardware', 'h100']);
  assert.equal(code, 0);
  assert.match(text, /DiffusionGemma 26B-A4B on H100 SXM · 256 tokens/);
  assert.match(text, /canvas +10\.03 ms per pass of a 256-token canvas against the cached prompt, memory-bound; ties/);
  assert.match(text, /AR at ≤ 38\.27 passes \(≥ 6\.69 tokens per weight read\); published: 12–16 passes per/);
  assert.match(text, /canvas pass +128 of 128 +25\.19 GB +1\.952 TFLOP +0\.0129 +7\.12× above: memory-bound/);
  assert.match(text, /experts per block +rows +uniform +calibrated\* +tokens\/pass +per committed token/);
  assert.match(text, /AR token +1 +8 of 128 +8 of 128 +1 +8 · 8\*/);
  assert.match(text, /diffusion pass +256 +128 of 128 +127 of 128 +6\.68 +19\.2 · 19\.0\*/);
  const j = JSON.parse((await calc(['--model', 'diffusiongemma', '--hardware', 'h100', '--json'])).text);
  assert.equal(j.generation.blockCache, 256);
  assert.equal(j.price.block.pass.bound, 'memory');
  assert.deepEqual(
    j.experts.map((e: { lane: string }) => e.lane),
    ['ar', 'speculative', 'block', 'diffusion'],
  );
  for (const l of text.split('\n')) assert.ok([...l].length <= 100, l);
});

test('calc --block-cache 32 on LLaDA 2.0 mini: a block row, compute-bound from a block × batch of rows, experts per lane', async () => {
  const argv = ['--model', 'llada2-mini', '--hardware', 'h100', '--tokens', '256', '--prompt', '128'];
  const one = (await calc([...argv, '--block-cache', '32'])).text;
  assert.match(one, /block +\S+ ms per pass of a block of 32 tokens against a cached prefix, memory-bound/);
  assert.match(one, /block pass +\S+ of 256/);
  assert.match(one, /speculative verify +5 /);
  const many = (await calc([...argv, '--block-cache', '32', '--batch', '16'])).text;
  assert.match(many, /compute-bound from 242 tokens per block \(block × batch = 3872 rows\)/);
  const bad = await calc([...argv, '--block-cache', '0']).catch((e: Error) => e);
  assert.ok(bad instanceof Error && /--block-cache must be a whole number/.test(bad.message));
});

test('the live view: experts touched by the last pass and per committed token, on an MoE target only', async () => {
  const moe = await selectTarget({ model: 'diffusiongemma', hardware: 'h100' });
  const shape = { q: 64, k: 0, logits: 64, kvWrite: 0, attention: 'bidirectional' as const };
  const { passes, total } = projectSchedule([shape, shape], moe);
  const p = { passes, last: passes[1]!, total, bpf: [], bytesPerFlop: 0 };
  // 64 routed tokens touch 128·(1 − (1 − 8/128)^64) ≈ 126 of 128 experts per block; 2 passes, 16 tokens committed
  const touched = 128 * (1 - (1 - 8 / 128) ** 64);
  assert.equal(expertsText(p, 16), `experts ${Math.round(touched)}/128 · ${Math.round((2 * touched) / 16)}/token`);
  assert.match(projLine(p, 200, expertsText(p, 16)), / · experts 126\/128 · 16\/token · memory-bound$/);
  const dense = await selectTarget({});
  const d = projectSchedule([shape], dense);
  assert.equal(expertsText({ ...p, passes: d.passes, last: d.passes[0]! }, 16), '');
});
