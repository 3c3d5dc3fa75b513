// Lane text: atoms for each position state, escaping, wrapping within the width, truncation from the top.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Position } from '../src/engine/decode/events.js';
import * as G from '../src/render/glyphs.js';
import { cellWidth, confidenceBand, laneAtoms, windowLines, wrapAtoms, type Atom } from '../src/render/text.js';

const prompt = (text: string): Position => ({
  state: 'prompt',
  token: 1,
  text,
  step: null,
  confidence: null,
  guess: null,
  guessText: null,
});
const committed = (text: string, step: number, confidence = 0.9): Position => ({
  state: 'committed',
  token: 2,
  text,
  step,
  confidence,
  guess: null,
  guessText: null,
});
const masked = (guessText: string | null = null): Position => ({
  state: 'masked',
  token: null,
  text: '',
  step: null,
  confidence: 0.4,
  guess: guessText ? 3 : null,
  guessText,
});

const text = (atoms: Atom[]) => atoms.map((a) => a.text).join('');

test('glyphs are one code point each (one terminal cell)', () => {
  for (const g of [
    G.MASK,
    G.PARTIAL,
    G.NEWLINE,
    G.TAB,
    G.PROMPT_END,
    G.GUESS_OPEN,
    G.GUESS_CLOSE,
    G.ELLIPSIS,
    ...G.SPARK,
    ...Object.values(G.GAUGE),
  ]) {
    assert.equal([...g].length, 1, g);
  }
});

test('control characters become visible pictures; newlines split the token', () => {
  assert.deepEqual(G.escapeTokenText('a\x1b[31mb').parts, ['a␛[31mb']);
  assert.deepEqual(G.escapeTokenText('x\ty\x7f').parts, ['x⇥y␡']);
  assert.deepEqual(G.escapeTokenText('one\r\ntwo\n').parts, ['one', 'two', '']);
  assert.equal(G.escapeInline('a\nb'), 'a⏎b');
  assert.equal(G.escapeTokenText('\u0085').parts[0], '·');
});

test('colour mode: prompt, old, fresh, masks by kind; no brackets', () => {
  const pos = [prompt('It is'), committed(' a', 0), committed(' truth', 1, 0.2), masked(), masked()];
  const atoms = laneAtoms(pos, [2], { guesses: false, color: true });
  assert.deepEqual(
    atoms.map((a) => [a.kind, a.text]),
    [
      ['prompt', 'It is'],
      ['old', ' a'],
      ['fresh', ' truth'],
      ['mask', G.MASK],
      ['mask', G.MASK],
    ],
  );
  assert.equal(confidenceBand(atoms[2]!.confidence), 'low');
});

test('no-colour mode: every state tells itself apart by glyph', () => {
  const pos = [prompt('It is'), committed(' a', 0), committed(' truth', 1), masked(' universally'), masked()];
  const plain = text(laneAtoms(pos, [2], { guesses: true, color: false }));
  assert.equal(plain, `It is${G.PROMPT_END} a [truth] ${G.GUESS_OPEN}universally${G.GUESS_CLOSE}${G.MASK}`);
  // guesses off: masks only
  assert.equal(
    text(laneAtoms(pos, [2], { guesses: false, color: false })),
    `It is${G.PROMPT_END} a [truth]${G.MASK}${G.MASK}`,
  );
});

test('a newline token shows ⏎ and breaks the line; its bracket closes before the break', () => {
  const atoms = laneAtoms([prompt('A'), committed('\n', 0), committed('B', 1)], [1], { guesses: false, color: false });
  const lines = wrapAtoms(atoms, 40).map((l) => l.map((a) => a.text).join(''));
  assert.deepEqual(lines, [`A${G.PROMPT_END}[⏎]`, 'B']);
});

test('confidence bands follow the LLaDA demo: < 0.3 red, < 0.7 orange, else green', () => {
  assert.equal(confidenceBand(0.29), 'low');
  assert.equal(confidenceBand(0.3), 'mid');
  assert.equal(confidenceBand(0.69), 'mid');
  assert.equal(confidenceBand(0.7), 'high');
});

test('wrapping at token boundaries drops the leading space of a wrapped token', () => {
  const atoms = laneAtoms([prompt('aaaa'), committed(' bbbb', 0), committed(' cc', 1)], [], {
    guesses: false,
    color: true,
  });
  const lines = wrapAtoms(atoms, 9).map((l) => l.map((a) => a.text).join(''));
  assert.deepEqual(lines, ['aaaa bbbb', 'cc']);
});

test('no wrapped line is wider than the lane, whatever the tokens (property)', () => {
  const tok = fc.string({ maxLength: 12 });
  fc.assert(
    fc.property(
      fc.array(tok, { maxLength: 40 }),
      fc.integer({ min: 1, max: 60 }),
      fc.boolean(),
      (toks, width, color) => {
        const pos = [prompt('P'), ...toks.map((t, i) => (i % 3 === 2 ? masked(t) : committed(t, i)))];
        const lines = wrapAtoms(laneAtoms(pos, [1], { guesses: true, color }), width);
        for (const l of lines) assert.ok(cellWidth(l.map((a) => a.text).join('')) <= width);
        for (const l of lines)
          for (const a of l) assert.ok(!/[\x00-\x1f\x7f]/.test(a.text), 'no raw control characters');
      },
    ),
    { numRuns: 300 },
  );
});

test('long outputs keep the newest rows', () => {
  const atoms = laneAtoms([prompt('p'), ...Array.from({ length: 30 }, (_, i) => committed(` w${i}`, i))], [], {
    guesses: false,
    color: true,
  });
  const all = wrapAtoms(atoms, 10);
  const { lines, hidden } = windowLines(all, 3);
  assert.equal(lines.length, 3);
  assert.equal(hidden, all.length - 3);
  assert.ok(
    lines[2]!
      .map((a) => a.text)
      .join('')
      .includes('w29'),
  );
});

test('a canvas still masked at its end shows its newest tokens and one row of masks after them', () => {
  const mask = (i: number): Position => ({ ...committed('x', i), state: 'masked', text: '', token: null });
  const atoms = laneAtoms(
    [
      prompt('p'),
      ...Array.from({ length: 20 }, (_, i) => committed(` w${i}`, i)),
      ...Array.from({ length: 60 }, (_, i) => mask(i)),
    ],
    [],
    { guesses: false, color: true },
  );
  const all = wrapAtoms(atoms, 10);
  const { lines, hidden } = windowLines(all, 3);
  const text = lines.map((l) => l.map((a) => a.text).join(''));
  assert.equal(lines.length, 3);
  assert.ok(hidden > 0 && hidden + 3 < all.length, `${hidden} of ${all.length}`);
  assert.ok(
    text.some((t) => t.includes('w19')),
    text.join('|'),
  );
  assert.ok(text[2]!.includes('░'), 'a row of masks after the newest token');
});

test('a position holding part of a character shows the placeholder; a guess too; a broken byte stays U+FFFD', () => {
  const partial: Position = { ...committed('\uFFFD', 1), partial: true };
  const broken = committed('\uFFFD', 2);
  const atoms = laneAtoms([prompt('café'), partial, broken, masked('\uFFFD')], [], { guesses: true, color: true });
  assert.deepEqual(
    atoms.map((a) => a.text),
    ['café', G.PARTIAL, '\uFFFD', G.PARTIAL],
  );
});

test('a committed position whose character another shows draws nothing: no empty brackets without colour', () => {
  const atoms = laneAtoms([prompt('a'), committed('’', 3), committed('', 3), committed('', 3)], [1, 2, 3], {
    guesses: false,
    color: false,
  });
  assert.equal(text(atoms), `a${G.PROMPT_END}[’]`);
});

test('wrapping measures terminal cells: a two-column 🙂 is never cut or pushed past the width', () => {
  assert.equal(cellWidth('a🙂é'), 4);
  const lines = wrapAtoms(laneAtoms([prompt('ab🙂🙂cd')], [], { guesses: false, color: true }), 3);
  assert.deepEqual(
    lines.map((l) => l.map((a) => a.text).join('')),
    ['ab', '🙂', '🙂c', 'd'],
  );
  // even a lane one column wide advances, one character per line
  assert.deepEqual(
    wrapAtoms(laneAtoms([prompt('🙂x')], [], { guesses: false, color: true }), 1).map((l) =>
      l.map((a) => a.text).join(''),
    ),
    ['🙂', 'x'],
  );
});
