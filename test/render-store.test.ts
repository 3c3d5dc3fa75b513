// The store: pacing pulls at most one pass per lane per tick, totals add up, controls behave.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepEvent } from '../src/engine/decode/events.js';
import { sharePositions, Store, type LaneSources } from '../src/render/store.js';
import { fakeAr, fakeDiffusion, type FakeOptions } from './helpers/fake-run.js';

function sources(o: FakeOptions = {}): LaneSources {
  const pulls = { ar: 0, diffusion: 0 };
  const count = (id: 'ar' | 'diffusion', gen: AsyncGenerator<StepEvent>) =>
    (async function* () {
      for await (const e of gen) {
        pulls[id]++;
        yield e;
      }
    })();
  return Object.assign(
    { ar: () => count('ar', fakeAr(o)), diffusion: () => count('diffusion', fakeDiffusion(o)) },
    { [PULLS]: pulls },
  );
}
const PULLS = Symbol('pulls');
const pullsOf = (s: LaneSources) => (s as unknown as Record<symbol, { ar: number; diffusion: number }>)[PULLS]!;

async function run(store: Store, frames: number, dt: number) {
  for (let i = 0; i < frames; i++) await store.frame(dt);
}

test('step pace: each tick advances each lane one pass; AR needs more ticks', async () => {
  const src = sources({ length: 16, steps: 4 });
  const store = new Store(src, { pace: 'step', delayMs: 100, exitHoldMs: null });
  await run(store, 1, 100);
  let s = store.getSnapshot();
  assert.equal(s.lanes.ar.totals.passes, 1);
  assert.equal(s.lanes.diffusion.totals.passes, 1);
  // frames shorter than the delay pull nothing
  await run(store, 3, 20);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 1);
  await run(store, 3, 100);
  s = store.getSnapshot();
  assert.equal(s.lanes.diffusion.totals.passes, 4);
  assert.equal(s.lanes.diffusion.done, true);
  assert.equal(s.lanes.ar.totals.passes, 4);
  assert.equal(s.lanes.ar.done, false);
  await run(store, 12, 100);
  s = store.getSnapshot();
  assert.equal(s.lanes.ar.totals.passes, 16);
  assert.equal(s.finished, true);
  // the finished diffusion lane was not pulled again
  assert.equal(pullsOf(src).diffusion, 4);
});

test('a long frame still pulls only one pass per lane', async () => {
  const store = new Store(sources({ length: 16, steps: 4 }), { pace: 'step', delayMs: 10, exitHoldMs: null });
  await store.frame(1000);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 1);
});

test('totals: sums of the passes; overall B/F = total bytes / total FLOPs', async () => {
  const events: StepEvent[] = [];
  for await (const e of fakeAr({ length: 6 })) events.push(e);
  const store = new Store(sources({ length: 6, steps: 2 }), { pace: 'step', delayMs: 1, exitHoldMs: null });
  await run(store, 6, 1);
  const t = store.getSnapshot().lanes.ar.totals;
  const bytes = events.reduce((s, e) => s + e.cost.bytes.total, 0);
  const flops = events.reduce((s, e) => s + e.cost.flops.total, 0);
  assert.equal(t.passes, 6);
  assert.equal(t.tokens, 6);
  assert.equal(t.bytes, bytes);
  assert.equal(t.flops, flops);
  assert.equal(t.bytesPerFlop, bytes / flops);
  assert.equal(t.kvBytes + t.weightBytes, bytes);
});

test('pause stops the clock; a single step advances while paused', async () => {
  const store = new Store(sources({ length: 8, steps: 4 }), { pace: 'step', delayMs: 50, exitHoldMs: null });
  store.togglePause();
  await run(store, 5, 100);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 0);
  store.stepOnce();
  await store.frame(16);
  await store.frame(16);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 1);
  assert.equal(store.getSnapshot().lanes.diffusion.totals.passes, 1);
  store.togglePause();
  await store.frame(50);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 2);
});

test('speed doubles and halves within bounds', () => {
  const store = new Store(sources(), { pace: 'step', delayMs: 100, exitHoldMs: null });
  store.faster();
  assert.equal(store.getSnapshot().speed, 2);
  for (let i = 0; i < 20; i++) store.slower();
  assert.equal(store.getSnapshot().speed, 1 / 16);
});

test('time pace: a race by pass time (diffusion 6 ms passes vs AR 1 ms passes)', async () => {
  // fake AR: 4 ms prefill then ~1 ms per pass; fake diffusion: 6 ms per pass
  const store = new Store(sources({ length: 24, steps: 4 }), { pace: 'time', delayMs: 10, exitHoldMs: null });
  for (let i = 0; i < 400 && !store.getSnapshot().finished; i++) await store.frame(100);
  const s = store.getSnapshot();
  assert.equal(s.finished, true);
  assert.equal(s.decodingAhead, null);
  assert.equal(s.slowestMs, Math.max(s.lanes.ar.raceMs!, s.lanes.diffusion.raceMs!));
  // lane clocks are the sums of the pass times
  assert.ok(Math.abs(s.lanes.diffusion.laneMs - 24) < 1e-9);
  assert.ok(Math.abs(s.lanes.ar.laneMs - s.lanes.ar.totals.wallMs) < 1e-9);
});

test('time pace: the lane whose passes are cheaper shows more of them at the same moment', async () => {
  const store = new Store(sources({ length: 64, steps: 8 }), {
    pace: 'time',
    delayMs: 10,
    exitHoldMs: null,
    passMs: (e) => (e.lane === 'ar' ? 1 : 4),
  });
  // AR 64 × 1 ms is the slowest lane: 20 s of screen; 5 s → 16 lane-ms
  for (let i = 0; i < 6; i++) await store.frame(1000);
  const s = store.getSnapshot();
  assert.equal(s.lanes.ar.totals.passes, 16, 'several passes in one frame');
  assert.ok(
    s.lanes.ar.totals.passes > s.lanes.diffusion.totals.passes,
    `${s.lanes.ar.totals.passes} vs ${s.lanes.diffusion.totals.passes}`,
  );
  // neither lane is ahead of the race clock by more than one pass
  assert.ok(Math.abs(s.lanes.ar.laneMs - s.lanes.diffusion.laneMs) <= 4 + 1e-9);
});

test('time pace: the race is priced before it starts; lanes finish at their share of the slowest lane', async () => {
  const store = new Store(sources({ length: 64, steps: 8 }), {
    pace: 'time',
    delayMs: 10,
    exitHoldMs: null,
    // diffusion 8 × 2 ms = 16 ms, AR 64 × 1 ms = 64 ms: diffusion finishes at a quarter of the race (5 s of 20)
    passMs: (e) => (e.lane === 'ar' ? 1 : 2),
  });
  assert.equal(store.getSnapshot().decodingAhead, 0);
  const done: Record<string, number> = {};
  for (let f = 0; f < 1000 && !store.getSnapshot().finished; f++) {
    await store.frame(100);
    const s = store.getSnapshot();
    for (const id of ['ar', 'diffusion'] as const) if (s.lanes[id].done) done[id] ??= (f * 100) / 1000;
  }
  assert.equal(store.getSnapshot().slowestMs, 64);
  // frame 0 decodes and prices; the race starts on frame 1
  assert.ok(Math.abs(done.diffusion! - 5) <= 0.1 + 1e-9, `diffusion done at ${done.diffusion} s`);
  assert.ok(Math.abs(done.ar! - 20) <= 0.1 + 1e-9, `AR done at ${done.ar} s`);
});

test('time pace: once priced, each lane carries its whole run (every pass, every token) from the race’s first frame, and keeps it through a replay', async () => {
  const store = new Store(sources({ length: 16, steps: 4 }), {
    pace: 'time',
    delayMs: 10,
    exitHoldMs: null,
    hardwareCount: 2,
  });
  assert.equal(store.getSnapshot().lanes.ar.whole, null, 'nothing before the race is priced');
  await store.frame(100); // decodes and prices
  let s = store.getSnapshot();
  assert.equal(s.lanes.ar.totals.passes, 0, 'no pass shown yet');
  assert.equal(s.lanes.ar.whole!.passes.length, 16);
  assert.equal(s.lanes.ar.whole!.tokens, 16);
  assert.equal(s.lanes.diffusion.whole!.passes.length, 4);
  assert.equal(s.lanes.diffusion.whole!.tokens, 16);
  for (let f = 0; f < 400 && !store.getSnapshot().finished; f++) await store.frame(100);
  s = store.getSnapshot();
  // what the race showed adds up to the whole run it knew at the start
  assert.equal(s.lanes.ar.totals.passes, s.lanes.ar.whole!.passes.length);
  assert.equal(s.lanes.diffusion.totals.tokens, s.lanes.diffusion.whole!.tokens);
  store.cycleHardware();
  assert.equal(store.getSnapshot().lanes.ar.whole!.passes.length, 16, 'a replay keeps it');
});

test('time pace: h replays the race on the new target without decoding again', async () => {
  const src = sources({ length: 16, steps: 4 });
  const store = new Store(src, {
    pace: 'time',
    delayMs: 10,
    exitHoldMs: null,
    hardwareCount: 2,
    // on target 1 the diffusion pass costs 10× more: diffusion becomes the slowest lane
    passMs: (e, h) => (e.lane === 'ar' ? 1 : h === 0 ? 1 : 10),
  });
  for (let f = 0; f < 300 && !store.getSnapshot().finished; f++) await store.frame(100);
  assert.equal(store.getSnapshot().slowestMs, 16);
  const pulled = { ...pullsOf(src) };
  store.cycleHardware();
  let s = store.getSnapshot();
  assert.equal(s.finished, false);
  assert.equal(s.lanes.ar.totals.passes, 0);
  assert.equal(s.slowestMs, 40);
  let first: string | null = null;
  for (let f = 0; f < 300 && !store.getSnapshot().finished; f++) {
    await store.frame(100);
    s = store.getSnapshot();
    first ??= s.lanes.ar.done ? 'ar' : s.lanes.diffusion.done ? 'diffusion' : null;
  }
  assert.equal(first, 'ar', 'on the second target AR finishes first');
  assert.deepEqual(pullsOf(src), pulled, 'nothing decoded again');
});

test('time pace: with a budget, decoding ahead spans frames and says how far it got', async () => {
  const store = new Store(sources({ length: 64, steps: 8 }), {
    pace: 'time',
    delayMs: 10,
    exitHoldMs: null,
    stepBudgetMs: 0,
  });
  await store.frame(10);
  const s = store.getSnapshot();
  assert.equal(s.decodingAhead, 2, 'one pass of each lane per frame at a zero budget');
  assert.equal(s.lanes.ar.totals.passes, 0);
});

test('restart: fresh generators, counts from zero, keeps pause and speed', async () => {
  const src = sources({ length: 8, steps: 4 });
  const store = new Store(src, { pace: 'step', delayMs: 10, exitHoldMs: null });
  await run(store, 3, 10);
  store.faster();
  store.restart();
  let s = store.getSnapshot();
  assert.equal(s.lanes.ar.totals.passes, 0);
  assert.equal(s.lanes.ar.event, null);
  assert.equal(s.speed, 2);
  await run(store, 2, 10);
  s = store.getSnapshot();
  assert.equal(s.lanes.ar.event!.step, 1);
});

test('a failing lane ends with its error; the other goes on', async () => {
  const store = new Store(sources({ length: 6, steps: 3, failAt: { lane: 'diffusion', step: 1, message: 'boom' } }), {
    pace: 'step',
    delayMs: 1,
    exitHoldMs: null,
  });
  await run(store, 8, 1);
  const s = store.getSnapshot();
  assert.equal(s.lanes.diffusion.error, 'boom');
  assert.equal(s.lanes.diffusion.done, true);
  assert.equal(s.lanes.diffusion.totals.passes, 1);
  assert.equal(s.lanes.ar.totals.passes, 6);
  assert.equal(s.finished, true);
});

test('--exit: exitNow after the hold once both lanes finish', async () => {
  const store = new Store(sources({ length: 2, steps: 2 }), { pace: 'step', delayMs: 10, exitHoldMs: 100 });
  await run(store, 2, 10);
  assert.equal(store.getSnapshot().finished, true);
  assert.equal(store.getSnapshot().exitNow, false);
  await run(store, 10, 10);
  assert.equal(store.getSnapshot().exitNow, true);
});

test('publishes at most once per frame, and not at all when nothing changed', async () => {
  const store = new Store(sources({ length: 8, steps: 8 }), { pace: 'step', delayMs: 10, exitHoldMs: null });
  let n = 0;
  store.subscribe(() => n++);
  await run(store, 5, 10);
  assert.equal(n, 5);
  const before = store.getSnapshot();
  await run(store, 4, 2); // 8 ms: no step due
  assert.equal(n, 5);
  assert.equal(store.getSnapshot(), before);
});

test('a pass shares the previous pass’s unchanged positions (same values), keeps the changed ones, and the store passes it on', async () => {
  const events: StepEvent[] = [];
  for await (const e of fakeAr({ length: 6 })) events.push(e);
  const [a, b] = [events[1]!, events[2]!];
  assert.notEqual(b.positions[0], a.positions[0], 'the decoder made each pass’s positions afresh');
  const s = sharePositions(a, b);
  assert.deepEqual(s, b, 'the same values');
  const kept = s.positions.filter((p, i) => p === a.positions[i]).length;
  assert.equal(kept, a.positions.length, 'every position the earlier pass had, unchanged by an AR pass, is its object');
  assert.notEqual(s.positions.at(-1), a.positions.at(-1));
  // a changed position is not shared
  const changed = { ...b, positions: b.positions.map((p, i) => (i === 0 ? { ...p, text: p.text + 'x' } : p)) };
  assert.notEqual(sharePositions(a, changed).positions[0], a.positions[0]);
  assert.equal(sharePositions(undefined, b), b);
  // through the store: the second pass shown holds the first pass's positions
  const store = new Store({ ar: () => fakeAr({ length: 6 }) }, { pace: 'step', delayMs: 10, exitHoldMs: null });
  await store.frame(10);
  const first = store.getSnapshot().lanes.ar.event!;
  await store.frame(10);
  const second = store.getSnapshot().lanes.ar.event!;
  assert.equal(second.positions[0], first.positions[0]);
});

test('r (again): a timed race replays its decoded passes without decoding them again; a pass-count race restarts', async () => {
  const src = sources({ length: 16, steps: 4 });
  const store = new Store(src, { pace: 'time', delayMs: 10, exitHoldMs: null });
  for (let f = 0; f < 300 && !store.getSnapshot().finished; f++) await store.frame(100);
  const pulled = { ...pullsOf(src) };
  store.again();
  assert.equal(store.getSnapshot().finished, false);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 0);
  for (let f = 0; f < 300 && !store.getSnapshot().finished; f++) await store.frame(100);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 16);
  assert.deepEqual(pullsOf(src), pulled, 'nothing decoded again');
  const step = sources({ length: 8, steps: 4 });
  const s2 = new Store(step, { pace: 'step', delayMs: 10, exitHoldMs: null });
  for (let f = 0; f < 100 && !s2.getSnapshot().finished; f++) await s2.frame(100);
  s2.again();
  assert.equal(s2.getSnapshot().lanes.ar.totals.passes, 0);
});
