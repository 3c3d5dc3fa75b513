// `dlm-watch sweep` on the tiny fixture model: the runs it makes, passes that follow each schedule, costs that
// are the schedule priced pass by pass, speed-ups against calc's AR time, the table and plot, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandIO } from '../src/commands/errors.js';
import {
  curves,
  defaultSteps,
  main,
  plot,
  SWEEP_SCHEMA,
  type SweepResult,
  type SweepRun,
} from '../src/commands/sweep.js';
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

/** a run as --json prints it: the command's own type */
type Run = SweepRun;

test('defaultSteps: L, L/2 … L/16 that are whole and divisible by the blocks', () => {
  assert.deepEqual(defaultSteps(64, 1), [64, 32, 16, 8, 4]);
  assert.deepEqual(defaultSteps(8, 1), [8, 4, 2, 1]);
  assert.deepEqual(defaultSteps(64, 4), [64, 32, 16, 8, 4]);
  assert.deepEqual(defaultSteps(64, 8), [64, 32, 16, 8]);
  assert.deepEqual(defaultSteps(24, 1), [24, 12, 6, 3]);
});

test('--json: AR, fixed-k at L…L/16, thresholds, γ; passes and costs follow each schedule; a curve per lane', async () => {
  const { code, out, err } = await run([PROMPT, '--model-dir', FIXTURE_MODEL_DIR, '--length', String(L), '--json']);
  assert.equal(code, 0, err);
  const j = JSON.parse(out) as {
    schema: string;
    promptTokens: number;
    runs: Run[];
    lanes: { lane: string; aup: number | null; points: { id: string; tpf: number; quality: number }[] }[];
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
      ['diffusion', 'threshold', null, 0.95],
      ['diffusion', 'threshold', null, 0.9],
      ['diffusion', 'threshold', null, 0.7],
      ['diffusion', 'threshold', null, 0.5],
      ['block', 'threshold', null, 0.95],
      ['block', 'threshold', null, 0.9],
      ['block', 'threshold', null, 0.7],
      ['block', 'threshold', null, 0.5],
      ['speculative', 'γ 2', null, null],
      ['speculative', 'γ 4', null, null],
      ['speculative', 'γ 8', null, null],
    ],
  );
  assert.deepEqual(
    j.runs.filter((r) => r.lane === 'speculative').map((r) => r.draftTokens),
    [2, 4, 8],
  );
  // one curve per lane, its points the lane's runs as (TPF, quality vs AR in %)
  assert.deepEqual(
    j.lanes.map((c) => c.lane),
    ['ar', 'diffusion', 'block', 'speculative'],
  );
  for (const c of j.lanes)
    assert.deepEqual(
      c.points,
      j.runs
        .filter((r) => r.lane === c.lane)
        .map((r) => ({ id: r.id, tpf: r.tokensPerPass, quality: r.relative! * 100 })),
    );
  const arRun = j.runs.find((r) => r.lane === 'ar')!;
  assert.equal(j.lanes[0]!.aup, 100); // AR alone: TPF 1 at 100 %

  // the default target, priced independently: 1 weight byte (fp8), no KV cache in a no-cache diffusion pass
  const target = await selectTarget({});
  const m = target.model.shape;
  const price = priceGeneration(target, { tokens: L, prompt: P, speculative: 3, margin: 1 });
  assert.ok(Math.abs(j.ar.seconds - price.ar.seconds) < 1e-12);
  assert.ok(Math.abs(j.breakEven.ar - price.breakEven.ar) < 1e-9 && j.breakEven.speculative.factor === 3);
  for (const r of j.runs) {
    assert.ok(r.passes >= 1 && r.passes <= L); // passes of the lane's own model (speculative: not its draft's)
    assert.equal(r.tokensPerPass, L / r.passes);
    assert.ok(Math.abs(r.speedup.ar - j.ar.seconds / r.projected.seconds) < 1e-9);
    assert.ok(Math.abs(r.speedup.speculative - r.speedup.ar / 3) < 1e-9);
    assert.ok(r.perplexity > 1 && Number.isFinite(r.perplexity));
    assert.ok(r.distinct3 === null || (r.distinct3 >= 0 && r.distinct3 <= 1));
    // quality: perplexity × e^{ln 20·(1 − distinct-3)}, then AR's over it, capped at 1
    assert.ok(Math.abs(r.adjusted - r.perplexity * Math.exp(Math.log(20) * (1 - (r.distinct3 ?? 1)))) < 1e-9);
    assert.ok(Math.abs(r.relative! - Math.min(1, arRun.adjusted / r.adjusted)) < 1e-12);
    assert.equal(r.parses, null); // prose: no parse check
    if (r.lane === 'ar') {
      assert.equal(r.passes, L);
      assert.ok(Math.abs(r.speedup.ar - 1) < 1e-12);
      continue;
    }
    if (r.lane === 'speculative') {
      // each target pass reads the target's weights, each draft pass the draft preset's on top
      assert.ok(r.projected.bytes > r.passes * weightBytes(m, target.precision));
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

test('text: the table, the curves with their AUP, the chart, the outputs', async () => {
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
    '--draft-tokens',
    '3',
    '--hardware',
    'h100',
    '--project-model',
    'llama-3.1-8b',
    '--dtype',
    'bf16',
  ]);
  assert.equal(code, 0);
  for (const s of [
    '#  lane',
    'passes',
    'TPF',
    'distinct-3',
    'quality',
    'vs AR',
    '× AR',
    'Llama 3.1 8B · bf16 · H100',
    'AR  ',
    'low-confidence, 16 passes',
    'low-confidence, 4 passes',
    'τ 0.5',
    'γ 3',
    'AUP',
    'quality vs AR against tokens per forward pass',
    'A AR · D diffusion · B block diffusion · S speculative',
    '┤',
    '└',
    'outputs',
  ])
    assert.ok(out.includes(s), `missing "${s}" in:\n${out}`);
  assert.ok(!out.includes('parses'), 'prose has no parse column');
  assert.match(out, /^\s+3\s+diffusion\s+τ 0\.5/m);
  const plotRows = out.split('\n').filter((l) => l.includes('┤'));
  assert.equal(plotRows.length, 12);
});

test('bad input: one line on stderr, exit 2', async () => {
  for (const argv of [
    [PROMPT, 'extra'],
    [PROMPT, '--bogus'],
    [PROMPT, '--strategy', 'threshold'],
    [PROMPT, '--thresholds', '1.5'],
    [PROMPT, '--steps', 'x'],
    [PROMPT, '--length', '8', '--block', '4', '--steps', '3'],
    [PROMPT, '--length', '999'],
    [PROMPT, '--hardware', 'nope'],
    [PROMPT, '--steps', '', '--thresholds', '', '--draft-tokens', ''],
    [PROMPT, '--draft-tokens', '0'],
    [PROMPT, '--model', 'nope'],
    [PROMPT, '--model', 'code', '--model-dir', FIXTURE_MODEL_DIR],
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
  assert.match(h.out, /dlm-watch sweep \["prompt"\]/);
});

test('the chart puts each run at its TPF and quality vs AR: a loop or salad low, fluent text high', () => {
  const pt = (id: string, tpf: number, quality: number) => ({ id, tpf, quality });
  const r = {
    curves: [
      { lane: 'ar', label: 'AR', aup: 100, points: [pt('A', 1, 100)] },
      { lane: 'block', label: 'block diffusion', aup: null, points: [pt('1', 2, 90), pt('2', 8, 10)] },
    ],
  } as unknown as SweepResult;
  const rows = plot(r).filter((l) => l.includes('┤'));
  const at = (ch: string) =>
    rows.flatMap((l, i) => [...l.split('┤')[1]!].flatMap((c, j) => (c === ch ? [[i, j]] : [])));
  // AR top left; block's faster, garbled run bottom right of its fluent one
  assert.deepEqual(
    at('A').map(([i]) => i),
    [0],
  );
  const [[r1, c1], [r2, c2]] = at('B') as [[number, number], [number, number]];
  assert.equal(r1, Math.round(0.1 * 11));
  assert.equal(r2, Math.round(0.9 * 11));
  assert.ok(c2 > c1 && c1 > at('A')[0]![1]!);
});

test('curves: AUP per lane as d3LLM defines it (hand-worked)', () => {
  const run = (id: string, lane: string, tokensPerPass: number, relative: number) =>
    ({ id, lane, tokensPerPass, relative }) as unknown as SweepRun;
  const [c, d] = curves([run('1', 'block', 1, 1), run('2', 'block', 3, 0.97), run('3', 'diffusion', 2, 0.9)]);
  // 1·100 + ½·(3 − 1)·(97·e^{−3·0.03} + 100·1) = 100 + 88.65 + 100 = 288.65
  assert.ok(Math.abs(c!.aup! - (100 + (97 * Math.exp(-0.09) + 100))) < 1e-9, String(c!.aup));
  assert.ok(Math.abs(c!.aup! - 288.65) < 0.01);
  assert.equal(d!.aup, 2 * 90); // one point: ρ₁·y₁
  assert.deepEqual(c!.points, [
    { id: '1', tpf: 1, quality: 100 },
    { id: '2', tpf: 3, quality: 97 },
  ]);
});
