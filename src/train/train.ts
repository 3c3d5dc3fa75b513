// npm run train -- [flags]: trains one GPT on both objectives (AR + masked diffusion, every weight shared) with
// checkpoints and resume; deterministic given --seed (batch s is drawn from rng(seed, s)).
import * as tf from '@tensorflow/tfjs-core';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../engine/backend.js';
import { rng } from '../engine/decode/sample.js';
import { GPT, type GPTConfig } from '../engine/model.js';
import { Tokenizer } from '../engine/tokenizer.js';
import { saveModel } from '../engine/weights.js';
import { matmulParams, lmHeadParams } from '../engine/cost.js';
import { modelShape } from '../engine/model.js';
import { AdamW } from './adam.js';
import { loadSplits, sampleWindows } from './data.js';
import { arLoss, diffusionLoss, drawMask } from './objectives.js';

const { values: a } = parseArgs({
  options: {
    d: { type: 'string', default: '192' }, layers: { type: 'string', default: '4' }, heads: { type: 'string', default: '3' },
    mlp: { type: 'string', default: '768' }, ctx: { type: 'string', default: '256' }, batch: { type: 'string', default: '4' },
    steps: { type: 'string', default: '1800' }, lr: { type: 'string', default: '2e-3' }, 'min-lr': { type: 'string', default: '2e-4' },
    warmup: { type: 'string', default: '50' }, wd: { type: 'string', default: '0.1' }, seed: { type: 'string', default: '1' },
    tokenizer: { type: 'string', default: 'models/tokenizer.json' }, ckpt: { type: 'string', default: 'checkpoints/main' },
    out: { type: 'string', default: 'models' }, 'ckpt-every': { type: 'string', default: '25' }, corpus: { type: 'string' },
    'eval-every': { type: 'string', default: '100' },
    // steps before this one read the corpus as wrapped lines (the shipped run switched at 1075; see models/README.md)
    'unwrap-from': { type: 'string', default: '0' },
  },
});
const num = (k: keyof typeof a) => Number(a[k]);
const steps = num('steps'), B = num('batch'), T = num('ctx'), seed = num('seed');

const backend = await initBackend();
const tok = Tokenizer.load(a.tokenizer!);
const config: GPTConfig = { vocab: tok.vocabSize, context: T, d: num('d'), layers: num('layers'), heads: num('heads'), mlp: num('mlp'), maskId: tok.maskId };
const { train, valid } = loadSplits(tok, a.corpus);
const wrapped = num('unwrap-from') > 0 ? loadSplits(tok, a.corpus, false).train : train;
const model = GPT.init(config, seed);
const opt = new AdamW(model.params);
const names = [...model.params.keys()];
const vars = names.map((n) => model.params.get(n)!);
const shape = modelShape(config);
const flopsPerToken = 6 * (matmulParams(shape) + lmHeadParams(shape)); // training ≈ 6 FLOPs per weight per token
mkdirSync(a.ckpt!, { recursive: true });
const logPath = join(a.ckpt!, 'log.jsonl');
const stateBin = join(a.ckpt!, 'state.bin');
const stateJson = join(a.ckpt!, 'state.json');

// resume: params, Adam moments and step; elapsed time carries over
let start = 0;
let elapsed = 0;
if (existsSync(stateJson)) {
  const st = JSON.parse(readFileSync(stateJson, 'utf8'));
  if (JSON.stringify(st.config) !== JSON.stringify(config)) throw new Error('checkpoint config differs from the flags');
  const buf = readFileSync(stateBin);
  const f = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  let off = 0;
  for (const group of [model.params, opt.m, opt.v]) for (const n of names) {
    const v = group.get(n)!;
    v.assign(tf.tensor(f.subarray(off, off + v.size), v.shape));
    off += v.size;
  }
  start = st.step; opt.step = st.step; elapsed = st.elapsed;
  console.log(`resumed at step ${start}`);
}

async function checkpoint(step: number): Promise<void> {
  const parts: Float32Array[] = [];
  for (const group of [model.params, opt.m, opt.v]) for (const n of names) parts.push((await group.get(n)!.data()) as Float32Array);
  const total = parts.reduce((s, p) => s + p.length, 0);
  const f = new Float32Array(total);
  let off = 0;
  for (const p of parts) { f.set(p, off); off += p.length; }
  writeFileSync(stateBin + '.tmp', new Uint8Array(f.buffer));
  writeFileSync(stateJson + '.tmp', JSON.stringify({ step, elapsed, config, flags: a }));
  renameSync(stateBin + '.tmp', stateBin);
  renameSync(stateJson + '.tmp', stateJson);
}

function lrAt(s: number): number {
  const lr = num('lr'), min = num('min-lr'), w = num('warmup');
  if (s < w) return (lr * (s + 1)) / w;
  return min + 0.5 * (lr - min) * (1 + Math.cos((Math.PI * (s - w)) / Math.max(1, steps - w)));
}

/** Mean of both losses over fixed validation windows (nats/token). */
function evalLosses(n = 8): { ar: number; diff: number } {
  const rand = rng(12345);
  const seq = tf.tensor2d(sampleWindows(valid, n, T + 1, rand), [n, T + 1], 'int32');
  const r = tf.tidy(() => {
    const x0 = tf.slice(seq, [0, 0], [n, T]) as tf.Tensor2D;
    return [arLoss(model, seq).dataSync()[0], diffusionLoss(model, x0, drawMask(n, T, rand)).dataSync()[0]];
  });
  seq.dispose();
  return { ar: r[0], diff: r[1] };
}

console.log(`backend ${backend}; ${model.numParams} params; train ${train.tokens} tokens, valid ${valid.tokens}; ${steps} steps of ${B}×${T} per objective`);
for (let s = start; s < steps; s++) {
  const t0 = performance.now();
  const rand = rng(seed * 1_000_003 + s);
  const seq = tf.tensor2d(sampleWindows(s < num('unwrap-from') ? wrapped : train, B, T + 1, rand), [B, T + 1], 'int32');
  const x0 = tf.slice(seq, [0, 0], [B, T]) as tf.Tensor2D;
  const draw = drawMask(B, T, rand);
  let ar = 0, diff = 0;
  const { value, grads } = tf.variableGrads(() => {
    const la = arLoss(model, seq), ld = diffusionLoss(model, x0, draw);
    ar = la.dataSync()[0]; diff = ld.dataSync()[0];
    return tf.add(la, ld) as tf.Scalar;
  }, vars);
  const g: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => (g[names[i]] = grads[v.name]));
  const lr = lrAt(s);
  const gnorm = opt.apply(g, lr, num('wd'));
  tf.dispose([value, seq, x0, ...Object.values(grads)]);
  const dt = (performance.now() - t0) / 1000;
  elapsed += dt;
  const tokens = 2 * B * T; // both objectives
  const row: Record<string, number> = { step: s + 1, ar, diff, lr, gnorm, sec: dt, elapsed, tokensPerObjective: (s + 1) * B * T, gflops: (flopsPerToken * tokens) / dt / 1e9 };
  if ((s + 1) % num('eval-every') === 0 || s + 1 === steps) {
    const v = evalLosses();
    row.validAr = v.ar; row.validDiff = v.diff;
  }
  appendFileSync(logPath, JSON.stringify(row) + '\n');
  if ((s + 1) % 10 === 0) console.log(`step ${s + 1}/${steps} ar ${ar.toFixed(3)} diff ${diff.toFixed(3)} lr ${lr.toExponential(1)} ${dt.toFixed(2)} s ${row.gflops.toFixed(1)} GFLOP/s ${row.validAr ? `valid ar ${row.validAr.toFixed(3)} diff ${row.validDiff.toFixed(3)}` : ''}`);
  if ((s + 1) % num('ckpt-every') === 0 || s + 1 === steps) await checkpoint(s + 1);
}

// ship: fp16 weights + tokenizer + what made them
mkdirSync(a.out!, { recursive: true });
if (join(a.out!, 'tokenizer.json') !== a.tokenizer) copyFileSync(a.tokenizer!, join(a.out!, 'tokenizer.json'));
await saveModel(model, a.out!, 'tokenizer.json', {
  name: 'dlm-watch austen', params: model.numParams, steps, batch: B, context: T, seed, tokensPerObjective: steps * B * T, unwrapFrom: num('unwrap-from'),
  trainSeconds: Math.round(elapsed), effectiveGflops: +((flopsPerToken * 2 * steps * B * T) / elapsed / 1e9).toFixed(2), backend,
});
console.log(`saved ${a.out}: ${elapsed.toFixed(0)} s`);
