import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorpusError, DEFAULT_CORPUS, NOVELS, loadCorpus, splitNovels, splitTrainValid } from '../src/train/corpus.js';

const lines = (n: number, tag: string): string =>
  Array.from({ length: n }, (_, i) => `${tag} line ${i} of prose.`).join('\n');

test('splitTrainValid: validation is the last ~5%, starts at a line start, and the parts rebuild the text', () => {
  const text = lines(400, 'x') + '\n';
  const { train, valid } = splitTrainValid(text);
  assert.equal(train + valid, text);
  assert.ok(train.endsWith('\n'));
  const lineLen = 'x line 100 of prose.\n'.length;
  assert.ok(valid.length >= 0.05 * text.length, `valid ${valid.length}`);
  assert.ok(valid.length < 0.05 * text.length + lineLen, `valid ${valid.length}`);
  assert.equal(valid.split('\n')[0], 'x line 380 of prose.');
});

test('splitNovels: cuts at title lines followed by a byline, ignores a bare name inside a novel', () => {
  const a = `EMMA\n\nBy Jane Austen\n\n${lines(50, 'a')}\nEmma\nsaid nothing.\n${lines(10, 'a2')}\n`;
  const b = `Persuasion\n\nby\n\nJane Austen\n\n${lines(30, 'b')}\n`;
  const c = `PRIDE AND PREJUDICE\nBy Jane Austen\n${lines(20, 'c')}`;
  const parts = splitNovels(a + b + c, ['Emma', 'Persuasion', 'Pride and Prejudice']);
  assert.deepEqual(parts, [a, b, c]);
  assert.throws(() => splitNovels(a + c, ['Emma', 'Persuasion']), CorpusError);
  assert.throws(() => splitNovels('preface\n' + a, ['Emma']), CorpusError);
});

test('loadCorpus: a missing or altered file is one line naming the rebuild recipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  try {
    assert.throws(
      () => loadCorpus(join(dir, 'none.txt')),
      (e: Error) =>
        e instanceof CorpusError && /not found.*rebuild-corpus/.test(e.message) && !e.message.includes('\n'),
    );
    const fake = join(dir, 'austen.txt');
    writeFileSync(fake, 'EMMA\nBy Jane Austen\n');
    assert.throws(
      () => loadCorpus(fake),
      (e: Error) => e instanceof CorpusError && /sha256.*rebuild-corpus/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test(
  'loadCorpus on the real corpus: six novels, ~5% validation each, disjoint and complete',
  { skip: !existsSync(DEFAULT_CORPUS) && 'corpus not present' },
  () => {
    const c = loadCorpus();
    assert.deepEqual(c.novels, [...NOVELS]);
    assert.equal(c.train.length, 6);
    assert.equal(c.valid.length, 6);
    c.novels.forEach((name, i) => {
      const whole = c.train[i]! + c.valid[i]!;
      assert.equal(whole.split('\n')[0]!.toLowerCase(), name.toLowerCase());
      const frac = c.valid[i]!.length / whole.length;
      assert.ok(frac >= 0.05 && frac < 0.0502, `${name}: ${frac}`);
    });
    assert.equal(c.train.reduce((n, t) => n + t.length, 0) + c.valid.reduce((n, t) => n + t.length, 0), 4_025_029 - 1); // one £ is 2 bytes, 1 char
  },
);
