// `dlm-watch sweep` on the tiny fixture model: the runs it makes, passes that follow each schedule, costs that
// are the schedule priced pass by pass, speed-ups against calc's AR time, the table and plot, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandIO } from '../src/commands/errors.js';
import { defaultSteps, main, plot, SWEEP_SCHEMA, type SweepResult, type SweepRun } from '../src/commands/sweep.js';
import { passCost, weightBytes } from '../src/engine/price/cost.js';
import { evenSplit } from '../src/engine/decode/sample.js';
import { priceGeneration, selectTarget } from '../src/engine/price/project.js';
import { FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { Tokenizer } from '../src/engine/model/tokenizer.js';

const PROMPT = 'It is a truth universally acknowledged';
const L = 8;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (s) => void (out += s), err: (s) => void (err += s) };
  const code = await main(argv, io);
  return { code, out, err };
}

interface Run {
  id: string;
  lane: string;
  strategy: string;
  steps: number | null;
  threshold: number | null;
  passes: number;
  tokensPerPass: number;
  perplexity: number;
  realWordShare: number | null;
  realUnitShare: number | null;
  distinct2: number | null;
  judged: number | null;
  words: number;
  text: string;
  local: { bytes: number; flops: number; wallMs: number };
  projected: { bytes: number; flops: number; seconds: number };
  speedup: { ar: number; speculative: number };
}

test('defaultSteps: L, L/2 … L/16 that are whole and divisible by the blocks', () => {
  assert.deepEqual(defaultSteps(64, 1), [64, 32, 16, 8, 4]);
  assert.deepEqual(defaultSteps(8, 1), [8, 4, 2, 1]);
  assert.deepEqual(defaultSteps(64, 4), [64, 32, 16, 8, 4]);
  assert.deepEqual(defaultSteps(64, 8), [64, 32, 16, 8]);
  assert.deepEqual(defaultSteps(24, 1), [24, 12, 6, 3]);
});

test('--json: AR, fixed-k at L…L/16, thresholds; passes and costs follow each schedule', async () => {
  const { code, out, err } = await run([PROMPT, '--model-dir', FIXTURE_MODEL_DIR, '--length', String(L), '--json']);
  assert.equal(code, 0, err);
  const j = JSON.parse(out) as {
    schema: string;
    promptTokens: number;
    runs: Run[];
    ar: { seconds: number; timeSource: string };
    breakEven: { ar: number; speculative: { factor: number; passes: number } };
    model: { fixture: boolean };
  };
  assert.equal(j.schema, SWEEP_SCHEMA);
  assert.equal(j.model.fixture, true);
  const P = Tokenizer.load(`${FIXTURE_MODEL_DIR}/tokenizer.json`).encode(PROMPT).length;
  assert.equal(j.promptTokens, P);
  assert.deepEqual(
    j.runs.map((r) => [r.lane, r.strategy, r.steps, r.threshold]),
    [
      ['ar', 'ar', L, null],
      ['diffusion', 'low-confidence', 8, null],
      ['diffusion', 'low-confidence', 4, null],
      ['diffusion', 'low-confidence', 2, null],
      ['diffusion', 'low-confidence', 1, null],
      ['diffusion', 'threshold', null, 0.9],
      ['diffusion', 'threshold', null, 0.7],
      ['diffusion', 'threshold', null, 0.5],
      ['block', 'threshold', null, 0.9],
      ['block', 'threshold', null, 0.7],
      ['block', 'threshold', null, 0.5],
      ['speculative', 'speculative', 8, null],
    ],
  );

  // the default target, priced independently: 1 weight byte (fp8), no KV cache in a no-cache diffusion pass
  const target = await selectTarget({});
  const m = target.model.shape;
  const price = priceGeneration(target, { tokens: L, prompt: P, speculative: 3, margin: 1 });
  assert.ok(Math.abs(j.ar.seconds - price.ar.seconds) < 1e-12);
  assert.ok(Math.abs(j.breakEven.ar - price.breakEven.ar) < 1e-9 && j.breakEven.speculative.factor === 3);
  for (const r of j.runs) {
    assert.ok(r.passes >= 1 && (r.lane === 'speculative' || r.passes <= L)); // speculative: draft passes too
    assert.equal(r.tokensPerPass, L / r.passes);
    assert.ok(Math.abs(r.speedup.ar - j.ar.seconds / r.projected.seconds) < 1e-9);
    assert.ok(Math.abs(r.speedup.speculative - r.speedup.ar / 3) < 1e-9);
    assert.ok(r.perplexity > 1 && Number.isFinite(r.perplexity));
    assert.ok(r.realWordShare === null || (r.realWordShare >= 0 && r.realWordShare <= 1));
    for (const x of [r.realUnitShare, r.distinct2]) assert.ok(x === null || (x >= 0 && x <= 1));
    assert.equal(r.judged, r.realUnitShare === null ? null : r.realUnitShare * (r.distinct2 ?? 1));
    if (r.lane === 'ar') {
      assert.equal(r.passes, L);
      assert.ok(Math.abs(r.speedup.ar - 1) < 1e-12);
      continue;
    }
    if (r.lane === 'speculative') {
      // draft passes read the draft preset's weights, the rest the target's: between those two bounds
      assert.ok(
        r.projected.bytes < r.passes * weightBytes(m, target.precision) &&
          r.projected.bytes > r.passes * weightBytes(target.draft.shape, target.precision),
      );
      continue;
    }
    if (r.lane === 'block') {
      // one block against the cache: every weight once per pass, plus the cached prefix's keys and values
      assert.ok(r.projected.bytes > r.passes * weightBytes(m, target.precision));
      continue;
    }
    if (r.steps !== null) assert.equal(r.passes, r.steps);
    assert.equal(r.projected.bytes, r.passes * weightBytes(m, target.precision));
    if (r.steps !== null) {
      // pass i runs all P+L positions, logits at the positions still masked (L − tokens committed before it)
      let masked = L;
      let flops = 0;
      for (const k of evenSplit(L, r.steps)) {
        flops += passCost(m, target.precision, {
          q: P + L,
          k: 0,
          logits: masked,
          kvWrite: 0,
          attention: 'bidirectional',
        }).flops.total;
        masked -= k;
      }
      assert.ok(Math.abs(r.projected.flops - flops) / flops < 1e-12, `${r.id}: ${r.projected.flops} vs ${flops}`);
    }
  }
  const fixed = j.runs.filter((r) => r.steps !== null && r.lane === 'diffusion');
  for (let i = 1; i < fixed.length; i++) {
    assert.ok(fixed[i]!.projected.seconds < fixed[i - 1]!.projected.seconds);
    assert.ok(fixed[i]!.local.flops < fixed[i - 1]!.local.flops);
  }
});

test('text: the table, the plot with its break-even lines, the outputs', async () => {
  const { code, out } = await run([
    PROMPT,
    '--model-dir',
    FIXTURE_MODEL_DIR,
    '--length',
    '16',
    '--block',
    '8',
    '--steps',
    '16,4',
    '--thresholds',
    '0.5',
    '--hardware',
    'h100',
    '--project-model',
    'llama-3.1-8b',
    '--dtype',
    'bf16',
  ]);
  assert.equal(code, 0);
  for (const s of [
    '#  decoder',
    'passes',
    'gen. ppl',
    'distinct-2',
    'real words',
    'judged',
    'judged quality (real words × distinct-2)',
    '× AR',
    'Llama 3.1 8B · bf16 · H100',
    'AR  ',
    'low-confidence, 16 steps',
    'low-confidence, 4 steps',
    'threshold 0.5',
    'break-even vs AR',
    'break-even vs 3× speculative AR',
    '┤',
    '└',
    'outputs',
    'roofline',
  ])
    assert.ok(out.includes(s), `missing "${s}" in:\n${out}`);
  assert.match(out, /^\s+3\s+threshold 0\.5/m);
  const plotRows = out.split('\n').filter((l) => l.includes('┤'));
  assert.equal(plotRows.length, 14);
});

test('bad input: one line on stderr, exit 2', async () => {
  for (const argv of [
    [],
    [PROMPT, 'extra'],
    [PROMPT, '--bogus'],
    [PROMPT, '--strategy', 'threshold'],
    [PROMPT, '--thresholds', '1.5'],
    [PROMPT, '--steps', 'x'],
    [PROMPT, '--length', '8', '--block', '4', '--steps', '3'],
    [PROMPT, '--length', '999'],
    [PROMPT, '--hardware', 'nope'],
    [PROMPT, '--steps', '', '--thresholds', ''],
    [PROMPT, '--cache', 'huge'],
  ]) {
    const { code, out, err } = await run([
      ...argv,
      ...(argv.includes('--model-dir') ? [] : ['--model-dir', FIXTURE_MODEL_DIR]),
    ]);
    assert.equal(code, 2, `${argv.join(' ')}: ${err}`);
    assert.equal(out, '');
    assert.match(err, /^dlm-watch sweep: [^\n]+\n$/, argv.join(' '));
  }
  // a missing model folder is a file error: exit 1, one line
  const missing = await run([PROMPT, '--model-dir', '/nonexistent']);
  assert.equal(missing.code, 1, missing.err);
  assert.match(missing.err, /^dlm-watch sweep: no model at \/nonexistent[^\n]*\n$/);
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /dlm-watch sweep "prompt"/);
});

test('the plot ranks by judged quality: a likely loop lands at the bottom, clean text at the top', () => {
  const run = (id: string, passes: number, perplexity: number, judged: number) =>
    ({ id, passes, perplexity, judged }) as unknown as SweepRun;
  const r = {
    runs: [run('1', 4, 3, 0.1), run('2', 32, 40, 0.9)],
    price: { breakEven: { ar: 64, speculative: { factor: 3, passes: 21 } } },
    decode: { length: 64 },
  } as unknown as SweepResult;
  const rows = plot(r).filter((l) => l.includes('┤'));
  const rowOf = (id: string) => rows.findIndex((l) => l.split('┤')[1]!.includes(id));
  // the loop has the lower perplexity, but the plot puts it below the clean text
  assert.ok(rowOf('2') < rowOf('1'), rows.join('\n'));
  assert.equal(rowOf('1'), Math.round(0.9 * 13));
  assert.equal(rowOf('2'), Math.round(0.1 * 13));
});
