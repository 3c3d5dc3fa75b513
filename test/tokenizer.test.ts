import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { MASK, Tokenizer } from '../src/engine/model/tokenizer.js';
import { bytesPerToken, trainBpe } from '../src/train/bpe.js';

const fixture = Tokenizer.load(fileURLToPath(new URL('../fixtures/tokenizer.json', import.meta.url)));
const modelPath = fileURLToPath(new URL('../models/tokenizer.json', import.meta.url));
const model = existsSync(modelPath) ? Tokenizer.load(modelPath) : undefined;

// Characters that stress the byte level: NUL, controls, CRLF, combining marks, ZWJ emoji, astral, BOM, RTL, the
// contraction and mask spellings the pre-tokeniser treats specially.
const tricky = fc.constantFrom(
  '\0',
  '\t',
  '\r\n',
  '\n\n',
  '  ',
  'e\u0301',
  '\u0308',
  '👩‍👩‍👧',
  '😀',
  '𝔘',
  '\uFEFF',
  'ש',
  '£',
  '日本',
  "'s",
  "'ll",
  '[MASK]',
  'MASK',
  '1234',
  ' the',
  'Emma',
  '\u00A0',
  '\u2028',
  '\u{10FFFF}',
  '\uFFFD',
);
const texts = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.oneof(tricky, fc.string({ unit: 'grapheme-ascii', maxLength: 3 })), maxLength: 20 }),
);

test('vocab size and mask id: bytes + merges + one special, mask last', () => {
  assert.equal(fixture.vocabSize, 320);
  assert.equal(fixture.mergeCount, 63);
  assert.equal(fixture.maskId, 319);
  assert.equal(fixture.tokenText(fixture.maskId), MASK);
  assert.equal(fixture.decode([fixture.maskId]), MASK);
  if (model) assert.equal(model.maskId, model.vocabSize - 1);
});

test('round trip: decode(encode(s)) === s for any well-formed string', () => {
  fc.assert(
    fc.property(texts, (s) => {
      assert.equal(fixture.decode(fixture.encode(s)), s);
      if (model) assert.equal(model.decode(model.encode(s)), s);
    }),
    { numRuns: 500 },
  );
});

test('encode never produces the mask id, and every id is in range', () => {
  fc.assert(
    fc.property(texts, (s) => {
      for (const tok of model ? [fixture, model] : [fixture]) {
        for (const id of tok.encode(s)) assert.ok(id >= 0 && id < tok.maskId, `id ${id}`);
      }
    }),
    { numRuns: 300 },
  );
  // the text "[MASK]" is six single-byte tokens in the fixture (no merge covers those bytes)
  assert.deepEqual(fixture.encode('[MASK]'), [...Buffer.from('[MASK]')]);
});

test('pre-tokens concatenate back to the text', () => {
  fc.assert(
    fc.property(texts, (s) => assert.equal(fixture.pretokenize(s).join(''), s)),
    { numRuns: 300 },
  );
  assert.deepEqual(fixture.pretokenize("It's 42 o'clock,  sir!\n\nYes"), [
    'It',
    "'s",
    ' 42',
    ' o',
    "'",
    'clock',
    ',',
    ' ',
    ' sir',
    '!',
    '\n',
    '\n',
    'Yes',
  ]);
});

test('known encodings on the fixture', () => {
  // merges[0] = " t" (256), merges[1] = "he" (257), " the" = 267 = [256, 257]
  assert.deepEqual(fixture.encode(' the'), [267]);
  assert.deepEqual(fixture.encode('the'), [116, 257]);
  const ids = fixture.encode('It is a truth');
  assert.deepEqual(ids, [73, 116, 32, 268, 258, 256, 114, 318, 104]);
  assert.deepEqual(
    ids.map((i) => fixture.tokenText(i)),
    ['I', 't', ' ', 'is', ' a', ' t', 'r', 'ut', 'h'],
  );
  // merges never cross pre-token boundaries: "\n" + "he" stay apart though "he" is a merge
  assert.deepEqual(
    fixture.encode('Mr. Bennet\n\nhe said'),
    [297, 46, 299, 266, 110, 301, 10, 10, 257, 262, 97, 105, 100],
  );
});

test('tokenText: a token alone shows the part of a character it holds as U+FFFD, whole characters as themselves', () => {
  const ids = fixture.encode('é😀');
  // (in a sequence, src/engine/model/characters.ts groups such bytes into whole characters: test/characters.test.ts)
  assert.deepEqual(
    ids.map((i) => fixture.tokenText(i)),
    Array(6).fill('\uFFFD'),
  );
  assert.equal(fixture.decode(ids), 'é😀');
  const tok = trainBpe(['éé é'], 260); // learns "é" as one token
  assert.deepEqual(
    tok.encode('é').map((i) => tok.tokenText(i)),
    ['é'],
  );
  assert.equal(fixture.tokenText(10), '\n');
  assert.equal(fixture.decode(fixture.encode('\uFEFFa')), '\uFEFFa'); // a leading BOM is text, not stripped
  assert.equal(trainBpe(['\uFEFF\uFEFF'], 259).tokenText(257), '\uFEFF');
});

test('lone surrogates become U+FFFD (UTF-8 cannot carry them), as TextEncoder does', () => {
  assert.equal(fixture.decode(fixture.encode('a\uD800b')), 'a\uFFFDb');
  assert.equal(fixture.decode(fixture.encode('\uDC00')), '\uFFFD');
});

test('tokenBytes and decode reject ids outside the vocabulary', () => {
  assert.throws(() => fixture.tokenBytes(320), RangeError);
  assert.throws(() => fixture.decode([-1]), RangeError);
  assert.throws(() => fixture.tokenBytes(1.5), RangeError);
  assert.deepEqual([...fixture.tokenBytes(267)], [...Buffer.from(' the')]);
});

test('JSON round trip keeps merges, specials and behaviour', () => {
  const j = JSON.parse(JSON.stringify(fixture.toJSON()));
  assert.equal(j.type, 'byte-bpe');
  assert.equal(j.version, 1);
  assert.deepEqual(j.specials, [MASK]);
  const again = Tokenizer.fromJSON(j);
  assert.deepEqual(again.toJSON(), fixture.toJSON());
  fc.assert(
    fc.property(texts, (s) => assert.deepEqual(again.encode(s), fixture.encode(s))),
    { numRuns: 100 },
  );
});

test('fromJSON and load reject malformed tokenizers with one-line messages', () => {
  const good = fixture.toJSON();
  const bad: unknown[] = [
    null,
    { ...good, type: 'wordpiece' },
    { ...good, version: 2 },
    { ...good, merges: [[1, 2, 3]] },
    { ...good, merges: [[0, 256]] }, // refers to itself
    {
      ...good,
      merges: [
        [1, 2],
        [1, 2],
      ],
    }, // repeated
    { ...good, specials: ['[PAD]', MASK] },
    { ...good, pattern: '(' },
  ];
  for (const b of bad)
    assert.throws(
      () => Tokenizer.fromJSON(b),
      (e: Error) => !e.message.includes('\n'),
    );
  assert.throws(() => Tokenizer.load('/nonexistent/tokenizer.json'), /cannot read tokenizer .*ENOENT/);
});

test('trainBpe: greedy by pair count, deterministic ties, stops when no pair is left', () => {
  // words: "ab" ×1, " ab" ×2 → (a,b) ×3 first, then (" ", ab) ×2; then nothing is left to merge
  const tok = trainBpe(['ab ab ab'], 300);
  assert.deepEqual(tok.toJSON().merges, [
    [97, 98],
    [32, 256],
  ]);
  assert.equal(tok.vocabSize, 259);
  assert.deepEqual(tok.encode('ab ab'), [256, 257]);
  // tie between (x,y) and (y,z), 1 each: the smaller pair wins
  assert.deepEqual(trainBpe(['xyz'], 258).toJSON().merges, [[120, 121]]);
  // overlapping pairs merge left to right, in training as in encoding
  const aaa = trainBpe(['aaa'], 258);
  assert.deepEqual(aaa.encode('aaa'), [256, 97]);
  assert.throws(() => trainBpe(['x'], 256), RangeError);
});

test('encoding the training text reproduces training segmentation (fewer tokens than bytes)', () => {
  const text = 'It is a truth universally acknowledged, that a single man in possession of a good fortune.\n'.repeat(3);
  const tok = trainBpe([text], 300);
  const ids = tok.encode(text);
  assert.equal(tok.decode(ids), text);
  assert.ok(ids.length < Buffer.byteLength(text) / 2, `${ids.length} tokens`);
  assert.ok(Math.abs(bytesPerToken(tok, [text]) - Buffer.byteLength(text) / ids.length) < 1e-12);
  assert.equal(bytesPerToken(new Tokenizer([]), ['abc']), 1);
});
