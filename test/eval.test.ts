// npm run eval: the held-out figures against independent computations on the fixture model, and the shipped
// model's quick evaluation against the figures stored beside it (models/eval-quick.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPT } from '../src/engine/model/model.js';
import { generatedNlls, openModel, type OpenModel } from '../src/engine/quality.js';
import { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import type { Tokenizer } from '../src/engine/model/tokenizer.js';
import { readModelJson } from '../src/engine/model/weights.js';
import { encodeSplit } from '../src/train/data.js';
import {
  arHeldOut,
  arWindows,
  bitsPerByte,
  diffusionHeldOut,
  drawStandardError,
  ratioWithError,
  tokenBytes,
  unigramBaseline,
} from '../src/train/eval-likelihood.js';
import { evaluate, type QuickReference } from '../src/train/eval-report.js';
import { REFERENCE_FILE } from '../src/train/eval-settings.js';

test('bits/byte and the ratio estimate with its standard error, by hand', () => {
  assert.ok(Math.abs(bitsPerByte(Math.LN2 * 10, 5) - 2) < 1e-12);
  const r = ratioWithError([2, 4, 6], [1, 2, 3]);
  assert.equal(r.ratio, 2);
  assert.equal(r.standardError, 0); // every window at the same rate
  // a = [1, 3], b = [1, 1]: R = 2, residuals ±1, s.e. = √(2 / 2) / 1 = 1
  assert.equal(ratioWithError([1, 3], [1, 1]).standardError, 1);
  // draws [1, 3] and [2, 2] over 1 byte: s² = 2 and 0, / D = 1 and 0, √1 / 1 = 1
  assert.equal(
    drawStandardError(
      [
        [1, 3],
        [2, 2],
      ],
      1,
    ),
    1,
  );
  assert.equal(
    drawStandardError(
      [
        [1, 3],
        [2, 2],
      ],
      4,
    ),
    0.25,
  );
  // unigram, add-one over 2 ids: train [0, 0, 1] → counts 3, 2 of 5; held-out [0, 1] in 4 bytes
  const u = unigramBaseline(
    { docs: [Int32Array.from([0, 0, 1])], tokens: 3, bytes: 3 },
    { docs: [Int32Array.from([0, 1])], tokens: 2, bytes: 4 },
    2,
  );
  const nats = -Math.log(3 / 5) - Math.log(2 / 5);
  assert.ok(Math.abs(u.natsPerToken - nats / 2) < 1e-12 && Math.abs(u.bitsPerByte - nats / Math.LN2 / 4) < 1e-12);
});

test("AR windows overlap by one token: every token but each document's first is scored once", () => {
  const split = {
    docs: [Int32Array.from({ length: 10 }, (_, i) => i), Int32Array.from([100, 101, 102])],
    tokens: 13,
    bytes: 13,
  };
  const w = arWindows(split, 4);
  assert.deepEqual(
    w.map((x) => Array.from(x)),
    [
      [0, 1, 2, 3, 4],
      [4, 5, 6, 7, 8],
      [8, 9],
      [100, 101, 102],
    ],
  );
  const scored = w.flatMap((x) => Array.from(x.subarray(1)));
  assert.deepEqual(scored, [1, 2, 3, 4, 5, 6, 7, 8, 9, 101, 102]);
});

async function withFixture(f: (m: OpenModel) => Promise<void> | void): Promise<void> {
  const m = await openModel(FIXTURE_MODEL_DIR);
  try {
    await f(m);
  } finally {
    m.ctx.model.dispose();
  }
}

/** The fixture's tokenizer and shape with fresh N(0, 0.02) weights: an untrained model, near uniform over its ids. */
async function withUntrained(f: (m: OpenModel) => Promise<void> | void): Promise<void> {
  await withFixture(async (m) => {
    const model = GPT.init(m.json.config, 7);
    try {
      await f({ ...m, ctx: { ...m.ctx, model } });
    } finally {
      model.dispose();
    }
  });
}

const TEXT =
  'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n';

test("AR held-out NLL (batched arLoss) equals the judge's token-by-token NLLs; near ln V untrained", async () => {
  await withUntrained((m) => {
    const tok = m.ctx.tokenizer as Tokenizer;
    const split = encodeSplit(tok, [TEXT, TEXT.repeat(3)]);
    const C = m.json.config.context;
    const f = arHeldOut(m, split);
    let nats = 0,
      bytes = 0;
    for (const w of arWindows(split, C)) {
      const ids = Array.from(w);
      nats += generatedNlls(m.ctx.model, ids.slice(0, 1), ids.slice(1)).reduce((s, x) => s + x, 0);
      bytes += tokenBytes(tok, w.subarray(1));
    }
    assert.equal(f.tokens, split.tokens - 2);
    assert.equal(f.bytes, bytes);
    assert.ok(Math.abs(f.nats - nats) / nats < 1e-4, `${f.nats} vs ${nats}`);
    assert.ok(Math.abs(f.nats / f.tokens - Math.log(m.json.config.vocab - 1)) < 0.3, `nats/token ${f.nats / f.tokens}`);
  });
});

test('diffusion ELBO: seeded, near ln V per token for an untrained model, with a standard error', async () => {
  await withUntrained((m) => {
    const split = encodeSplit(m.ctx.tokenizer as Tokenizer, [TEXT.repeat(8)]);
    const a = diffusionHeldOut(m, split, 2);
    const b = diffusionHeldOut(m, split, 2);
    assert.deepEqual(a, b);
    assert.ok(a.windows >= 2 && a.draws === 2 && a.standardError > 0 && a.windowStandardError > 0);
    const c = diffusionHeldOut(m, split, 2, 99);
    assert.notEqual(c.bitsPerByte, a.bitsPerByte);
    assert.ok(
      Math.abs(c.bitsPerByte - a.bitsPerByte) < 5 * Math.hypot(a.standardError, c.standardError),
      'another seed moves it by a few standard errors at most',
    );
    // an untrained model predicts ~uniformly: E[Σ m/t] = T, so the bound is ≈ ln V nats per token
    const perToken = a.natsPerToken;
    assert.equal(a.tokens, a.windows * (m.json.config.context - 1));
    // every bucket of mask rates: masked tokens predicted at ≈ ln V by an untrained model
    assert.equal(
      a.byMaskRate.reduce((n, b) => n + b.draws, 0),
      a.windows * 2,
    );
    for (const b of a.byMaskRate)
      if (b.maskedTokens)
        assert.ok(
          Math.abs(b.natsPerMaskedToken - Math.log(m.json.config.vocab - 1)) < 0.6,
          `${b.from}: ${b.natsPerMaskedToken}`,
        );
    assert.ok(Math.abs(perToken - Math.log(m.json.config.vocab - 1)) < 0.6, `nats/token ${perToken}`);
  });
});

test('evaluate --quick on the fixture model: every figure present, targets reported', async () => {
  const r = await evaluate({
    modelDir: FIXTURE_MODEL_DIR,
    quick: true,
    settings: { length: 8, steps: [8, 4], prompts: 1 },
  });
  assert.equal(r.mode, 'quick');
  assert.deepEqual(
    r.generation.rows.map((x) => x.label),
    [
      'AR, greedy',
      'diffusion, low-confidence, greedy',
      'diffusion, low-confidence, greedy',
      'diffusion, threshold 0.9, greedy',
      'diffusion, threshold 0.7, greedy',
      'diffusion, threshold 0.5, greedy',
      'diffusion, 1 token per pass, greedy, default length',
      'diffusion, threshold 0.9, greedy, default length',
      'AR, default settings',
      'diffusion, default settings',
      'speculative, default settings',
    ],
  );
  assert.deepEqual(
    r.generation.rows.slice(0, 3).map((x) => x.steps),
    [8, 8, 4],
  );
  for (const row of r.generation.rows) {
    assert.ok(
      Math.abs(row.tokensPerPass * row.steps - (row.label.includes('default') ? 16 : 8)) < 1e-9,
      `${row.label}: passes × tokens/pass = length`,
    );
    assert.ok(
      row.distinct.every((x) => x === null || (x > 0 && x <= 1)),
      `${row.label}: distinct-n in (0, 1]`,
    );
  }
  assert.ok(r.ar.bitsPerByte > 0 && r.diffusion.bitsPerByte > 0 && r.diffusionCausal.bitsPerByte > 0);
  assert.notEqual(r.diffusionCausal.bitsPerByte, r.diffusion.bitsPerByte);
  assert.ok(Number.isFinite(r.futureUse.vsCausal) && Number.isFinite(r.futureUse.vsAr));
  assert.equal(r.targets.length, 9);
  assert.equal(r.targets[0]!.met, false); // untrained
  assert.equal(r.baseline, null); // quick: no corpus
  assert.equal(r.speculative!.draft.dir, join(FIXTURE_MODEL_DIR, 'draft')); // the fixture's draft, beside it
});

test("speculative figures: a draft identical to the target keeps every proposal and writes AR's text", async () => {
  const r = await evaluate({
    modelDir: FIXTURE_MODEL_DIR,
    draftDir: FIXTURE_MODEL_DIR,
    quick: true,
    settings: { length: 9, steps: [9], prompts: 2 },
  });
  assert.deepEqual(
    r.speculative!.rows.map((x) => x.draftTokens),
    [2, 4, 8],
  );
  for (const x of r.speculative!.rows) {
    assert.equal(x.acceptance, 1);
    assert.equal(x.sameAsAr, 2);
    // 8 tokens after the prefill's first, γ + 1 per round
    assert.equal(x.verifyPasses, Math.ceil(8 / (x.draftTokens + 1)));
    assert.ok(Math.abs(x.tokensPerVerify - 8 / x.verifyPasses) < 1e-9);
  }
});

// DLM_WATCH_EVAL_DIR points the check at another model dir (e.g. an exported checkpoint with its own reference)
const modelDir = process.env.DLM_WATCH_EVAL_DIR || DEFAULT_MODEL_DIR;
const shipped = existsSync(join(modelDir, 'model.json'));
const refPath = join(modelDir, REFERENCE_FILE);

test(
  'the shipped model loads with matching checksums and reproduces its quick evaluation',
  {
    skip: !shipped
      ? `${modelDir}/model.json not found: the shipped model is not trained yet (npm run train)`
      : !existsSync(refPath)
        ? `${refPath} not found: write it with npm run eval -- --quick --write-reference`
        : false,
  },
  async () => {
    const { json } = readModelJson(modelDir); // throws on a checksum mismatch
    const ref = JSON.parse(readFileSync(refPath, 'utf8')) as QuickReference;
    assert.deepEqual(
      ref.sha256,
      json.sha256,
      `${refPath} was written for other weights: rewrite it with npm run eval -- --quick --write-reference`,
    );
    const arDir = join(modelDir, 'ar');
    assert.deepEqual(
      ref.arSha256 ?? null,
      existsSync(join(arDir, 'model.json')) ? readModelJson(arDir).json.sha256 : null,
      `${refPath} was written for another ar/ copy: rewrite it`,
    );
    const r = await evaluate({ quick: true, modelDir });
    const near = (a: number, b: number, tol: number, what: string) =>
      assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs reference ${b}`);
    near(r.ar.bitsPerByte, ref.arBitsPerByte, 1e-3, 'AR bits/byte');
    near(r.diffusion.bitsPerByte, ref.diffusionBitsPerByte, 1e-3, 'diffusion bits/byte');
    assert.deepEqual(
      r.generation.rows.map((g) => [g.lane, g.steps]),
      ref.generation.map((g) => [g.lane, g.steps]),
    );
    // greedy decoding: the same tokens on the same backend; another backend may break a near-tie differently
    const tol = r.backend === ref.backend ? 1e-3 : 0.1;
    r.generation.rows.forEach((g, i) => {
      const want = ref.generation[i]!;
      near(Math.log(g.perplexity), Math.log(want.perplexity), tol, `${g.lane} ${g.steps}: log perplexity`);
      if (want.realWordShare !== null)
        near(g.realWordShare ?? -1, want.realWordShare, tol, `${g.lane} ${g.steps}: real-word share`);
    });
  },
);
