// bench/startup.ts's arithmetic and its list of targets (the measurement itself runs in `npm run bench`, never in a test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kibToMb, startupChecks, STARTUP_TARGETS, type StartupResult } from '../bench/startup.js';

test('maxRSS in KiB reads as MB of 10⁶ bytes', () => {
  assert.equal(kibToMb(244_141), 250);
  assert.equal(kibToMb(0), 0);
});

test('each target is checked against its own figure: the first frame as a ratio, RSS per model', () => {
  const r: StartupResult = {
    runs: 5,
    nodeMs: 100,
    helpMs: 200,
    calcMs: 600,
    firstFrameMs: 450,
    ratio: { help: 2, calc: 6, firstFrame: 4.5 },
    liveRssMb: { austen: 251, code: 249 },
    targetsMs: STARTUP_TARGETS,
    samples: { node: [], help: [], calc: [], firstFrame: [] },
  };
  // --help, calc, the first frame, austen's RSS, code's RSS
  assert.deepEqual(
    startupChecks(r).map(([, met]) => met),
    [true, false, true, false, true],
  );
  assert.match(startupChecks(r)[2]![0], /≤ 5× node -e 0 \(4\.5×\)/);
  const none = startupChecks({ ...r, ratio: { ...r.ratio, firstFrame: null }, liveRssMb: null });
  assert.deepEqual(
    none.map(([, met]) => met),
    [true, false, false, false, false],
  );
});
