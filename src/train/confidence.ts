// How often is the model sure? The measurement behind the threshold-strategy figures of models/README.md:
//   node --import tsx src/train/confidence.ts [--model-dir models] [--windows 24]
// Fast-dLLM's threshold strategy commits every masked position whose top-1 probability reaches τ, so it commits more
// than one token per pass only where several positions reach τ at once. This counts, on held-out windows of the
// validation split (wrapped lines joined, as in training), the share of positions whose top-1 probability is ≥ τ:
// - AR: the next token, under causal attention, with every earlier token of the window visible (the AR copy in
//   <model-dir>/ar where it ships: the best next-token predictor at hand);
// - denoiser: masked tokens at mask rate t (each token but the first masked with probability t, seeded), read as the
//   decoders read them (row i−1 predicts token i), bidirectional attention. At t = 0.05 nearly all context is visible:
//   the most a decoder's late passes can see.
// It also says how often the top-1 token is the right one among the positions at ≥ τ (calibration).
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { argmax, rng, softmax } from '../engine/decode/sample.js';
import { gatherRows } from '../engine/model/ops.js';
import { openModel, type OpenModel } from '../engine/quality.js';
import { DEFAULT_MODEL_DIR, openLaneModels } from '../engine/run.js';
import { lanes } from '../engine/lanes.js';
import type { Tokenizer } from '../engine/model/tokenizer.js';
import { loadSplits, tileWindows } from './data.js';

const TAUS = [0.9, 0.7, 0.5] as const;
const RATES = [0.05, 0.15, 0.5, 1] as const;

/** Top-1 probability and whether it is the target, for each row of logits ([MASK]'s column excluded, as the
 *  decoders exclude it): p = softmax(l)[argmax(l)] = 1 / Σ_j exp(l_j − l_max). */
export function topOne(logits: tf.Tensor2D, targets: number[], maskId: number): { p: number; right: boolean }[] {
  const v = logits.dataSync();
  const V = logits.shape[1];
  return targets.map((y, r) => {
    const row = Float32Array.from(v.subarray(r * V, (r + 1) * V));
    row[maskId] = -Infinity;
    const best = argmax(row);
    return { p: softmax(row)[best]!, right: best === y };
  });
}

function summary(xs: { p: number; right: boolean }[]): string[] {
  const sorted = xs.map((x) => x.p).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return [
    String(xs.length),
    median.toFixed(3),
    ...TAUS.map((tau) => {
      const sure = xs.filter((x) => x.p >= tau);
      return `${((100 * sure.length) / xs.length).toFixed(1)} % (${sure.length ? ((100 * sure.filter((x) => x.right).length) / sure.length).toFixed(0) : '–'} % right)`;
    }),
  ];
}

function measure(main: OpenModel, ar: OpenModel, windows: Int32Array[], seed: number): string[][] {
  const maskId = main.json.config.maskId;
  const rows: string[][] = [];
  const arRows: { p: number; right: boolean }[] = [];
  for (const w of windows) {
    // tidy: the forward pass's intermediates (and any cache it returns) go with the window
    arRows.push(
      ...tf.tidy(() => {
        const ids = tf.tensor2d(w.subarray(0, w.length - 1), [1, w.length - 1], 'int32');
        const logits = tf.reshape(ar.ctx.model.forward(ids, { attention: 'causal' }).logits, [
          w.length - 1,
          -1,
        ]) as tf.Tensor2D;
        return topOne(logits, Array.from(w.subarray(1)), maskId);
      }),
    );
  }
  rows.push([`AR, next token (${ar.name})`, ...summary(arRows)]);
  for (const t of RATES) {
    const rand = rng(seed);
    const out: { p: number; right: boolean }[] = [];
    for (const win of windows) {
      const w = win.subarray(0, win.length - 1); // the context's C tokens
      const masked: number[] = [];
      for (let i = 1; i < w.length; i++) if (rand() < t) masked.push(i);
      if (!masked.length) continue;
      const hidden = new Set(masked);
      out.push(
        ...tf.tidy(() => {
          const xt = tf.tensor2d(
            Int32Array.from(w, (x, i) => (hidden.has(i) ? maskId : x)),
            [1, w.length],
            'int32',
          );
          const { h } = main.ctx.model.hidden(xt, { attention: 'bidirectional' });
          return topOne(
            main.ctx.model.head(
              gatherRows(
                h,
                masked.map((i) => i - 1),
              ),
            ),
            masked.map((i) => w[i]!),
            maskId,
          );
        }),
      );
    }
    rows.push([`denoiser, masked tokens at t = ${t}`, ...summary(out)]);
  }
  return rows;
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      'model-dir': { type: 'string' },
      windows: { type: 'string', default: '24' },
      seed: { type: 'string', default: '1' },
    },
  });
  const dir = a['model-dir'] ?? DEFAULT_MODEL_DIR;
  const main = await openModel(dir);
  // the AR lane's model, opened and checked (tokenizer, shape) as a run opens it
  const { opened } = await openLaneModels(
    main,
    lanes().filter((l) => l.id === 'ar'),
  );
  const ar = opened[0] ?? main;
  const { valid } = loadSplits(main.ctx.tokenizer as Tokenizer);
  const C = main.json.config.context;
  // windows spread over the whole split: every k-th of its consecutive windows
  const all = tileWindows(valid, C + 1);
  const n = Math.min(Number(a.windows), all.length);
  const windows = Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]!);
  const rows = measure(main, ar, windows, Number(a.seed));
  console.log(`top-1 probability on ${n} held-out windows of ${C + 1} tokens (validation split; ${main.name})`);
  const head = ['positions', 'scored', 'median', ...TAUS.map((t) => `p ≥ ${t}`)];
  const table = [head, ...rows];
  const width = head.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table)
    console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  '));
  for (const m of [main, ...opened]) m.ctx.model.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
