// Quality measures: words and the real-word share against hand counts; generative perplexity against hand
// figures and against the AR decoder's own per-token confidences (KV-cache path vs one full causal pass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DECODE } from '../src/engine/config.js';
import { withLaneOptions } from '../src/engine/lanes.js';
import { softmax } from '../src/engine/decode/sample.js';
import {
  DEFAULT_LEXICON,
  distinctN,
  generatedNlls,
  generatedWords,
  generativePerplexity,
  judgedQuality,
  textUnits,
  lexiconOf,
  loadLexicon,
  measureGeneration,
  nll,
  openModel,
  pooled,
  realUnitShare,
  realWordShare,
  words,
} from '../src/engine/quality.js';
import { FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { DEFAULT_CORPUS } from '../src/train/corpus.js';

test('words: lower-cased runs of letters and apostrophes, end apostrophes removed', () => {
  assert.deepEqual(words(`"It's Mr. Darcy's fault," said she;--'tis  O'Brien's CAFÉ at 12 o'clock' ''`), [
    "it's",
    'mr',
    "darcy's",
    'fault',
    'said',
    'she',
    'tis',
    "o'brien's",
    'café',
    'at',
    "o'clock",
  ]);
  assert.deepEqual(words('Don’t _stop_ now'), ["don't", 'stop', 'now']);
  assert.deepEqual(words('123 -- ...'), []);
});

test('generatedWords leaves out a word continuing the prompt and a final word that may be cut off', () => {
  assert.deepEqual(generatedWords('It is a truth univers', 'ally known that a sing'), ['known', 'that', 'a']);
  assert.deepEqual(generatedWords('It is a truth', ' universally known.'), ['universally', 'known']);
  assert.deepEqual(generatedWords('Well,', 'said she'), ['said']);
});

test('real-word share: hits over words, with repeats; null without words', () => {
  const lex = new Set(['the', 'cat', 'sat']);
  assert.equal(realWordShare(['the', 'cat', 'sat', 'on', 'the', 'mat'], lex), 4 / 6);
  assert.equal(realWordShare([], lex), null);
  assert.deepEqual(lexiconOf(['The cat', 'the Hat']), ['cat', 'hat', 'the']);
  assert.deepEqual(lexiconOf(['I saw a p. c. &c. Mr. E.']), ['a', 'i', 'mr', 'saw']);
});

test('distinct-n by hand: a loop scores low, units are words and single punctuation marks', () => {
  assert.deepEqual(textUnits("Ay, 'tis the p,,,, — Mr. Darcy’s!"), [
    'ay',
    ',',
    "'tis",
    'the',
    'p',
    ',',
    ',',
    ',',
    ',',
    '—',
    'mr',
    '.',
    'darcy’s',
    '!',
  ]);
  const loop = textUnits('and the credit of the credit of the credit of the');
  // 11 units; bigrams: and-the, the-credit, credit-of, of-the (+ repeats) → 4 distinct of 10
  assert.equal(distinctN(loop, 2), 4 / 10);
  assert.equal(distinctN(loop, 1), 4 / 11);
  assert.equal(distinctN(['a', 'b', 'c'], 3), 1);
  assert.equal(distinctN(['a', 'b'], 3), null);
});

test('judged quality: punctuation junk and loops score low where real words and perplexity do not', () => {
  const lex = loadLexicon();
  // the example: every word is real, so the real-word share is 100 %; of its 9 units only 3 are words
  const junk = ',, and the,, and,,';
  assert.equal(realWordShare(words(junk), lex), 1);
  assert.equal(realUnitShare(textUnits(junk), lex), 3 / 9);
  // bigrams: ",,", ", and", "and the", "the ,", ",,", ", and", "and ,", ",," → 5 distinct of 8
  assert.equal(distinctN(textUnits(junk), 2), 5 / 8);
  assert.equal(judgedQuality(3 / 9, 5 / 8), (3 / 9) * (5 / 8));
  assert.equal(judgedQuality(null, 1), null);
  assert.equal(judgedQuality(0, null), 0); // one unit that is not a word ("iiiiiiii")
  assert.equal(realUnitShare([], lex), null);
  // ’ and end apostrophes match the word list as words() writes them
  assert.equal(realUnitShare(['don’t', "'tis"], new Set(["don't", 'tis'])), 1);
  // Austen's first sentence against a greedy loop of real words
  const judged = (t: string) => judgedQuality(realUnitShare(textUnits(t), lex), distinctN(textUnits(t), 2));
  const austen = judged(
    'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
  )!;
  const loop = judged(
    ', and I am sure I am sure I am sure I am sure I am sure I am sure I am sure I am sure I am sure I am sure.',
  )!;
  assert.equal(realWordShare(words(', and I am sure I am sure I am sure'), lex), 1);
  assert.ok(austen > 0.8 && loop < 0.3, `austen ${austen}, loop ${loop}`);
});

test('generative perplexity = exp(mean NLL); nll = logsumexp − logit', () => {
  assert.ok(Math.abs(generativePerplexity([Math.log(2), Math.log(8)]) - 4) < 1e-12);
  assert.ok(Number.isNaN(generativePerplexity([])));
  assert.ok(Math.abs(nll([0, 0], 0) - Math.log(2)) < 1e-12);
  assert.ok(Math.abs(nll([1000, 1000, 1000, 1000], 3) - Math.log(4)) < 1e-9); // stable at large logits
  assert.ok(Math.abs(nll([0, Math.log(3)], 1) - Math.log(4 / 3)) < 1e-12);
});

test('the shipped word list: sorted, distinct, words of the training text', () => {
  const lex = loadLexicon();
  for (const w of ['elizabeth', 'truth', 'universally', 'acknowledged', "darcy's"]) assert.ok(lex.has(w), w);
  for (const w of ['xyzzy', 'computer', '#', 'p', 'c', 'e']) assert.ok(!lex.has(w), w);
  assert.ok(lex.has('a') && lex.has('i'));
  const lines = readFileSync(DEFAULT_LEXICON, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, [...new Set(lines)].sort());
  assert.ok(lines.every((w) => words(w).length === 1 && words(w)[0] === w));
});

test(
  'the word list is rebuilt byte for byte from the corpus',
  { skip: existsSync(DEFAULT_CORPUS) ? false : `corpus not at ${DEFAULT_CORPUS}` },
  async () => {
    const { wordsFile } = await import('../src/train/eval-fixtures.js');
    const { loadCorpus } = await import('../src/train/corpus.js');
    assert.equal(wordsFile(loadCorpus().train), readFileSync(DEFAULT_LEXICON, 'utf8'));
  },
);

test('judge: a text longer than one fast piece (32 rows) scores as one tfjs causal pass does, row for row', async () => {
  const m = await openModel(FIXTURE_MODEL_DIR);
  try {
    const V = m.ctx.model.config.vocab;
    const ids = Array.from({ length: 75 }, (_, i) => (i * 37 + 11) % (V - 1));
    const [prompt, generated] = [ids.slice(0, 9), ids.slice(9)];
    const got = generatedNlls(m.ctx.model, prompt, generated);
    const rows = tf.tidy(
      () =>
        m.ctx.model
          .forward(tf.tensor2d([ids.slice(0, -1)], undefined, 'int32'), { attention: 'causal' })
          .logits.arraySync() as number[][][],
    )[0]!;
    assert.equal(got.length, generated.length);
    generated.forEach((t, i) => {
      const want = nll(rows[prompt.length - 1 + i]!, t);
      assert.ok(Math.abs(got[i]! - want) < 1e-4, `token ${i}: ${got[i]} vs ${want}`);
    });
  } finally {
    m.ctx.model.dispose();
  }
});

test('judge: one causal pass gives the NLLs the AR decoder saw step by step through its KV cache', async () => {
  const m = await openModel(FIXTURE_MODEL_DIR);
  try {
    const cfg = {
      ...DEFAULT_DECODE,
      prompt: 'It is a truth',
      length: 12,
      temperature: 1,
      seed: 3,
      lanes: { diffusion: { steps: 12, block: 12 } },
    };
    const g = await measureGeneration(m, 'ar', cfg, loadLexicon());
    assert.equal(g.tokens.length, 12);
    assert.equal(g.nlls.length, 12);
    const last = g.events.at(-1)!;
    g.nlls.forEach((x, i) => {
      const p = last.positions[g.promptTokens + i]!.confidence!;
      assert.ok(Math.abs(x + Math.log(p)) < 1e-4, `token ${i}: ${x} vs −log ${p}`);
    });
    assert.ok(Math.abs(g.perplexity - generativePerplexity(g.nlls)) < 1e-12);
    // the fixture (30 training steps) does better than uniform over its 320 ids, far worse than a real model
    assert.ok(g.perplexity < 320 && g.perplexity > 20, `perplexity ${g.perplexity}`);
    // without a prompt the first token has no context and is not scored
    const ids = g.tokens.slice(0, 5);
    const bare = generatedNlls(m.ctx.model, [], ids);
    const withFirst = generatedNlls(m.ctx.model, ids.slice(0, 1), ids.slice(1));
    assert.equal(bare.length, 4);
    bare.forEach((x, i) => assert.ok(Math.abs(x - withFirst[i]!) < 1e-5));
    // a hand-computed row: the judge's NLL of the first generated token from a full forward
    const logits = tf.tidy(
      () =>
        m.ctx.model
          .forward(tf.tensor2d([m.ctx.tokenizer.encode(cfg.prompt)], undefined, 'int32'), { attention: 'causal' })
          .logits.arraySync() as number[][][],
    )[0]!;
    const p = softmax(logits.at(-1)!);
    assert.ok(Math.abs(g.nlls[0]! + Math.log(p[g.tokens[0]!]!)) < 1e-4);
    // pooling: perplexity over all tokens, share over all words
    const d = await measureGeneration(
      m,
      'diffusion',
      withLaneOptions(cfg, 'diffusion', { steps: 6 }),
      new Set(g.words),
    );
    const pool = pooled([g, d]);
    assert.equal(pool.tokens, 24);
    assert.ok(Math.abs(pool.perplexity - generativePerplexity([...g.nlls, ...d.nlls])) < 1e-9);
    assert.equal(d.events.length, 6);
  } finally {
    m.ctx.model.dispose();
  }
});
