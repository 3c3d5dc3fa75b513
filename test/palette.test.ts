// One palette, one colour per concept: calc, plain text and the live view colour "memory-bound" (and "compute-bound")
// the same way; the xterm-256 fallback is the nearest colour; and the source holds one palette and one SI formatter.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { calc } from '../src/commands/calc.js';
import { selectTarget } from '../src/engine/price/target.js';
import { BOUND_COLOR as LIVE_BOUND_COLOR } from '../src/render/live/style.js';
import { BOUND_COLOR, OKABE_ITO, rgbOf, xtermOf } from '../src/render/palette.js';
import { writePlain } from '../src/render/plain.js';
import { fakeRun } from './helpers/fake-run.js';

/** the 24-bit colour an output puts on a word, as "#RRGGBB" (null: none) */
function colourOf(text: string, word: string): string | null {
  const m = new RegExp(`\\x1b\\[38;2;(\\d+);(\\d+);(\\d+)m${word}`).exec(text);
  return m
    ? '#' +
        m
          .slice(1)
          .map((x) => Number(x).toString(16).padStart(2, '0').toUpperCase())
          .join('')
    : null;
}

test('calc, plain text and the live view colour each bound the same way', async () => {
  const calcText = (await calc(['--tokens', '1024'], { COLORTERM: 'truecolor' }, true)).text;
  let plainText = '';
  await writePlain(
    fakeRun({ length: 256, steps: 2 }),
    { write: (s: string) => void (plainText += s) },
    await selectTarget({}),
    { color: true, explain: true },
  );
  for (const bound of ['memory', 'compute'] as const) {
    const word = `${bound}-bound`;
    assert.equal(colourOf(calcText, word), BOUND_COLOR[bound], `calc: ${word}`);
    assert.equal(colourOf(plainText, word), BOUND_COLOR[bound], `plain: ${word}`);
    assert.equal(LIVE_BOUND_COLOR[bound], BOUND_COLOR[bound], `live view: ${word}`);
  }
  assert.equal(BOUND_COLOR.memory, OKABE_ITO.vermillion);
  assert.notEqual(BOUND_COLOR.memory, BOUND_COLOR.compute);
});

test('xterm-256 fallback: the nearest cube or grey colour to each Okabe–Ito colour', () => {
  // by hand: vermillion (213, 94, 0) → cube (215, 95, 0) = 16 + 36·4 + 6·1 + 0; yellow (240, 228, 66) → (255, 215, 95)
  assert.equal(xtermOf(OKABE_ITO.vermillion), 166);
  assert.equal(xtermOf(OKABE_ITO.yellow), 221);
  assert.equal(xtermOf(OKABE_ITO.orange), 178);
  assert.equal(xtermOf(OKABE_ITO.blue), 25);
  assert.equal(xtermOf('#808080'), 244, 'a grey lands on the grey ramp (8 + 10·12 = 128)');
  assert.deepEqual(rgbOf('#D55E00'), [213, 94, 0]);
});

const SRC = new URL('../src', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  );

test('grep finds one palette and one SI formatter', () => {
  const hits = (re: RegExp) =>
    files(SRC)
      .filter((f) => re.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
  assert.deepEqual(hits(/#[0-9A-Fa-f]{6}\b/), ['render/palette.ts'], 'colour literals');
  assert.deepEqual(hits(/\bOKABE_ITO\s*[:=]/), ['render/palette.ts'], 'Okabe–Ito definitions');
  assert.deepEqual(hits(/\x1b\[38;|\\x1b\[38;/), ['render/palette.ts'], 'SGR foreground escapes');
  assert.deepEqual(
    hits(/\[\s*'',\s*'k',\s*'M'|\[1e15,\s*'P'\]|'P'\],\s*\[1e12/),
    ['render/format.ts'],
    'SI prefix tables',
  );
});
