// Layout: lanes side by side from 100 columns, stacked below; the frame never reaches the last row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { layout, layoutHeight } from '../src/render/live/layout.js';

test('80×24 stacks the lanes and keeps text rows for both', () => {
  const l = layout(80, 24);
  assert.equal(l.stacked, true);
  assert.ok(l.textRows[0] >= 3 && l.textRows[1] >= 3, JSON.stringify(l.textRows));
  assert.ok(layoutHeight(l) <= 23);
});

test('160×48 puts them side by side, full width used', () => {
  const l = layout(160, 48);
  assert.equal(l.stacked, false);
  assert.equal(l.laneWidth[0] + 1 + l.laneWidth[1], 160);
  assert.equal(layoutHeight(l), 47);
});

test('too small a terminal gets a one-line note', () => {
  assert.equal(layout(30, 24).tooSmall, true);
  assert.equal(layout(80, 8).tooSmall, true);
});

test('the frame is never taller than rows − 1 (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 120 }), fc.boolean(), (cols, rows, projection) => {
      const l = layout(cols, rows, { projection });
      assert.ok(layoutHeight(l) <= Math.max(1, rows - 1), `${cols}×${rows}: ${layoutHeight(l)}`);
      if (!l.tooSmall) assert.ok(l.textRows[0] >= 1 && l.textRows[1] >= 1);
    }),
    { numRuns: 500 },
  );
});
