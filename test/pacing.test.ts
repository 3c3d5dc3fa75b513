// The store's pacing (src/render/pacing.ts), each function against hand-worked frames.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passEnds, RACE_SCREEN_MS, raceIncrement, raceStep, stepPace } from '../src/render/pacing.js';

const base = { dueMs: 0, dtMs: 100, speed: 1, delayMs: 250, running: true, single: false, maxSteps: 1 };

test('step pace: one step per --delay of screen time, speed scales the clock', () => {
  // 100 ms frames at 250 ms per step: due 100, 200, 300 → a step, 50 owed
  assert.deepEqual(stepPace(base), { steps: 0, dueMs: 100 });
  assert.deepEqual(stepPace({ ...base, dueMs: 200 }), { steps: 1, dueMs: 50 });
  assert.deepEqual(stepPace({ ...base, speed: 4 }), { steps: 1, dueMs: 150 });
});

test('step pace: a late frame catches up to maxSteps and drops the rest of the backlog', () => {
  // 1000 ms late = 4 steps owed
  assert.deepEqual(
    stepPace({ ...base, dtMs: 1000, maxSteps: 1 }),
    { steps: 1, dueMs: 250 },
    'recordings: one step, one --delay owed at most',
  );
  assert.deepEqual(stepPace({ ...base, dtMs: 1000, maxSteps: 3 }), { steps: 3, dueMs: 250 });
  assert.deepEqual(stepPace({ ...base, dtMs: 1000, maxSteps: 8 }), { steps: 4, dueMs: 0 });
});

test('step pace: paused, the clock stands; a single step still goes', () => {
  assert.deepEqual(stepPace({ ...base, running: false, dueMs: 100 }), { steps: 0, dueMs: 100 });
  assert.deepEqual(stepPace({ ...base, running: false, single: true }), { steps: 1, dueMs: 0 });
});

test('time pace: the slowest lane spreads over RACE_SCREEN_MS of screen; not while paused', () => {
  // 100 ms of screen at 2× with a 4940 ms slowest lane: 100·2·4940/20000 = 49.4 lane-ms
  assert.equal(RACE_SCREEN_MS, 20_000);
  assert.ok(Math.abs(raceIncrement(100, 2, 4940, true) - 49.4) < 1e-9);
  assert.equal(raceIncrement(100, 2, 4940, false), 0);
});

test('time pace: pass ends are the running sums of the pass times', () => {
  assert.deepEqual(passEnds([1, 2, 3]), [1, 3, 6]);
  assert.deepEqual(passEnds([]), []);
});

test('time pace: every pass whose end the clock reached shows, several in one frame', () => {
  // AR: 1 ms passes; diffusion: 6 ms passes; the clock moves 3.5 ms
  const lanes = [
    { ends: [1, 2, 3, 4], shown: 0 },
    { ends: [6, 12], shown: 0 },
  ];
  assert.deepEqual(raceStep(0, lanes, 3.5, false), { raceMs: 3.5, shown: [3, 0] });
  assert.deepEqual(
    raceStep(
      3.5,
      [
        { ends: [1, 2, 3, 4], shown: 3 },
        { ends: [6, 12], shown: 0 },
      ],
      3,
      false,
    ),
    { raceMs: 6.5, shown: [4, 1] },
  );
});

test('time pace: a single step jumps to the next pass end; the clock stops at the last end', () => {
  const lanes = [
    { ends: [5, 8], shown: 0 },
    { ends: [10], shown: 0 },
  ];
  assert.deepEqual(raceStep(1, lanes, 0, true), { raceMs: 5, shown: [1, 0] });
  assert.deepEqual(raceStep(100, lanes, 1, false), { raceMs: 10, shown: [2, 1] });
  assert.deepEqual(raceStep(0, [{ ends: [], shown: 0 }], 1, false), { raceMs: 0, shown: [0] });
});

test("time pace: every lane finishes at its share of the slowest lane's screen time (frames of 1/30 s)", () => {
  // three lanes of uniform passes: 256 × 19.3 ms (4.94 s), 32 × 26.6 ms (0.85 s), 475 × 4.17 ms (1.98 s)
  const ends = [passEnds(Array(256).fill(19.3)), passEnds(Array(32).fill(26.6)), passEnds(Array(475).fill(4.17))];
  const slowest = Math.max(...ends.map((e) => e.at(-1)!));
  let clock = 0;
  let shown = [0, 0, 0];
  const finish: number[] = [];
  for (let f = 1; finish.filter((x) => x !== undefined).length < 3 && f < 10_000; f++) {
    const r = raceStep(
      clock,
      ends.map((e, i) => ({ ends: e, shown: shown[i]! })),
      raceIncrement(1000 / 30, 1, slowest, true),
      false,
    );
    clock = r.raceMs;
    r.shown.forEach((n, i) => {
      if (n === ends[i]!.length && shown[i]! < n) finish[i] = (f * 1000) / 30;
    });
    shown = r.shown;
  }
  ends.forEach((e, i) => {
    const want = (RACE_SCREEN_MS * e.at(-1)!) / slowest;
    assert.ok(Math.abs(finish[i]! - want) <= 1000 / 30 + 1e-6, `lane ${i}: ${finish[i]} vs ${want}`);
  });
});
