// Report text (src/render/report.ts): folding at spaces within a width, tables whose last column wraps under itself,
// bold markers that take no column, and colour that only adds escapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bold, fold, paint, table, visibleWidth } from '../src/render/report.js';

test('fold: lines within the width, words whole, continuation hung; nothing lost', () => {
  assert.deepEqual(fold('  one two three four', 12), ['  one two', '    three', '    four']);
  assert.deepEqual(fold('short', 12), ['short']);
  // a word longer than the room stays whole
  assert.deepEqual(fold('a verylongwordthatdoesnotfit b', 10), ['a', '  verylongwordthatdoesnotfit', '  b']);
  fc.assert(
    fc.property(
      fc.array(fc.stringMatching(/^[a-z=(),;]{1,8}$/), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 20, max: 100 }),
      fc.boolean(),
      (ws, width, formula) => {
        const line = '  ' + ws.join(' ');
        const lines = fold(line, width, undefined, formula);
        for (const l of lines) assert.ok(visibleWidth(l) <= width, `${JSON.stringify(l)} > ${width}`);
        assert.equal(lines.map((l) => l.trim()).join(' '), ws.join(' '));
      },
    ),
  );
});

test('fold of a formula prefers a break after a comma or before "=" to one inside parentheses', () => {
  const f = fold('  pass time = max(145.1 TFLOP / (0.7 × 1979 TFLOP/s), 69.50 GB / (0.75 × 4800 GB/s))', 60, 4, true);
  assert.deepEqual(f, ['  pass time = max(145.1 TFLOP / (0.7 × 1979 TFLOP/s),', '    69.50 GB / (0.75 × 4800 GB/s))']);
});

test('table: columns padded past bold markers; the last column wraps under itself', () => {
  const t = table(
    [
      [bold('verdict'), 'aaa bbb ccc ddd'],
      ['x', 'e'],
    ],
    18,
  );
  assert.deepEqual(
    t.map((l) => paint(l, { color: false })),
    ['  verdict  aaa bbb', '           ccc ddd', '  x        e'],
  );
});

test('paint: bold and the bound colours only with colour on; the text is the same without escapes', () => {
  const s = `${bold('verdict')} memory-bound, compute-bound`;
  assert.equal(paint(s, { color: false }), 'verdict memory-bound, compute-bound');
  const c = paint(s, { color: true });
  assert.equal(c, '\x1b[1mverdict\x1b[22m \x1b[38;5;166mmemory-bound\x1b[39m, \x1b[38;5;221mcompute-bound\x1b[39m');
  assert.equal(c.replace(/\x1b\[[0-9;]*m/g, ''), paint(s, { color: false }));
  assert.ok(paint(s, { color: true, truecolor: true }).includes('\x1b[38;2;240;228;66mcompute-bound'));
});
