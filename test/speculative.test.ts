// Speculative decoding: the acceptance rule leaves the target's distribution intact (Monte Carlo, no model), greedy
// speculative text equals greedy AR text token for token, sampled text has AR's token distribution (statistical test
// on the fixture), passes carry the right shapes and models, and no tensor outlives a finished or abandoned run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DECODE } from '../src/engine/config.js';
import { autoregressive } from '../src/engine/decode/autoregressive.js';
import type { DecodeContext } from '../src/engine/decode/context.js';
import type { StepEvent } from '../src/engine/decode/events.js';
import { acceptanceRate, speculationOf, tokensPerVerify } from '../src/engine/decode/speculation.js';
import { rng, samplingDistribution } from '../src/engine/decode/sample.js';
import { acceptOrResample, speculative } from '../src/engine/decode/speculative.js';
import type { DecodeConfig } from '../src/engine/config.js';
import { GPT } from '../src/engine/model/model.js';
import { openModel } from '../src/engine/quality.js';
import { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { loadPrompts } from '../src/train/eval.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const m = await openModel(FIXTURE_MODEL_DIR);
const target: DecodeContext = m.ctx;
// a draft that disagrees often: the fixture's shape with fresh weights
const other = GPT.init(m.json.config, 5);
const draft: DecodeContext = { ...m.ctx, model: other };

/** a config; draftTokens is the speculative lane's option (DecodeConfig.lanes.speculative) */
const cfg = ({ draftTokens = 3, ...over }: Partial<DecodeConfig> & { draftTokens?: number } = {}): DecodeConfig => ({
  ...DEFAULT_DECODE,
  prompt: 'It is a truth',
  length: 12,
  temperature: 0,
  topK: 0,
  seed: 1,
  ...over,
  lanes: { speculative: { draftTokens } },
});
async function collect(gen: AsyncGenerator<StepEvent>): Promise<StepEvent[]> {
  const out: StepEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}
const generated = (es: StepEvent[], promptLen: number) =>
  es
    .at(-1)!
    .positions.slice(promptLen)
    .map((p) => p.token!);

test('acceptOrResample: a draw from q, kept or replaced, is a draw from p (200,000 draws)', () => {
  const rand = rng(3);
  const norm = (xs: number[]) => Float64Array.from(xs, (x) => x / xs.reduce((a, b) => a + b, 0));
  const p = norm([5, 1, 0, 3, 0.5, 2]),
    q = norm([1, 4, 2, 1, 1, 0]); // q misses token 5, p misses token 2
  const counts = new Float64Array(6);
  const N = 200_000;
  for (let i = 0; i < N; i++) {
    let u = rand(),
      d = 0;
    while ((u -= q[d]) >= 0 && d < 5) d++;
    counts[acceptOrResample(p, q, d, rand).token]++;
  }
  const tv = 0.5 * counts.reduce((s, c, i) => s + Math.abs(c / N - p[i]), 0);
  assert.ok(tv < 0.005, `total variation ${tv}`); // sampling noise here is ~0.002
  assert.equal(counts[2], 0, 'never a token p rules out');
});

test('samplingDistribution is what pick() draws from: top-k, temperature, [MASK] excluded', () => {
  const row = Float32Array.from([2, 1, 0, 3, -1e9]);
  const p = samplingDistribution(row, 0.5, 2); // tokens 3 and 0: e^6, e^4
  assert.ok(Math.abs(p[3] - Math.exp(6) / (Math.exp(6) + Math.exp(4))) < 1e-12 && p[1] === 0 && p[4] === 0);
  assert.deepEqual(Array.from(samplingDistribution(row, 0, 0)), [0, 0, 0, 1, 0]);
});

test('greedy: the speculative text is the AR text token for token (draft = another model, and draft = the target)', async () => {
  for (const prompt of ['It is a truth', 'Mr. Bennet said', 'She was']) {
    const c = cfg({ prompt });
    const P = target.tokenizer.encode(prompt).length;
    const ar = generated(await collect(autoregressive(target, c)), P);
    for (const [name, d] of [
      ['other', draft],
      ['self', target],
    ] as const) {
      const es = await collect(speculative(target, d, c));
      assert.deepEqual(generated(es, P), ar, `${prompt} (draft ${name})`);
      const last = speculationOf(es.at(-1)!)!;
      if (name === 'self') assert.equal(acceptanceRate(last), 1, 'a draft equal to the target is always kept');
      assert.equal(last.keptTotal + last.rounds + 1, c.length, 'kept + one target token per round + the prefill token');
    }
  }
});

test('passes: target prefill, then rounds of γ draft passes (priced on the draft) and one verify pass of γ+1 tokens', async () => {
  const c = cfg({ length: 9, draftTokens: 3 });
  const P = target.tokenizer.encode(c.prompt).length;
  const es = await collect(speculative(target, target, c)); // every proposal kept: rounds of 3 + 1 tokens
  assert.deepEqual(
    es.map((e) => e.kind),
    ['prefill', 'draft', 'draft', 'draft', 'verify', 'draft', 'draft', 'draft', 'verify'],
  );
  assert.deepEqual(es[1].shape, { q: P + 1, k: 0, logits: 1, kvWrite: P + 1, attention: 'causal' }); // the draft's first pass catches up on the prompt
  assert.deepEqual(es[2].shape, { q: 1, k: P + 1, logits: 1, kvWrite: 1, attention: 'causal' });
  assert.deepEqual(es[4].shape, { q: 4, k: P, logits: 4, kvWrite: 4, attention: 'causal' });
  assert.deepEqual(es[8].shape, { q: 4, k: P + 4, logits: 4, kvWrite: 4, attention: 'causal' });
  assert.deepEqual(
    es.map((e) => speculationOf(e)!.model),
    ['target', 'draft', 'draft', 'draft', 'target', 'draft', 'draft', 'draft', 'target'],
  );
  assert.equal(tokensPerVerify(speculationOf(es.at(-1)!)!), 4);
  assert.equal(es.at(-1)!.done, true);
  assert.deepEqual(es[4].committed.length, 4);
  // with another draft the cost of its passes is its own: same shape, same price here (same size), different model field
  const mixed = await collect(speculative(target, draft, c));
  assert.ok(
    mixed.some((e) => e.kind === 'draft') && mixed.filter((e) => e.kind === 'verify').every((e) => e.shape.q <= 4),
  );
});

test("sampling: the speculative lane draws AR's token distribution (600 seeds, per-position total variation < 0.12)", async () => {
  const N = 600,
    L = 3;
  const c = (seed: number) => cfg({ length: L, temperature: 1, topK: 3, seed, draftTokens: 2 });
  const P = target.tokenizer.encode(c(0).prompt).length;
  const hist = () => Array.from({ length: L }, () => new Map<number, number>());
  const ar = hist(),
    sp = hist();
  for (let s = 0; s < N; s++) {
    generated(await collect(autoregressive(target, c(s))), P).forEach((t, i) => ar[i].set(t, (ar[i].get(t) ?? 0) + 1));
    generated(await collect(speculative(target, draft, c(s + 100_000))), P).forEach((t, i) =>
      sp[i].set(t, (sp[i].get(t) ?? 0) + 1),
    );
  }
  for (let i = 0; i < L; i++) {
    const keys = new Set([...ar[i].keys(), ...sp[i].keys()]);
    let tv = 0;
    for (const k of keys) tv += Math.abs((ar[i].get(k) ?? 0) - (sp[i].get(k) ?? 0)) / N;
    tv /= 2;
    // two samples of 600 over a handful of tokens differ by ~0.04 by chance; accepting the draft's own draws would give ~1
    assert.ok(tv < 0.12, `position ${i}: total variation ${tv.toFixed(3)}`);
  }
});

test('no tensor outlives a finished or an abandoned speculative run', async () => {
  await collect(speculative(target, draft, cfg())); // caches weight transposes once
  const before = tf.memory().numTensors;
  await collect(speculative(target, draft, cfg({ temperature: 0.8, topK: 20 })));
  assert.equal(tf.memory().numTensors, before, 'finished');
  const gen = speculative(target, draft, cfg());
  for (let i = 0; i < 5; i++) await gen.next();
  await gen.return(undefined);
  assert.equal(tf.memory().numTensors, before, 'abandoned after 5 passes');
});

const shippedDraft = join(DEFAULT_MODEL_DIR, 'draft', 'model.json');
test(
  'greedy on the shipped models: the speculative text is the AR text for every prompt of the prompt set',
  { skip: !existsSync(shippedDraft) && 'no shipped draft model' },
  async () => {
    // the lane's target is the AR lane's model: the ar/ copy where one ships
    const main = await openModel(
      existsSync(join(DEFAULT_MODEL_DIR, 'ar', 'model.json')) ? join(DEFAULT_MODEL_DIR, 'ar') : DEFAULT_MODEL_DIR,
    );
    const d = await openModel(join(DEFAULT_MODEL_DIR, 'draft'));
    try {
      for (const prompt of loadPrompts()) {
        const c = cfg({ prompt, length: 32, draftTokens: 4 });
        const P = main.ctx.tokenizer.encode(prompt).length;
        const ar = generated(await collect(autoregressive(main.ctx, c)), P);
        assert.deepEqual(generated(await collect(speculative(main.ctx, d.ctx, c)), P), ar, prompt);
      }
    } finally {
      main.ctx.model.dispose();
      d.ctx.model.dispose();
    }
  },
);

test('cached passes: fast and tfjs give the same logit rows, in pieces longer than a pass and after a cut', async () => {
  const { cachedPasses } = await import('../src/engine/decode/cached-passes.js');
  const fast = cachedPasses(target, 40, 3),
    slow = cachedPasses(target, 40, 3, 'tfjs');
  assert.equal(fast.kind, 'fast');
  assert.equal(slow.kind, 'tfjs');
  const close = (a: Float32Array[], b: Float32Array[], what: string) => {
    assert.equal(a.length, b.length, what);
    a.forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(x - b[i][j]) < 1e-4, `${what}: row ${i} col ${j}`)));
  };
  for (const [ids, all, cut] of [
    [[5, 6, 7, 8], false, null], // the first pass: tfjs on both, then loaded into the session
    [[9], false, null],
    [[10, 11, 12, 13, 14, 15, 16], true, 9], // 7 tokens in passes of 3, 3 and 1; then cut back to 9 positions
    [[17, 18, 19, 20, 21], false, 6],
    [[22, 23], true, null],
  ] as const) {
    const k = fast.length;
    assert.equal(slow.length, k);
    const a = fast.pass([...ids], all),
      b = slow.pass([...ids], all);
    assert.equal(a.k, k);
    assert.equal(b.k, k);
    close(a.rows, b.rows, JSON.stringify(ids));
    if (cut !== null) {
      fast.truncate(cut);
      slow.truncate(cut);
      assert.equal(fast.length, cut);
    }
  }
  fast.dispose();
  slow.dispose();
});

/** What an event says, but its wall time and the confidences (compared to 1e-4 apart). */
const comparable = (e: StepEvent) => ({
  ...e,
  wallMs: 0,
  positions: e.positions.map((p) => ({ ...p, confidence: null })),
});
const confidences = (e: StepEvent) => e.positions.map((p) => p.confidence ?? 0);

for (const [name, dir] of [
  ['fixture', FIXTURE_MODEL_DIR],
  ['shipped', DEFAULT_MODEL_DIR],
] as const)
  test(
    `on the ${name} model and its draft, the fast lane emits the tfjs lane's tokens and events (greedy and sampled)`,
    { skip: !existsSync(join(dir, 'draft', 'model.json')) && 'no draft model' },
    async () => {
      const t = await openModel(existsSync(join(dir, 'ar', 'model.json')) ? join(dir, 'ar') : dir);
      const d = await openModel(join(dir, 'draft'));
      let rolledBack = false;
      try {
        for (const over of [
          { temperature: 0, draftTokens: 4, length: 64 },
          { temperature: 0.9, topK: 40, seed: 0, draftTokens: 4, length: 64 },
          { temperature: 1, topK: 0, seed: 5, draftTokens: 2, length: 40 },
          { temperature: 0.8, topK: 20, seed: 3, draftTokens: 7, length: 33 },
        ]) {
          const c = cfg({ prompt: 'It is a truth universally acknowledged', ...over });
          const slow = await collect(speculative(t.ctx, d.ctx, c, 'tfjs'));
          const before = tf.memory().numTensors;
          const fast = await collect(speculative(t.ctx, d.ctx, c));
          assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
          assert.deepEqual(fast.map(comparable), slow.map(comparable), JSON.stringify(over));
          fast.forEach((e, i) =>
            confidences(e).forEach((x, j) => assert.ok(Math.abs(x - confidences(slow[i])[j]) < 1e-4, `pass ${i}`)),
          );
          rolledBack ||= fast.some(
            (e) => e.kind === 'verify' && speculationOf(e)!.kept! < speculationOf(e)!.proposed.length,
          );
        }
        assert.ok(rolledBack, 'some round kept fewer tokens than proposed: the caches were cut back');
      } finally {
        t.ctx.model.dispose();
        d.ctx.model.dispose();
      }
    },
  );

test('cleanup', () => {
  other.dispose();
  m.ctx.model.dispose();
});

test('kthLargest equals the sorted order for random rows, ties and edge ranks', async () => {
  const { kthLargest } = await import('../src/engine/decode/sample.js');
  const rand = rng(21);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(rand() * 300);
    const row = Float32Array.from({ length: n }, () => Math.round(rand() * 20) - 10); // many ties
    const sorted = Array.from(row).sort((a, b) => b - a);
    for (const k of [1, Math.ceil(n / 2), n, 1 + Math.floor(rand() * n)])
      assert.equal(kthLargest(row, k), sorted[k - 1], `n ${n} k ${k}`);
  }
});

test(
  'a draft on another tokenizer is refused with one line',
  { skip: !existsSync(shippedDraft) && 'no shipped draft model' },
  async () => {
    const { checkSameTokenizer } = await import('../src/engine/run.js');
    const fixture = await openModel(FIXTURE_MODEL_DIR);
    const d = await openModel(join(DEFAULT_MODEL_DIR, 'draft'));
    try {
      assert.throws(
        () => checkSameTokenizer(fixture, d, 'draft'),
        (e: Error) => e.name === 'InputError' && /another tokenizer/.test(e.message) && !e.message.includes('\n'),
      );
      checkSameTokenizer(fixture, fixture, 'draft'); // the same one passes
    } finally {
      fixture.ctx.model.dispose();
      d.ctx.model.dispose();
    }
  },
);
