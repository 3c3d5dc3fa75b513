// calc --check (issue 22): every published measurement with its source and assumptions, the projection's prediction
// pinned, the shaped efficiency model's three numbers re-fitted from the fit rows, and the acceptance bands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calc, CHECK_SCHEMA } from '../src/commands/calc.js';
import { computeEfficiencyAt, SHAPED, shapedEfficiency } from '../src/engine/price/efficiency.js';
import { fitShaped } from '../src/engine/price/efficiency-fit.js';
import { checkPublished, moeCalibration, PUBLISHED, pricedPass, measurement } from '../src/engine/price/published.js';
import { expertsTouched } from '../src/engine/price/cost.js';
import { findModel } from '../src/engine/price/presets.js';
import { projectShape } from '../src/engine/price/projection.js';
import { selectTarget } from '../src/engine/price/target.js';
import { fitNote, projectionTargets } from '../src/render/projection.js';

// Predictions at the shaped efficiencies, 4 significant digits (tok/s; pass/step ratios; experts).
const PINNED: [string, number][] = [
  ['llama-3.3-70b-ar-h200', 51.12],
  ['llama-3.3-70b-spec-h200', 181.7],
  ['qwen2.5-7b-ar-h100', 175.6],
  ['d3llm-llada-h100-b1', 1.973],
  ['d3llm-llada-h100-b4', 6.738],
  ['d3llm-dream-h100-b1', 1.856],
  ['d3llm-dream-h100-b4', 6.338],
  ['qwen2.5-7b-ar-a100', 106.9],
  ['d3llm-llada-a100-b1', 3.808],
  ['d3llm-llada-a100-b4', 13.01],
  ['d3llm-dream-a100-b1', 3.583],
  ['d3llm-dream-a100-b4', 12.23],
  ['qwen2.5-7b-ar-b200', 419.3],
  ['d3llm-llada-b200-b1', 2.072],
  ['d3llm-llada-b200-b4', 7.076],
  ['d3llm-dream-b200-b1', 1.949],
  ['d3llm-dream-b200-b4', 6.656],
  ['qwen3-8b-ar-h100', 163.8],
  ['qwen3-8b-ar-a100', 99.71],
  ['qwen3-8b-ar-b200', 391.2],
  ['diffusiongemma-h100', 1804],
  ['llada2-mini-experts', 163.3],
];

test('every published measurement has a source and its assumptions; each prediction is pinned', () => {
  const c = checkPublished();
  assert.ok(c.rows.length >= 6);
  assert.deepEqual(
    c.rows.map((r) => r.id),
    PINNED.map(([id]) => id),
  );
  for (const [id, value] of PINNED) {
    const r = c.rows.find((x) => x.id === id)!;
    assert.ok(r.source.length > 10 && r.assumptions.length > 10, id);
    assert.equal(+r.predicted.toPrecision(4), value, id);
    assert.ok(Math.abs(r.error - (r.predicted / r.published - 1)) < 1e-12);
    // every published setup ran, so it fits its hardware
    assert.equal(r.fits, true, id);
  }
});

test('the published figures as printed, and the pass times they imply (18.17 ms per d3LLM-LLaDA pass, 1.97× the AR step)', () => {
  const by = (id: string) => PUBLISHED.find((m) => m.id === id)!;
  assert.equal(by('llama-3.3-70b-ar-h200').figure, 51.14);
  assert.equal(by('llama-3.3-70b-spec-h200').figure, 181.74);
  assert.equal(by('qwen2.5-7b-ar-h100').figure, 108.6);
  assert.equal(by('d3llm-llada-h100-b1').figure, 545.31);
  assert.equal(by('d3llm-llada-h100-b1').tokensPerPass, 9.91);
  assert.equal(by('diffusiongemma-h100').figure, 1008);
  assert.equal(by('llada2-mini-experts').figure, 69.5);
  const r = checkPublished().rows.find((x) => x.id === 'd3llm-llada-h100-b1')!;
  assert.equal(+r.published.toFixed(2), 1.97);
  assert.ok(Math.abs(9.91 / 545.31 - 0.01817) < 1e-5);
});

test("the issue's bands: d3LLM H100 pass/step within ±30 %, TensorRT-LLM 70B step within ±15 %, DiffusionGemma memory-bound", () => {
  const rows = checkPublished().rows;
  const get = (id: string) => rows.find((r) => r.id === id)!;
  assert.ok(Math.abs(get('d3llm-llada-h100-b1').error) <= 0.3);
  assert.ok(Math.abs(get('llama-3.3-70b-ar-h200').error) <= 0.15);
  assert.equal(get('diffusiongemma-h100').bound, 'memory');
  assert.ok(get('diffusiongemma-h100').experts!.touched > 127.9 && get('diffusiongemma-h100').experts!.of === 128);
  assert.equal(get('llama-3.3-70b-ar-h200').experts, null);
  // every held-out pass/step ratio is within ±30 % too (fitted on H100 LLaDA only)
  for (const r of rows.filter((x) => x.quantity === 'pass/step')) assert.ok(Math.abs(r.error) <= 0.3, r.id);
  // the fixed 70 %/75 % misses the H100 ratio by more than the shaped model does
  const fixed = checkPublished('fixed').rows.find((x) => x.id === 'd3llm-llada-h100-b1')!;
  assert.ok(Math.abs(fixed.error) > Math.abs(get('d3llm-llada-h100-b1').error));
});

test("the shaped model's three numbers are the closed-form fit on the fit rows, rounded", () => {
  const f = fitShaped();
  assert.ok(Math.abs(f.memory - SHAPED.memory) < 0.0005, `${f.memory}`);
  assert.ok(Math.abs(f.computeMax - SHAPED.computeMax) < 0.0005, `${f.computeMax}`);
  assert.ok(Math.abs(f.rowsHalf - SHAPED.rowsHalf) < 0.5, `${f.rowsHalf}`);
  // η_c(n) = η_max·n/(n + n½): half of η_max at n½, η_max in the limit, one row nearly nothing
  const e = shapedEfficiency();
  assert.ok(Math.abs(computeEfficiencyAt(e, SHAPED.rowsHalf) - SHAPED.computeMax / 2) < 1e-12);
  assert.ok(computeEfficiencyAt(e, 1e9) > 0.6519);
  assert.ok(computeEfficiencyAt(e, 1) < 0.01);
  // the AR steps the fit leans on are memory-bound on the model (so only η_m prices them)
  assert.equal(pricedPass(measurement('qwen2.5-7b-ar-h100'), e).bound, 'memory');
  assert.equal(pricedPass(measurement('llama-3.3-70b-ar-h200'), e).bound, 'memory');
});

test('MoE calibration: LLaDA2.0-mini touches 69.5 experts per 32-token block; uniform routing says 163', async () => {
  const m = await findModel('llada2-mini');
  assert.equal(Math.round(expertsTouched(m.shape, 32)), 163);
  const cal = moeCalibration();
  assert.equal(cal.tokens, 32);
  const calibrated = { ...m.shape, moe: { ...m.shape.moe!, imbalance: cal.imbalance } };
  assert.ok(Math.abs(expertsTouched(calibrated, 32) - 69.5) < 1e-9);
  assert.ok(cal.imbalance > 3 && cal.imbalance < 4, `${cal.imbalance}`);
});

test('h onto an A100 40GB with the 70B default: the live view and calc say "does not fit"', async () => {
  const targets = await projectionTargets({});
  const a100 = targets.find((t) => t.roofline.hardware === 'a100-40gb')!;
  assert.match(fitNote(a100, 1024), /^does not fit: /);
  assert.equal(fitNote(targets[0]!, 1024), '');
  assert.match(
    (await calc(['--hardware', 'a100-40gb'])).text,
    /does not fit: 70\.\d GB of weights and KV cache > 40\.0 GB/,
  );
});

test('--efficiency: shaped prices a pass at η_c(n), fixed at the given efficiencies; the two cannot be mixed', async () => {
  const shaped = await selectTarget({ efficiency: 'shaped', model: 'llada-8b', hardware: 'h100', dtype: 'bf16' });
  assert.deepEqual(shaped.eff, { compute: SHAPED.computeMax, memory: SHAPED.memory, rowsHalf: SHAPED.rowsHalf });
  const fixed = await selectTarget({ model: 'llada-8b', hardware: 'h100', dtype: 'bf16' });
  assert.deepEqual(fixed.eff, { compute: 0.7, memory: 0.75 });
  await assert.rejects(
    selectTarget({ efficiency: 'shaped', computeEff: 0.5 }),
    /--efficiency shaped takes no --compute-eff/,
  );
  await assert.rejects(selectTarget({ efficiency: 'roof' }), /unknown --efficiency "roof"/);
  // a 384-row pass on H100 bf16 at η_c(384) = 0.652·384/477 = 0.525: its compute time is FLOPs / (0.525 × 989.5 TFLOP/s)
  const pass = { q: 384, k: 0, logits: 384, kvWrite: 0, attention: 'bidirectional' as const };
  const p = projectShape(pass, shaped);
  assert.ok(Math.abs(p.computeSeconds - p.cost.flops.total / (((0.652 * 384) / 477) * 989.5e12)) < 1e-12);
  const local = await calc(['--efficiency', 'shaped', '--compute-eff', '0.5']).catch((e: Error) => e);
  assert.ok(local instanceof Error && /takes no --compute-eff/.test(local.message));
});

test('calc --check prints every measurement with its figure, prediction, error and source, offline in under a second', async () => {
  const t0 = performance.now();
  const { code, text } = await calc(['--check']);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(code, 0);
  for (const m of PUBLISHED) assert.ok(text.includes(m.setup.slice(0, 40)), m.id);
  assert.match(text, /efficiency shaped: memory η_m = 74\.2 %, compute η_c\(n\) = 65\.2 % · n \/ \(n \+ 93\)/);
  // the fitted rows' errors round to zero: unsigned, never −0.0 %
  assert.match(text, /published 51\.14 tok\/s · predicted 51\.12 tok\/s · error 0\.0 % · fit/);
  assert.ok(!text.includes('−0.0 %'));
  assert.match(text, /source: hao-ai-lab\/d3LLM README/);
  for (const l of text.split('\n')) assert.ok([...l].length <= 100, l);
  const json = JSON.parse((await calc(['--check', '--json'])).text);
  assert.equal(json.schema, CHECK_SCHEMA);
  assert.equal(json.rows.length, PUBLISHED.length);
  assert.equal(json.efficiency.mode, 'shaped');
  await assert.rejects(
    calc(['--check', '--model', 'llada-8b']),
    /--check takes only --efficiency, --json and --no-color \(got --project-model\)/,
  );
  await assert.rejects(calc(['--check', '--tokens', '5']), /\(got --tokens\)/);
  assert.equal((await calc(['--check', '--no-color'])).code, 0);
  const fixed = JSON.parse((await calc(['--check', '--json', '--efficiency', 'fixed'])).text);
  assert.equal(fixed.efficiency.mode, 'fixed');
  assert.equal(fixed.efficiency.rowsHalf, null);
});

test('calc --check says first how far off the projection is: fitted and held-out rows counted, median |error| and range', async () => {
  const { checkSummary } = await import('../src/render/check-text.js');
  const c = checkPublished();
  const s = checkSummary(c);
  const held = c.rows.filter((r) => r.role === 'held out');
  const fit = c.rows.filter((r) => r.role === 'fit');
  assert.match(
    s,
    new RegExp(`^summary: ${fit.length} fitted, median \\|error\\| [\\d.]+ %, .* to .*; ${held.length} held out, `),
  );
  const worst = Math.max(...held.map((r) => r.error));
  assert.ok(s.endsWith(`to +${(worst * 100).toFixed(1)} %`), s);
});
