// Layout: lanes side by side when each gets 50 columns, stacked below; the roofline band from 76 columns; the key
// hints (q) always; the frame never reaches the last row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { layout, layoutHeight, shareRows } from '../src/render/live/layout.js';

test('160×48, three lanes: side by side with a gutter, full width, a tall roofline, every row used', () => {
  const l = layout(160, 48, { projection: true, lanes: 3 });
  assert.equal(l.stacked, false);
  assert.equal(l.laneWidth.reduce((a, b) => a + b, 0) + 2, 160);
  assert.ok(l.band.chartWidth >= 80 && l.band.rows >= 16, JSON.stringify(l.band));
  assert.ok(l.textRows[0]! >= 8, JSON.stringify(l.textRows));
  assert.equal(layoutHeight(l), 47);
  assert.ok(l.figures.includes('proj') && l.figures.includes('totals'));
});

test('100×30 and 80×24, three lanes: stacked, the roofline and totals kept, q hint kept', () => {
  for (const [c, r] of [
    [100, 30],
    [80, 24],
  ] as const) {
    const l = layout(c, r, { projection: true, lanes: 3 });
    assert.equal(l.stacked, true);
    assert.ok(l.band.chartWidth > 0 && l.band.rows >= 7, `${c}×${r}: ${JSON.stringify(l.band)}`);
    assert.ok(l.band.panelWidth >= 36, 'room for the totals table');
    assert.ok(l.hints);
    assert.ok(
      l.textRows.every((t) => t >= 1),
      JSON.stringify(l.textRows),
    );
    assert.ok(layoutHeight(l) <= r - 1);
  }
});

test('60×20: a minimal view with every lane, the totals and the q hint', () => {
  const l = layout(60, 20, { projection: true, lanes: 3 });
  assert.equal(l.tooSmall, false);
  assert.ok(l.textRows.every((t) => t >= 1));
  assert.ok(l.hints);
  assert.equal(l.band.chartWidth, 0);
  assert.ok(l.band.rows >= 4, 'totals table');
});

test('too small a terminal gets a one-line note', () => {
  assert.equal(layout(30, 24).tooSmall, true);
  assert.equal(layout(80, 8).tooSmall, true);
});

test('the frame is never taller than rows − 1 (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 120 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 5 }),
      fc.boolean(),
      (cols, rows, projection, lanes, explain) => {
        const l = layout(cols, rows, { projection, lanes, explain });
        assert.ok(layoutHeight(l) <= Math.max(1, rows - 1), `${cols}×${rows}: ${layoutHeight(l)}`);
        if (!l.tooSmall) {
          assert.ok(l.textRows.every((t) => t >= 1));
          assert.ok(l.hints, 'the q hint stays');
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('stacked lanes share their text rows: the running lane that needs rows gets them first, the rest evenly', () => {
  // 9 rows, three lanes: AR (2 rows of text, running), diffusion (13, running), speculative (5, done)
  assert.deepEqual(shareRows(9, [2, 13, 5], [true, true, false]), [2, 5, 2]);
  // every lane stopped: evenly, the later lanes the odd rows
  assert.deepEqual(shareRows(10, [20, 13, 5], [false, false, false]), [3, 3, 4]);
  // too few rows for 2 each: 1 each first
  assert.deepEqual(shareRows(4, [1, 13, 1], [true, true, true]), [1, 2, 1]);
  for (const total of [0, 3, 7, 30])
    assert.equal(
      shareRows(total, [4, 9, 1], [true, false, true]).reduce((a, b) => a + b, 0),
      total,
    );
});
