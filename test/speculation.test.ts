// The speculative-decoding price model against hand-worked cases and a simulation of independent acceptances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../src/engine/decode/sample.js';
import { alphaForSpeedup, expectedTokensPerRound, roundSeconds, speculativeSpeedup } from '../src/engine/speculation.js';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('by hand: α 0.8, γ 4, t_draft 1 ms, t_verify = t_AR = 10 ms', () => {
  near(expectedTokensPerRound(0.8, 4), (1 - 0.8 ** 5) / 0.2); // 1 + .8 + .64 + .512 + .4096 = 3.3616
  near(expectedTokensPerRound(0.8, 4), 3.3616);
  near(roundSeconds(4, 1e-3, 10e-3), 14e-3);
  near(speculativeSpeedup(0.8, 4, 1e-3, 10e-3, 10e-3), 3.3616 * 10 / 14);
  near(alphaForSpeedup(3.3616 * 10 / 14, 4, 1e-3, 10e-3, 10e-3)!, 0.8, 1e-9);
  near(expectedTokensPerRound(1, 4), 5);
  near(expectedTokensPerRound(0, 4), 1);
  assert.equal(alphaForSpeedup(6, 4, 1e-3, 10e-3, 10e-3), null); // at most 5 tokens per 14 ms: 3.57×
});

test('tokens per round match a simulation of rounds with independent acceptances', () => {
  const rand = rng(9);
  for (const [alpha, gamma] of [[0.6, 3], [0.9, 8]]) {
    let tokens = 0;
    const N = 100_000;
    for (let r = 0; r < N; r++) { let k = 0; while (k < gamma && rand() < alpha) k++; tokens += k + 1; }
    near(tokens / N, expectedTokensPerRound(alpha, gamma), 0.02);
  }
});
