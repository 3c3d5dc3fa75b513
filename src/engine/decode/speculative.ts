// Speculative decoding (Leviathan et al. 2023; Chen et al. 2023): a small draft model proposes γ tokens one by one
// with its own KV cache; the target model checks all of them in one causal pass of γ+1 tokens against its KV cache;
// the agreeing prefix is kept, the first disagreement is replaced by the target's own token, and both caches are cut
// back to what was kept. Greedy: a draft token is kept while it equals the target's argmax, so the text is AR's
// greedy text exactly. Sampling: kept with probability min(1, p/q), else replaced by a draw from norm(max(0, p − q)),
// which makes every emitted token a draw from the target's own sampling distribution p (temperature and top-k
// applied to both models alike).
// Both models' passes run on the fast path (model/fast/) where their shapes fit its kernels, else on tfjs
// (decode/cached-passes.ts); the tokens and events are the same either way, only the wall times differ.
import type { DecodeConfig } from '../config.js';
import type { ArStep } from './cached-passes.js';
import { cachedPasses } from './cached-passes.js';
import type { DecodeContext } from './context.js';
import { promptPositions, stepEvent } from './context.js';
import type { LaneId, Position, StepEvent } from './events.js';
import type { Speculation } from './speculation.js';
import { laneOptions } from '../config.js';
import { laneSpec, type SpeculativeOptions } from '../lanes.js';
import { argmax, rng, sampleFrom, samplingDistribution, softmax } from './sample.js';

const LANE: LaneId = 'speculative';

/** The speculative-sampling rule for one proposed token d ~ q: kept with probability min(1, p(d)/q(d)); otherwise a
 *  replacement drawn from norm(max(0, p − q)). Returns the emitted token and whether d was kept. */
export function acceptOrResample(
  p: Float64Array,
  q: Float64Array,
  d: number,
  rand: () => number,
): { token: number; accepted: boolean } {
  if (q[d] > 0 && rand() * q[d] < p[d]) return { token: d, accepted: true }; // u < p/q without dividing by a tiny q
  const residual = new Float64Array(p.length);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += residual[i] = Math.max(0, p[i] - q[i]);
  // p = q exactly (nothing left to resample): any rejection is then impossible; fall back to p
  return { token: sum > 0 ? sampleFrom(residual, sum, rand) : sampleFrom(p, 1, rand), accepted: false };
}

/**
 * The speculative lane. Passes, in order: the target's prefill over the prompt (it also yields the first token, as in
 * AR), then rounds of γ' = min(γ, tokens left − 1) draft passes and one verify pass; a round's first draft pass also
 * runs what the draft has not seen yet (the whole prompt in round one). Draft passes are priced on the draft model
 * (detail.model 'draft'); every verify event reports the round's proposed and kept tokens. `passes` 'tfjs' runs
 * every pass on tfjs (tests compare the two), 'fast' each model's passes after its first on the fast path where it fits.
 */
export async function* speculative(
  target: DecodeContext,
  draft: DecodeContext,
  cfg: DecodeConfig,
  passes: ArStep = 'fast',
): AsyncGenerator<StepEvent> {
  const { draftTokens } = laneOptions<SpeculativeOptions>(cfg, laneSpec(LANE));
  const prompt = target.tokenizer.encode(cfg.prompt);
  const rand = rng(cfg.seed);
  const greedy = cfg.temperature <= 0;
  const dist = (row: Float32Array) => samplingDistribution(row, cfg.temperature, cfg.topK);
  const draw = (p: Float64Array) => sampleFrom(p, 1, rand);
  const positions: Position[] = promptPositions(target, prompt);
  const generated: number[] = [];
  // room for the prompt and every token (a verify pass runs at most up to the last); passes of up to γ+1 tokens
  const capacity = prompt.length + cfg.length + 1;
  const tPasses = cachedPasses(target, capacity, draftTokens + 1, passes);
  const dPasses = cachedPasses(draft, capacity, draftTokens + 1, passes);
  let step = 0;
  let rounds = 0,
    proposedTotal = 0,
    keptTotal = 0;
  const commit = (token: number, confidence: number) => {
    generated.push(token);
    positions.push({
      state: 'committed',
      token,
      text: target.tokenizer.tokenText(token),
      step,
      confidence,
      guess: null,
      guessText: null,
    });
    return positions.length - 1;
  };
  const spec = (model: 'target' | 'draft', proposed: number[], kept: number | null): Speculation => ({
    model,
    proposed: [...proposed],
    kept,
    rounds,
    proposedTotal,
    keptTotal,
  });
  try {
    // target prefill: the first token, exactly as the AR lane makes it
    let t0 = performance.now();
    const pre = tPasses.pass(prompt, false);
    const first = greedy ? argmax(pre.rows[0]) : draw(dist(pre.rows[0]));
    const idx0 = commit(first, softmax(pre.rows[0])[first]);
    yield stepEvent(target, {
      lane: LANE,
      step,
      plannedSteps: null,
      kind: 'prefill',
      positions,
      committed: [idx0],
      shape: { q: prompt.length, k: 0, logits: 1, kvWrite: prompt.length, attention: 'causal' },
      wallMs: performance.now() - t0,
      done: cfg.length === 1,
      detail: spec('target', [], null),
    });
    step++;
    // the target has not yet run its last emitted token; the draft lags by whatever it has not run
    while (generated.length < cfg.length) {
      const remaining = cfg.length - generated.length;
      const gamma = Math.min(draftTokens, remaining - 1); // a round emits at most γ' + 1 tokens
      const seq = [...prompt, ...generated];
      // ---- draft: catch up on what it has not seen, then propose γ' tokens
      const proposals: number[] = [];
      const qs: Float64Array[] = [];
      let pending = seq.slice(dPasses.length, seq.length);
      for (let i = 0; i < gamma; i++) {
        t0 = performance.now();
        const r = dPasses.pass(pending, false);
        const q = dist(r.rows[0]);
        const d = greedy ? argmax(r.rows[0]) : draw(q);
        proposals.push(d);
        qs.push(q);
        yield stepEvent(draft, {
          lane: LANE,
          step,
          plannedSteps: null,
          kind: 'draft',
          positions,
          committed: [],
          shape: { q: pending.length, k: r.k, logits: 1, kvWrite: pending.length, attention: 'causal' },
          wallMs: performance.now() - t0,
          done: false,
          detail: spec('draft', proposals, null),
        });
        step++;
        pending = [d];
      }
      // ---- verify: the target runs the last emitted token and the γ' proposals in one pass
      t0 = performance.now();
      const ids = [generated[generated.length - 1], ...proposals];
      const v = tPasses.pass(ids, true);
      const committed: number[] = [];
      let kept = 0;
      let next: number | null = null;
      for (let i = 0; i < gamma; i++) {
        const row = v.rows[i];
        if (greedy) {
          const best = argmax(row);
          if (best === proposals[i]) {
            kept++;
            continue;
          }
          next = best;
        } else {
          const r = acceptOrResample(dist(row), qs[i], proposals[i], rand);
          if (r.accepted) {
            kept++;
            continue;
          }
          next = r.token;
        }
        break;
      }
      for (let i = 0; i < kept; i++) committed.push(commit(proposals[i], softmax(v.rows[i])[proposals[i]]));
      // all γ' kept: the verify pass's last row gives one more token for free
      const lastRow = v.rows[kept];
      if (next === null) next = greedy ? argmax(lastRow) : draw(dist(lastRow));
      committed.push(commit(next, softmax(lastRow)[next]));
      rounds++;
      proposedTotal += gamma;
      keptTotal += kept;
      // roll back: the target keeps its cache up to the last kept proposal; the replacement token is run next round
      tPasses.truncate(prompt.length + generated.length - 1);
      dPasses.truncate(Math.min(dPasses.length, prompt.length + generated.length - 1));
      yield stepEvent(target, {
        lane: LANE,
        step,
        plannedSteps: null,
        kind: 'verify',
        positions,
        committed,
        shape: { q: ids.length, k: v.k, logits: ids.length, kvWrite: ids.length, attention: 'causal' },
        wallMs: performance.now() - t0,
        done: generated.length >= cfg.length,
        detail: spec('target', proposals, kept),
      });
      step++;
    }
  } finally {
    tPasses.dispose();
    dPasses.dispose();
  }
}
