// The quality measure sweep ranks by and the live view shows (src/engine/quality.ts adjustedPerplexity): fluent text
// first, a loop second, word salad last, judged by the shipped AR copy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adjustedPerplexity,
  distinctN,
  generatedNlls,
  generativePerplexity,
  qualityWord,
  textUnits,
} from '../src/engine/quality.js';
import { DEFAULT_MODEL_DIR, openModel } from '../src/engine/run.js';
import { join } from 'node:path';

const PROMPT = 'It is a truth universally acknowledged';
const TEXTS = {
  fluent:
    ', that a single man in possession of a good fortune, must be in want of a wife. However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families.',
  loop: ', and the credit of the credit of the credit of the credit of the credit of the credit of the credit of the credit of the credit of the credit of the credit of the credit.',
  salad:
    ' the sroom, and the room of the drawingpart,, and the greatestents of the effects; and his is,, it love, to hear of me,, and am to think it the morning ofness herself.',
};

test('the formula: perplexity × exp(ln 20 · (1 − distinct-3))', () => {
  assert.equal(adjustedPerplexity(15, 1), 15);
  assert.ok(Math.abs(adjustedPerplexity(15, 0) - 300) < 1e-9);
  assert.ok(Math.abs(adjustedPerplexity(10, 0.5) - 10 * Math.sqrt(20)) < 1e-9);
  assert.equal(adjustedPerplexity(15, null), 15);
  assert.deepEqual(
    [39, 40, 99, 100, NaN].map((x) => qualityWord(x)),
    ['plausible', 'rough', 'rough', 'garbled', 'unjudged'],
  );
});

test('fluent text ranks above a loop, and a loop above word salad', async () => {
  const m = await openModel(join(DEFAULT_MODEL_DIR, 'ar'));
  const p = m.ctx.tokenizer.encode(PROMPT);
  const score = (t: string) =>
    adjustedPerplexity(
      generativePerplexity(generatedNlls(m.ctx.model, p, m.ctx.tokenizer.encode(t))),
      distinctN(textUnits(t), 3),
    );
  const s = { fluent: score(TEXTS.fluent), loop: score(TEXTS.loop), salad: score(TEXTS.salad) };
  assert.ok(s.fluent < s.loop && s.loop < s.salad, JSON.stringify(s));
  assert.equal(qualityWord(s.fluent), 'plausible');
  assert.equal(qualityWord(s.salad), 'garbled');
  // a loop is "loops" however likely the judge finds it (code: perplexity 2–3, distinct-3 0.1)
  assert.equal(qualityWord(22, 0.12), 'loops');
  assert.equal(qualityWord(22, 0.98), 'plausible');
});

test('AUP against a hand-computed example (d3LLM, α = 3)', async () => {
  const { aup, aupWeight } = await import('../src/engine/quality.js');
  // (1, 80), (2, 78), (4, 70): the last is more than 5 below 80 and is dropped
  // area = 1·80 + ½·(2 − 1)·(78·e^(−3·(1 − 78/80)) + 80·1) = 80 + ½·(78·e^−0.075 + 80)
  const want = 80 + 0.5 * (78 * Math.exp(-0.075) + 80);
  assert.ok(
    Math.abs(
      aup([
        { tpf: 4, accuracy: 70 },
        { tpf: 1, accuracy: 80 },
        { tpf: 2, accuracy: 78 },
      ])! - want,
    ) < 1e-9,
  );
  assert.equal(aupWeight(90, 80), 1); // above the best: capped at 1
  // with no loss of accuracy AUP is the plain area under the curve
  assert.equal(
    aup([
      { tpf: 1, accuracy: 50 },
      { tpf: 3, accuracy: 50 },
    ]),
    50 + 0.5 * 2 * 100,
  );
  assert.equal(aup([]), null);
});
