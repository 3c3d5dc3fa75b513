// The store's pacing (src/render/pacing.ts), each function against hand-worked frames.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { raceIncrement, raceStep, referenceMs, stepPace } from '../src/render/pacing.js';

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

test('time pace: the clock advances by dt·speed·reference / delay, not while paused', () => {
  // 100 ms of screen at 2× with 3 ms reference passes and a 250 ms delay: 100·2·3/250 = 2.4 lane-ms
  assert.equal(raceIncrement(100, 2, 3, 250, true), 2.4);
  assert.equal(raceIncrement(100, 2, 3, 250, false), 0);
});

test('time pace: the reference pass is the mean so far, else the cheapest waiting, else 1 ms', () => {
  assert.equal(referenceMs([1, 2, 3], [0.5]), 2);
  assert.equal(referenceMs([], [6, 1.5]), 1.5);
  assert.equal(referenceMs([], []), 1);
  assert.equal(referenceMs([0], []), 1e-6, 'a zero-ms pass must not stop the clock');
});

test('time pace: a pass shows once the clock reaches its end; the cheap lane shows first', () => {
  // AR at 0 with a 1 ms pass, diffusion at 0 with a 6 ms pass, clock 0 → +1.5
  const lanes = [
    { laneMs: 0, pendingMs: 1 },
    { laneMs: 0, pendingMs: 6 },
  ];
  assert.deepEqual(raceStep(0, lanes, 1.5, false), { raceMs: 1.5, show: [true, false] });
  // 4 lane-ms later the diffusion pass (ends at 6) is still not due
  assert.deepEqual(
    raceStep(
      1.5,
      [
        { laneMs: 1, pendingMs: 1 },
        { laneMs: 0, pendingMs: 6 },
      ],
      4,
      false,
    ),
    { raceMs: 5.5, show: [true, false] },
  );
});

test('time pace: a single step jumps to the first pass end; the clock never runs past the furthest end + one increment', () => {
  const lanes = [
    { laneMs: 2, pendingMs: 3 },
    { laneMs: 0, pendingMs: 10 },
  ];
  assert.deepEqual(raceStep(1, lanes, 0, true), { raceMs: 5, show: [true, false] });
  // a clock far ahead (a long blocking pull) is pulled back to max(end) + inc = 10 + 1
  assert.deepEqual(raceStep(100, lanes, 1, false), { raceMs: 11, show: [true, true] });
  // a lane with nothing pending holds the horizon at where it stands
  assert.deepEqual(raceStep(0, [{ laneMs: 4, pendingMs: null }], 1, false), { raceMs: 1, show: [false] });
});
