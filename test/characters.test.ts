// Whole characters from byte-level tokens (src/engine/model/characters.ts): a character split across tokens shows once, on
// the position that completed it; one still missing bytes is a marked placeholder; the texts always add up to the
// decoded bytes, whatever the order in which positions are filled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { positionTexts, type CharSource } from '../src/engine/model/characters.js';
import { Tokenizer } from '../src/engine/model/tokenizer.js';
import { FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { join } from 'node:path';

// the fixture's tokenizer has no merges for these: every byte of ’ — “ é 🙂 is a token of its own
const tok = Tokenizer.load(join(FIXTURE_MODEL_DIR, 'tokenizer.json'));
const bytesOf = (id: number) => tok.tokenBytes(id);
export const TYPED = '’ — “ é 🙂';

const prompt = (ids: number[]): CharSource[] => ids.map((token) => ({ token, step: null }));
const texts = (ps: CharSource[], final = true) => positionTexts(ps, bytesOf, final, tok);
const joined = (ps: CharSource[], final = true) =>
  texts(ps, final)
    .map((t) => t.text)
    .join('');

test('a prompt of split characters comes out as typed, each character once', () => {
  const ids = tok.encode(TYPED);
  assert.ok(ids.length > [...TYPED].length, 'the test needs characters split across tokens');
  const t = texts(prompt(ids));
  assert.equal(t.map((x) => x.text).join(''), TYPED);
  assert.ok(t.every((x) => !x.partial));
  // a prompt's character belongs to its first byte's position (all prompt positions tie)
  assert.deepEqual(
    t.slice(0, 4).map((x) => x.text),
    ['’', '', '', ' '],
  );
});

test('diffusion order: a character shows as placeholders while a byte is masked, then once, on the last filled', () => {
  const [a, b, c] = tok.encode('’'); // E2 80 99
  const seq = (s: (CharSource | null)[]) => s.map((p) => p ?? { token: null, step: null });
  // the middle byte first, its neighbours still masked
  let t = texts(seq([null, { token: b!, step: 0 }, null]), false);
  assert.deepEqual(t, [
    { text: '', partial: false },
    { text: '\uFFFD', partial: true },
    { text: '', partial: false },
  ]);
  // then the last: both hold part of it
  t = texts(seq([null, { token: b!, step: 0 }, { token: c!, step: 1 }]), false);
  assert.deepEqual(
    t.map((x) => [x.text, x.partial]),
    [
      ['', false],
      ['\uFFFD', true],
      ['\uFFFD', true],
    ],
  );
  // the lead byte last: the character is whole, and it is that position's (fresh in the pass that completed it)
  t = texts(
    seq([
      { token: a!, step: 2 },
      { token: b!, step: 0 },
      { token: c!, step: 1 },
    ]),
    true,
  );
  assert.deepEqual(
    t.map((x) => [x.text, x.partial]),
    [
      ['’', false],
      ['', false],
      ['', false],
    ],
  );
  // AR order: the last byte completes it
  t = texts(
    seq([
      { token: a!, step: 0 },
      { token: b!, step: 1 },
      { token: c!, step: 2 },
    ]),
    true,
  );
  assert.deepEqual(
    t.map((x) => x.text),
    ['', '', '’'],
  );
});

test('the end of the sequence waits for the next token until the last pass; then broken bytes are U+FFFD', () => {
  const [a, b] = tok.encode('’');
  const ps: CharSource[] = [
    { token: 104, step: 0 },
    { token: a!, step: 1 },
    { token: b!, step: 2 },
  ];
  assert.deepEqual(
    texts(ps, false).map((x) => [x.text, x.partial]),
    [
      ['h', false],
      ['\uFFFD', true],
      ['\uFFFD', true],
    ],
  );
  assert.deepEqual(
    texts(ps, true).map((x) => [x.text, x.partial]),
    [
      ['h', false],
      ['\uFFFD', false],
      ['', false],
    ],
  );
  // a committed neighbour that is not a continuation byte settles it at once
  const cut: CharSource[] = [
    { token: a!, step: 0 },
    { token: 32, step: 1 },
    { token: null, step: null },
  ];
  assert.deepEqual(
    texts(cut, false).map((x) => [x.text, x.partial]),
    [
      ['\uFFFD', false],
      [' ', false],
      ['', false],
    ],
  );
});

test('property: with every position filled, the texts concatenate to the lenient decoding of the tokens', () => {
  const byteTokens = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 });
  fc.assert(
    fc.property(byteTokens, fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 24 }), (ids, steps) => {
      const ps = ids.map((token, i) => ({ token, step: steps[i] ?? null }));
      assert.equal(joined(ps), tok.decode(ids));
    }),
  );
  // and on real text split into tokens of any kind
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (s) => {
      assert.equal(joined(prompt(tok.encode(s))), tok.decode(tok.encode(s)));
    }),
  );
});

test('property: masks only ever hide characters; placeholders sit exactly where a character is cut by a mask', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.array(fc.boolean(), { maxLength: 40 }),
      (s, hide) => {
        const ids = tok.encode(s);
        const ps = ids.map((token, i) => (hide[i] ? { token: null, step: null } : { token, step: i }));
        const t = texts(ps, false);
        for (const [i, x] of t.entries()) {
          if (ps[i]!.token === null) assert.equal(x.text, '');
          // text that is not a placeholder is whole characters of the input
          for (const ch of x.text)
            if (ch !== '\uFFFD') assert.ok(s.includes(ch), `${JSON.stringify(ch)} from ${JSON.stringify(s)}`);
          if (!x.partial) continue;
          // a run of partial positions always touches a mask or the open end of the sequence
          let a = i;
          let b = i;
          while (a > 0 && t[a - 1]!.partial) a--;
          while (b < t.length - 1 && t[b + 1]!.partial) b++;
          assert.ok(
            ps[a - 1]?.token === null || b === ps.length - 1 || ps[b + 1]?.token === null,
            `partial run ${a}..${b} in ${JSON.stringify(t)}`,
          );
        }
      },
    ),
  );
});
