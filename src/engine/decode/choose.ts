// Token choice for the diffusion lane's masked rows, on tensors: the rows' logits stay in tfjs, where top-(k+1) (the
// sampling candidates and a tie check) and a softmax (confidence) run as kernels; JS reads back k+1 values and indices
// per row and the few probabilities the strategy scores with, not V logits per row. In JS over all V logits of 64
// rows the choice cost 10–14 % of a pass (issue #13).
//
// Same tokens as pick() over the whole row: Gumbel-max draws one number per candidate in index order, so the k
// candidates sorted by index, with their float32 logits divided by T in float64 as pick() does, make the same draws
// and the same argmax. Where that would not hold the row falls back to pick() on its downloaded logits: a tie at the
// k-th logit (pick's candidate set is then larger than k) or at the top (greedy: pick takes the lowest index).
// Confidence is p(token) from the softmax kernel in float32, where the JS path summed exp() in float64: equal to
// ~1e-7 relative, so two candidates whose scores are that close may be ordered differently (not seen in the tests;
// bit-identical confidences would need every row's V exponentials summed in float64, i.e. the rows in JS again).
// The entropy strategy is that case: it reads every probability, so its rows still come back (see below).
import * as tf from '@tensorflow/tfjs-core';
import type { Strategy } from '../lanes.js';
import { argmax, entropy, margin, pick, softmax, type Rand } from './sample.js';

export interface ChoiceRule {
  temperature: number;
  topK: number;
  strategy: Strategy;
}

/** One masked row's outcome: the token drawn, p(token) under the model (T = 1), and the strategy's score. */
export interface Choice {
  token: number;
  confidence: number;
  score: number;
}

/** The strategy's score of a row from its full distribution p (the JS path; the tensor path computes the same). */
function scoreOf(strategy: Strategy, p: Float64Array, confidence: number, rand: Rand): number {
  return strategy === 'random'
    ? rand()
    : strategy === 'margin'
      ? margin(p)
      : strategy === 'entropy'
        ? -entropy(p)
        : confidence;
}

/** The JS reference over downloaded rows: pick() then the score, row by row (one rand() per row for `random`); rows
 *  from `scored` on (guesses beyond the block) get a token but no score, so no draw for one. */
export function chooseInJs(
  rows: readonly Float32Array[],
  rule: ChoiceRule,
  rand: Rand,
  scored = rows.length,
): Choice[] {
  return rows.map((row, r) => {
    const p = softmax(row);
    const token = pick(row, rule.temperature, rule.topK, rand);
    const confidence = p[token];
    return { token, confidence, score: r < scored ? scoreOf(rule.strategy, p, confidence, rand) : NaN };
  });
}

/** Gumbel-max among the k candidates at offset o of the top-(k+1) values v / indices ix, in index order (as pick()). */
function gumbelAmong(v: Float32Array, ix: Int32Array, o: number, k: number, temperature: number, rand: Rand): number {
  const cand = Array.from({ length: k }, (_, i) => o + i)
    .filter((i) => v[i] >= -1e8)
    .sort((a, b) => ix[a] - ix[b]);
  let best = -1;
  let bestScore = -Infinity;
  for (const i of cand) {
    const g = -Math.log(-Math.log(Math.max(rand(), 1e-300)));
    const s = v[i] / temperature + g;
    if (s > bestScore) {
      bestScore = s;
      best = ix[i];
    }
  }
  return best;
}

/** Choose a token for every row of logits [n, V] (the caller keeps and disposes logits). */
export function chooseOnTensors(logits: tf.Tensor2D, rule: ChoiceRule, rand: Rand): Choice[] {
  const [n, V] = logits.shape;
  if (n === 0) return [];
  const { temperature: T, topK: K, strategy } = rule;
  const cutoff = T > 0 && K > 0 && K < V;
  // sampling over every token needs every logit: the rows themselves are what this strategy reads
  if (T > 0 && !cutoff) {
    const flat = logits.dataSync() as Float32Array;
    return chooseInJs(
      Array.from({ length: n }, (_, r) => flat.subarray(r * V, (r + 1) * V)),
      rule,
      rand,
    );
  }
  const kk = Math.min(V, cutoff ? K + 1 : 2);
  // entropy is a sum over all V probabilities: summed in float32 on tensors it reorders rows whose entropies agree to
  // ~1e-6 (an untrained model's all do), so its rows come back and are summed in float64 as before; tokens stay here
  const onTensors = strategy !== 'entropy';
  const [vals, idx, P] = tf.tidy(() => {
    const t = tf.topk(logits, kk, true);
    return [t.values, t.indices, ...(onTensors ? [tf.softmax(logits)] : [])];
  });
  try {
    const v = vals.dataSync() as Float32Array;
    const ix = idx.dataSync() as Int32Array;
    let flat: Float32Array | null = null;
    const row = (r: number) => (flat ??= logits.dataSync() as Float32Array).subarray(r * V, (r + 1) * V);
    const tokens = new Int32Array(n);
    const randomScores = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const o = r * kk;
      let token: number;
      if (T <= 0) token = kk > 1 && v[o + 1] === v[o] ? argmax(row(r)) : ix[o];
      else if (kk > K && v[o + K] === v[o + K - 1]) token = pick(row(r), T, K, rand);
      else {
        token = gumbelAmong(v, ix, o, K, T, rand);
        if (token < 0) token = pick(row(r), T, K, rand); // no candidate above −1e8: pick()'s own fallback
      }
      tokens[r] = token;
      // `random` draws its score right after the row's token, as the JS path does
      if (strategy === 'random') randomScores[r] = rand();
    }
    if (!onTensors) {
      return Array.from(tokens, (token, r): Choice => {
        const p = softmax(row(r));
        return { token, confidence: p[token], score: -entropy(p) };
      });
    }
    // p at the token, and for margin at the top one: n or 2n numbers come back. The margin p1 − p2 is taken as
    // p1·(1 − exp(l2 − l1)) in float64: the same value, without subtracting two float32 probabilities (an untrained
    // model's margins are ~1e-4 and would differ from the JS path's in the 6th digit)
    const cols = strategy === 'margin' ? 2 : 1;
    const at = new Int32Array(n * cols);
    for (let r = 0; r < n; r++) {
      at[r * cols] = r * V + tokens[r];
      if (cols > 1) at[r * cols + 1] = r * V + ix[r * kk];
    }
    const picked = tf.tidy(() => tf.gather(tf.reshape(P!, [n * V]), tf.tensor1d(at, 'int32')));
    const p = picked.dataSync() as Float32Array;
    picked.dispose();
    return Array.from(tokens, (token, r): Choice => {
      const confidence = p[r * cols];
      const score =
        strategy === 'random'
          ? randomScores[r]
          : strategy === 'margin'
            ? p[r * cols + 1] * -Math.expm1(v[r * kk + 1] - v[r * kk])
            : confidence;
      return { token, confidence, score };
    });
  } finally {
    tf.dispose([vals, idx, ...(P ? [P] : [])]);
  }
}
