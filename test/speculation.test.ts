// The speculative-decoding price model against hand-worked cases and a simulation of independent acceptances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../src/engine/decode/sample.js';
import {
  alphaForSpeedup,
  expectedTokensPerRound,
  roundSeconds,
  speculativeSpeedup,
} from '../src/engine/price/speculation.js';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('by hand: α 0.8, γ 4, t_draft 1 ms, t_verify = t_AR = 10 ms', () => {
  near(expectedTokensPerRound(0.8, 4), (1 - 0.8 ** 5) / 0.2); // 1 + .8 + .64 + .512 + .4096 = 3.3616
  near(expectedTokensPerRound(0.8, 4), 3.3616);
  near(roundSeconds(4, 1e-3, 10e-3), 14e-3);
  near(speculativeSpeedup(0.8, 4, 1e-3, 10e-3, 10e-3), (3.3616 * 10) / 14);
  near(alphaForSpeedup((3.3616 * 10) / 14, 4, 1e-3, 10e-3, 10e-3)!, 0.8, 1e-9);
  near(expectedTokensPerRound(1, 4), 5);
  near(expectedTokensPerRound(0, 4), 1);
  assert.equal(alphaForSpeedup(6, 4, 1e-3, 10e-3, 10e-3), null); // at most 5 tokens per 14 ms: 3.57×
});

test('tokens per round match a simulation of rounds with independent acceptances', () => {
  const rand = rng(9);
  for (const [alpha, gamma] of [
    [0.6, 3],
    [0.9, 8],
  ]) {
    let tokens = 0;
    const N = 100_000;
    for (let r = 0; r < N; r++) {
      let k = 0;
      while (k < gamma && rand() < alpha) k++;
      tokens += k + 1;
    }
    near(tokens / N, expectedTokensPerRound(alpha, gamma), 0.02);
  }
});

test('on Llama 3.3 70B + Llama 3.2 1B / H200: the solved α reproduces the measured 3.55×, and calc prints it', async () => {
  const { selectTarget } = await import('../src/engine/price/project.js');
  const { priceSpeculation, MEASURED_SPEEDUP } = await import('../src/engine/price/speculation.js');
  const { calc } = await import('../src/commands/calc.js');
  const t = await selectTarget({});
  assert.equal(t.draft.key, 'llama-3.2-1b');
  const sp = priceSpeculation(t, 511.5, 4)!;
  near(sp.speedup, MEASURED_SPEEDUP.factor, 1e-6);
  assert.ok(sp.alpha > 0.8 && sp.alpha < 0.9, `α ${sp.alpha}`);
  // by hand from its own pass times: T = (1 − α⁵)/(1 − α), S = T·t_AR/(4·t_draft + t_verify)
  near(sp.tokensPerRound, (1 - sp.alpha ** 5) / (1 - sp.alpha));
  near(sp.speedup, (sp.tokensPerRound * sp.arSeconds) / (4 * sp.draftSeconds + sp.verifySeconds));
  const given = priceSpeculation(t, 511.5, 4, 0.5)!;
  near(given.tokensPerRound, 1.9375);
  const { text } = await calc(['--alpha', '0.5', '--derive']);
  assert.match(text, /α\s+0\.500 \(--alpha\)/);
  assert.match(text, /tokens\/round\s+\(1 − α\^\(γ\+1\)\) \/ \(1 − α\) = 1\.94/);
  await assert.rejects(calc(['--alpha', '2']), /--alpha must be in \[0, 1\]/);
  await assert.rejects(calc(['--draft-tokens', '0']), /--draft-tokens must be a whole number/);
});
