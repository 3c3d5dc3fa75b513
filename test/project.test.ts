// Projection: roofline time per pass, schedules with running totals, the tiny model's schedule on a big model,
// the worked example of cost-model.md, and target selection (defaults, user shapes, local).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { passCost } from '../src/engine/price/cost.js';
import type { PassShape, StepEvent } from '../src/engine/decode/events.js';
import { writeProfile } from '../src/engine/price/hardware.js';
import { MODEL_PRESETS, modelKeys } from '../src/engine/price/presets.js';
import { projectionFlags } from '../src/commands/args.js';
import {
  arSchedule,
  createProjector,
  diffusionPass,
  precisionFor,
  priceGeneration,
  projectPass,
  projectSchedule,
  projectShape,
  projector,
  scheduleOf,
  selectTarget,
  type GenerationOptions,
} from '../src/engine/price/project.js';
import { addPass, addTotals, EMPTY_TOTALS, ZERO_TOTALS } from '../src/engine/price/totals.js';
import { laneProjection } from '../src/render/projection.js';
import { laneProjector } from '../src/engine/lanes.js';
import { ridgeBytesPerFlop } from '../src/engine/price/roofline.js';
import { fakeAr, fakeDiffusion } from './helpers/fake-run.js';

const near = (x: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(x / want - 1) <= rel, `${what}: ${x} is not within ${rel * 100} % of ${want}`);

const WORKED: GenerationOptions = { tokens: 1024, prompt: 0, speculative: 3, margin: 3 };

test('defaults are the worked example: H200, Llama 3.3 70B, fp8, 70 % compute', async () => {
  const t = await selectTarget();
  assert.equal(t.roofline.hardware, 'h200');
  assert.equal(t.model.key, 'llama-3.3-70b');
  assert.equal(t.dtype, 'fp8');
  assert.deepEqual(t.precision, { weightBytes: 1, kvBytes: 1 });
  assert.equal(t.roofline.peakFlops, 1979e12);
  assert.equal(t.roofline.bandwidth, 4800e9);
  assert.equal(t.eff.compute, 0.7);
});

test('the worked example figures (cost-model.md)', async () => {
  const t = await selectTarget();
  const p = priceGeneration(t, WORKED);
  // ≈70 GB and ≈140 GFLOP per AR token; B/F ≈ 0.5
  near(p.ar.token.cost.bytes.total, 70e9, 0.01, 'bytes per AR token');
  near(p.ar.token.cost.flops.total, 140e9, 0.01, 'FLOPs per AR token');
  near(p.ar.token.cost.bytesPerFlop, 0.5, 0.01, 'AR B/F');
  // ≈140 TFLOP per 1024-token pass (ours adds 2 % attention and 1.5 % LM head), B/F ≈ 0.0005
  near(p.diffusion.pass.cost.flops.total, 140e12, 0.04, 'pass FLOPs');
  near(p.diffusion.pass.cost.bytesPerFlop, 0.0005, 0.05, 'pass B/F');
  assert.equal(p.diffusion.pass.bound, 'compute');
  assert.equal(p.ar.token.bound, 'memory');
  near(p.ridgeBytesPerFlop, 0.0024, 0.02, 'ridge');
  // ≈14 passes/s in theory, ≈10 at 70 %
  near(p.diffusion.passesPerSecondAtPeak, 14, 0.04, 'passes/s at peak');
  near(p.diffusion.passesPerSecond, 10, 0.05, 'passes/s at 70 %');
  // AR ≈ 20 s from the measured 51 tok/s
  assert.equal(p.ar.timeSource, 'measured');
  assert.equal(p.ar.seconds, 1024 / 51);
  // break-even ≈ 200, ≈ 67 against 3× speculative AR, ≈ 22 with a further 3× margin
  near(p.breakEven.ar, 200, 0.05, 'break-even');
  near(p.breakEven.speculative.passes, 67, 0.05, 'speculative');
  near(p.breakEven.margin.passes, 22, 0.05, 'margin');
  assert.equal(p.breakEven.speculative.passes, p.breakEven.ar / 3);
  assert.equal(p.breakEven.margin.passes, p.breakEven.ar / 9);
  // the roofline at 75 % of the bandwidth gives about the measured speed
  near(p.ar.rooflineTokensPerSecond, 51, 0.03, 'roofline AR tok/s');
  // N* = peak·b_w / (2·bandwidth) ≈ 206 tokens
  near(p.crossoverTokens, 1979 / 9.6, 1e-12, 'N*');
});

test('projectPass: time is max(compute, memory), bound follows B/F against the effective ridge', async () => {
  const t = await selectTarget();
  const m = t.model.shape;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 8192 }), fc.boolean(), (q, k, causal) => {
      const s: PassShape = { q, k, logits: q, kvWrite: causal ? q : 0, attention: causal ? 'causal' : 'bidirectional' };
      const p = projectPass(s, m, t.precision, t.roofline, t.eff);
      assert.deepEqual(p.cost, passCost(m, t.precision, s));
      const tc = p.cost.flops.total / (0.7 * 1979e12);
      const tm = p.cost.bytes.total / (0.75 * 4800e9);
      assert.ok(Math.abs(p.seconds - Math.max(tc, tm)) <= 1e-12 * p.seconds);
      const effRidge = (0.75 * 4800e9) / (0.7 * 1979e12);
      assert.equal(p.bound, p.cost.bytesPerFlop >= effRidge ? 'memory' : 'compute');
    }),
    { numRuns: 200 },
  );
  // at 100 % efficiency the bound flips exactly at the hardware ridge
  const r = ridgeBytesPerFlop(t.roofline);
  const pass = projectPass(diffusionPass(0, 64), m, t.precision, t.roofline, { compute: 1, memory: 1 });
  assert.equal(pass.bound, pass.cost.bytesPerFlop >= r ? 'memory' : 'compute');
});

test('a projected AR schedule of n tokens = prefill + the sum of its per-token costs', async () => {
  const t = await selectTarget({ model: 'llama-3.1-8b', hardware: 'h100', dtype: 'bf16' });
  const m = t.model.shape;
  for (const [P, n] of [
    [7, 1],
    [7, 50],
    [0, 50],
    [128, 300],
  ] as const) {
    const { passes, total } = projectSchedule(arSchedule(P, n), t);
    assert.equal(passes.length, n);
    const prefill = P > 0 ? passCost(m, t.precision, { q: P, k: 0, logits: 1, kvWrite: P, attention: 'causal' }) : null;
    const tokens = Array.from({ length: P > 0 ? n - 1 : n }, (_, i) =>
      passCost(m, t.precision, { q: 1, k: P + i, logits: 1, kvWrite: 1, attention: 'causal' }),
    );
    const bytes = (prefill?.bytes.total ?? 0) + tokens.reduce((s, c) => s + c.bytes.total, 0);
    const flops = (prefill?.flops.total ?? 0) + tokens.reduce((s, c) => s + c.flops.total, 0);
    near(total.bytes, bytes, 1e-12, 'bytes');
    near(total.flops, flops, 1e-12, 'FLOPs');
    assert.equal(total.passes, n);
    // running totals: non-decreasing and ending at the total
    for (let i = 1; i < passes.length; i++) assert.ok(passes[i]!.total.seconds > passes[i - 1]!.total.seconds);
    assert.deepEqual(passes.at(-1)!.total, total);
    near(
      total.seconds,
      passes.reduce((s, p) => s + p.seconds, 0),
      1e-12,
      'seconds',
    );
  }
});

test('a tiny run’s schedule is the big model’s schedule: same shapes, re-priced', async () => {
  const ar: StepEvent[] = [];
  for await (const e of fakeAr({ length: 12 })) ar.push(e);
  const dif: StepEvent[] = [];
  for await (const e of fakeDiffusion({ length: 16, steps: 8 })) dif.push(e);
  const P = ar[0]!.shape.q;
  assert.deepEqual(scheduleOf(ar), arSchedule(P, 12));
  const t = await selectTarget();
  const proj = createProjector(t);
  for (const e of dif) {
    const s = proj.add(e.shape);
    assert.deepEqual(s.shape, e.shape);
    assert.deepEqual(s.cost, passCost(t.model.shape, t.precision, e.shape));
    assert.notDeepEqual(s.cost, e.cost); // the tiny model's own price differs
  }
  assert.equal(proj.total.passes, dif.length);
  assert.deepEqual(proj.total, projectSchedule(scheduleOf(dif), t).total);
  proj.reset();
  assert.equal(proj.total.passes, 0);
});

test('one accumulator: projected and measured totals sum the same passes, bytes and FLOPs', async () => {
  const dif: StepEvent[] = [];
  for await (const e of fakeDiffusion({ length: 16, steps: 8 })) dif.push(e);
  const here = dif.reduce(addPass, EMPTY_TOTALS);
  // hand sums
  assert.equal(here.passes, dif.length);
  assert.equal(
    here.bytes,
    dif.reduce((s, e) => s + e.cost.bytes.total, 0),
  );
  assert.equal(
    here.flops,
    dif.reduce((s, e) => s + e.cost.flops.total, 0),
  );
  assert.equal(here.tokens, 16);
  assert.equal(here.bytesPerFlop, here.bytes / here.flops);
  // the same passes with their measured seconds through the projection's accumulator: the same three sums
  const there = dif.reduce((t, e) => addTotals(t, { cost: e.cost, seconds: e.wallMs / 1000 }), ZERO_TOTALS);
  assert.deepEqual([there.passes, there.bytes, there.flops], [here.passes, here.bytes, here.flops]);
});

test("one projector: a schedule, a lane and the live view's growing schedule give the same running totals", async () => {
  const ar: StepEvent[] = [];
  for await (const e of fakeAr({ length: 12 })) ar.push(e);
  const t = await selectTarget();
  const whole = projectSchedule(scheduleOf(ar), t);
  // continuing from a total: the second half after the first equals the whole
  const first = projectSchedule(scheduleOf(ar.slice(0, 5)), t);
  const rest = projector((s: PassShape) => projectShape(s, t), first.total);
  for (const e of ar.slice(5)) rest.add(e.shape);
  assert.deepEqual(rest.total, whole.total);
  // the lane's projector (the AR lane's prefill pays the forward pass's overhead only on local: none on an H200)
  const lane = laneProjector('ar', t);
  for (const e of ar) lane.add(e);
  assert.deepEqual(lane.total, whole.total);
  // the live view's projection, grown pass by pass, ends where the lane's projector does
  const passes = ar.map((e) => ({ shape: e.shape, kind: e.kind }));
  let grown = laneProjection('ar', passes.slice(0, 3), t);
  for (let i = 4; i <= passes.length; i++) grown = laneProjection('ar', passes.slice(0, i), t);
  assert.deepEqual(grown.total, lane.total);
  assert.deepEqual(
    grown.passes.map((p) => p.total),
    whole.passes.map((p) => p.total),
  );
});

test('a user-defined shape gives the same result as the equal preset', async () => {
  // latent attention has no flags (model files only): every other preset, experts included
  for (const preset of MODEL_PRESETS.filter((p) => !p.shape.mla && !p.tiedEmbeddings)) {
    const s = preset.shape;
    const custom = await selectTarget({
      model: 'custom',
      shape: {
        layers: s.layers,
        d: s.d,
        mlp: s.mlp,
        gated: s.gated,
        heads: s.heads,
        kvHeads: s.kvHeads,
        headDim: s.headDim,
        vocab: s.vocab,
        ...(s.moe ? { moe: { ...s.moe } } : {}),
      },
    });
    const named = await selectTarget({ model: preset.key });
    const a = priceGeneration(custom, { ...WORKED, arRoofline: true });
    const b = priceGeneration(named, { ...WORKED, arRoofline: true });
    assert.deepEqual(
      { ...a, params: { ...a.params, reference: null } },
      { ...b, params: { ...b.params, reference: null } },
      preset.key,
    );
  }
  // a preset with one field replaced is that field's custom shape
  const mod = await selectTarget({ model: 'llama-3.1-8b', shape: { layers: 16 } });
  assert.equal(mod.model.shape.layers, 16);
  assert.equal(mod.model.shape.d, 4096);
  await assert.rejects(selectTarget({ model: 'custom', shape: { layers: 2 } }), /needs --width/);
  await assert.rejects(
    selectTarget({
      model: 'custom',
      shape: { layers: 2, d: 8, mlp: 16, gated: true, heads: 3, kvHeads: 2, headDim: 4, vocab: 10 },
    }),
    /multiple of kv heads/,
  );
  // an unknown name lists what --project-model takes, custom included (as --help lists it); a draft is no custom shape
  await assert.rejects(selectTarget({ model: 'nope' }), {
    message: `unknown model "nope": valid names are ${[...modelKeys(), 'custom'].join(', ')}, or a .json file`,
  });
  await assert.rejects(selectTarget({ draftModel: 'nope' }), {
    message: `unknown model "nope": valid names are ${modelKeys().join(', ')}, or a .json file`,
  });
  assert.match(projectionFlags.projectModel.help, new RegExp(`${modelKeys().at(-1)}, custom, or a \\.json file`));
});

test('dtype, KV dtype, efficiency and overrides', async () => {
  assert.deepEqual(precisionFor('int4'), { weightBytes: 0.5, kvBytes: 1 });
  assert.deepEqual(precisionFor('bf16', 'fp8'), { weightBytes: 2, kvBytes: 1 });
  const half = await selectTarget({ computeEff: 0.35 });
  const full = await selectTarget({ computeEff: 0.7 });
  const s = diffusionPass(0, 1024);
  const a = projectPass(s, half.model.shape, half.precision, half.roofline, half.eff);
  const b = projectPass(s, full.model.shape, full.precision, full.roofline, full.eff);
  near(a.seconds, 2 * b.seconds, 1e-12, 'half the efficiency, twice the compute-bound time');
  await assert.rejects(selectTarget({ memoryEff: 0 }), /--memory-eff must be in \(0, 1\]/);
  await assert.rejects(selectTarget({ dtype: 'fp4' }), /valid values are fp32, bf16, fp16, fp8, int8, int4/);
  const o = await selectTarget({ dtype: 'fp32', peakTflops: 67, bandwidthGBs: 3000 });
  assert.equal(o.roofline.peakFlops, 67e12);
  assert.equal(o.roofline.bandwidth, 3e12);
  // an override drops the known measurement: AR time comes from the roofline
  assert.equal(priceGeneration(await selectTarget({ bandwidthGBs: 4800 }), WORKED).ar.timeSource, 'roofline');
  assert.equal(priceGeneration(await selectTarget(), { ...WORKED, arTokensPerSecond: 182 }).ar.seconds, 1024 / 182);
  assert.throws(() => priceGeneration(full, { ...WORKED, tokens: 0 }), /--tokens/);
  assert.throws(() => priceGeneration(full, { ...WORKED, speculative: 0.5 }), /--speculative/);
});

test('local: the calibrated profile, at efficiency 1 by default', async () => {
  const env = { DLM_WATCH_HOME: mkdtempSync(join(tmpdir(), 'dlm-home-')) };
  writeProfile(
    {
      version: 1,
      backend: 'cpu',
      host: 'x',
      measuredAt: '',
      matmul: { n: 256, reps: 1, seconds: 1, flopsPerSecond: 1e9 },
      memory: { elements: 1, reps: 1, seconds: 1, bytesPerSecond: 1e9 },
    },
    env,
  );
  const t = await selectTarget({ hardware: 'local', model: 'llama-3.1-8b', env });
  assert.deepEqual(t.eff, { compute: 1, memory: 1 });
  assert.equal(t.roofline.peakFlops, 1e9);
  assert.equal((await selectTarget({ hardware: 'local', computeEff: 0.5, env })).eff.compute, 0.5);
});
