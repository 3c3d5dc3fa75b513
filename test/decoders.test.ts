// Decoder invariants on the tiny fixture model: one event per pass, every generated position committed once,
// step counts per strategy, blocks left to right, cache refresh passes counted, no tensor growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createRun, FIXTURE_MODEL_DIR, type Run } from '../src/engine/run.js';
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { withLaneOptions, type DiffusionDetail, type DiffusionOptions } from '../src/engine/lanes.js';
import type { StepEvent } from '../src/engine/decode/events.js';

const base = { ...DEFAULT_DECODE, prompt: 'It is a truth universally acknowledged', length: 24, steps: 12, block: 24 };
/** a run with shared settings and the diffusion lane's options (DecodeConfig.lanes.diffusion) overridden */
const run = ({
  steps = base.steps,
  block = base.block,
  strategy,
  threshold,
  cache,
  ...over
}: Partial<Omit<DecodeConfig, 'lanes'> & DiffusionOptions>): Promise<Run> =>
  createRun(withLaneOptions({ ...base, ...over }, 'diffusion', { steps, block, strategy, threshold, cache }), {
    modelDir: FIXTURE_MODEL_DIR,
  });
const blockOf = (e: StepEvent) => (e.detail as DiffusionDetail).block;
async function collect(g: AsyncGenerator<StepEvent>): Promise<StepEvent[]> {
  const out: StepEvent[] = [];
  for await (const e of g) out.push(e);
  return out;
}

/** Every generated position is committed in exactly one pass, and never changes afterwards. */
function assertCommittedOnce(events: StepEvent[], prompt: number, length: number): void {
  const seen = new Map<number, number>();
  for (const e of events)
    for (const i of e.committed) {
      assert.ok(!seen.has(i), `position ${i} committed twice`);
      seen.set(i, e.positions[i].token!);
      assert.equal(e.positions[i].step, e.step);
    }
  assert.deepEqual(
    [...seen.keys()].sort((a, b) => a - b),
    Array.from({ length }, (_, i) => prompt + i),
  );
  const last = events.at(-1)!;
  for (const [i, t] of seen) assert.equal(last.positions[i].token, t);
  assert.ok(last.done && events.slice(0, -1).every((e) => !e.done));
}

test('autoregressive: a prefill, then one token per pass against a growing cache', async () => {
  const r = await run({});
  const ev = await collect(r.stream('ar'));
  const P = r.info.promptTokens;
  assert.equal(ev.length, base.length);
  assert.deepEqual(ev[0].shape, { q: P, k: 0, logits: 1, kvWrite: P, attention: 'causal' });
  assert.equal(ev[0].kind, 'prefill');
  ev.slice(1).forEach((e, i) =>
    assert.deepEqual(e.shape, { q: 1, k: P + i, logits: 1, kvWrite: 1, attention: 'causal' }),
  );
  assertCommittedOnce(ev, P, base.length);
  r.dispose();
});

for (const strategy of ['low-confidence', 'random', 'margin', 'entropy'] as const) {
  test(`diffusion ${strategy}: fixed k takes exactly S passes, k from the even split`, async () => {
    const r = await run({ strategy });
    const ev = await collect(r.stream('diffusion'));
    assert.equal(ev.length, base.steps);
    assert.ok(ev.every((e) => e.committed.length === 2 && e.plannedSteps === base.steps));
    assertCommittedOnce(ev, r.info.promptTokens, base.length);
    r.dispose();
  });
}

test('diffusion threshold: data-driven, never more passes than tokens, at least one per pass', async () => {
  for (const threshold of [0.99, 0.05]) {
    const r = await run({ strategy: 'threshold', threshold, block: 8 });
    const ev = await collect(r.stream('diffusion'));
    assert.ok(ev.length <= base.length && ev.every((e) => e.committed.length >= 1 && e.plannedSteps === null));
    assertCommittedOnce(ev, r.info.promptTokens, base.length);
    r.dispose();
  }
});

test('diffusion blocks complete left to right; commits stay inside the current block', async () => {
  const r = await run({ block: 8, steps: 12 });
  const ev = await collect(r.stream('diffusion'));
  const P = r.info.promptTokens;
  for (const e of ev) {
    const b = blockOf(e);
    assert.equal(b.count, 3);
    assert.ok(e.committed.every((i) => i >= b.start && i < b.end));
    for (let i = P; i < b.start; i++)
      assert.equal(e.positions[i].state, 'committed', `block ${b.index} began before position ${i} was done`);
  }
  assert.deepEqual(
    ev.map((e) => blockOf(e).index),
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
  );
  r.dispose();
});

test('prefix and dual caches: one refresh pass per block, counted as a step; later passes read the frozen cache', async () => {
  for (const cache of ['prefix', 'dual'] as const) {
    const r = await run({ block: 8, steps: 12, cache });
    const ev = await collect(r.stream('diffusion'));
    const P = r.info.promptTokens,
      N = P + base.length;
    assert.equal(ev.length, 12);
    assert.deepEqual(
      ev.map((e) => e.kind),
      Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 'refresh' : 'denoise')),
    );
    for (const e of ev) {
      const { start, end } = blockOf(e);
      if (e.kind === 'refresh') assert.deepEqual([e.shape.q, e.shape.k], [N, 0]);
      // cached passes also run position start−1, whose output predicts token start
      else if (cache === 'prefix') assert.deepEqual([e.shape.q, e.shape.k], [N - start + 1, start - 1]);
      else assert.deepEqual([e.shape.q, e.shape.k], [end - start + 1, N - (end - start) - 1]);
    }
    assertCommittedOnce(ev, P, base.length);
    r.dispose();
  }
});

test('sampling is reproducible from the seed', async () => {
  const texts = async (seed: number) => {
    const r = await run({ temperature: 1, topK: 20, seed });
    const ar = (await collect(r.stream('ar'))).at(-1)!.positions.map((p) => p.token);
    const df = (await collect(r.stream('diffusion'))).at(-1)!.positions.map((p) => p.token);
    r.dispose();
    return JSON.stringify([ar, df]);
  };
  assert.equal(await texts(3), await texts(3));
  assert.notEqual(await texts(3), await texts(4));
});

test('no tensor growth across full generations of each decoder (and an abandoned one)', async () => {
  const r = await run({ block: 8, steps: 12, cache: 'dual' });
  await collect(r.stream('ar'));
  await collect(r.stream('diffusion'));
  const before = tf.memory().numTensors;
  await collect(r.stream('ar'));
  await collect(r.stream('diffusion'));
  const g = r.stream('diffusion');
  await g.next();
  await g.return(undefined);
  assert.equal(tf.memory().numTensors, before);
  r.dispose();
});
