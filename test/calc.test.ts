// `dlm-watch calc` and `dlm-watch calibrate`: the default run prints the worked example, --json follows the
// documented schema, bad usage is one line on stderr with exit 2; calibrate writes the profile `local` reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calc, CALC_SCHEMA, main as calcMain } from '../src/commands/calc.js';
import type { CommandIO } from '../src/commands/errors.js';
import { main as calibrateMain } from '../src/commands/calibrate.js';
import { hardwareKeys, readProfile } from '../src/engine/price/hardware.js';
import { modelKeys } from '../src/engine/price/presets.js';
import { priceGeneration, selectTarget } from '../src/engine/price/project.js';

/** Run a command's main with its output collected. */
async function run(
  main: (argv: string[], io: CommandIO) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

test('calc with no flags: the headline (verdict, break-even, times) first, the passes and the target; no derivation', async () => {
  const { code, text } = await calc([]);
  assert.equal(code, 0);
  const lines = text.split('\n');
  // the headline is the first block: what a reader needs before anything scrolls
  assert.match(lines[0]!, /^dlm-watch calc: Llama 3.3 70B on H200 SXM · 1024 tokens · fp8 weights, fp8 KV$/);
  assert.match(
    lines[2]!,
    /^ {2}verdict +AR is memory-bound, a diffusion pass compute-bound: diffusion is as fast as AR if it$/,
  );
  assert.match(lines[3]!, /finishes 1024 tokens in at most 191\.7 passes \(≥ 5\.34 tokens per pass\)/);
  assert.match(
    lines[4]!,
    /^ {2}break-even +191\.7 passes vs AR · 63\.90 vs 3× speculative AR · 21\.30 with a 3× margin · 53\.95 vs$/,
  );
  assert.match(text, /\n {2}AR +20\.08 s for 1024 tokens: 51 tok\/s as published; one token per pass, memory-bound\n/);
  assert.match(text, /\n {2}diffusion +104\.7 ms per pass of 1024 tokens \(9\.55 passes\/s\), compute-bound\n/);
  assert.match(
    text,
    /batching +AR's decode pass turns compute-bound from B\* = 248 sequences per pass, where the\n +break-even is 1\.044 passes/,
  );
  for (const s of [
    'Llama 3.3 70B on H200 SXM',
    '4800 GB/s, 1979 TFLOP/s',
    '0.00243 B/F',
    '0.00260 B/F',
    '69.59 GB',
    '140.3 GFLOP',
    '145.1 TFLOP',
    '0.496',
    '0.000479',
    '191× above: memory-bound',
    '5.42× below: compute-bound',
    '73.31 ms at peak',
    '--derive: the break-even table',
  ])
    assert.ok(text.includes(s), `missing "${s}" in:\n${text}`);
  // fits a 24-row terminal; the derivation waits for --derive; nothing cites a file that does not ship
  assert.ok(lines.length <= 27, `${lines.length} lines`);
  for (const s of ['P_mm', 'derivation', 'cost-model', 'article']) assert.ok(!text.includes(s), `"${s}" in:\n${text}`);
});

test('calc --derive: the tables, the modelled speculation, batching and the formulas with the numbers plugged in', async () => {
  const { text } = await calc(['--derive']);
  for (const s of [
    '20.08 s at 51 tok/s',
    '9.55 passes/s',
    '13.6 at peak',
    '191.7 passes',
    '63.90 passes',
    '21.30 passes',
    '= 8192·64·128 + 2·8192·8·128 + 64·128·8192 + 3·8192·28672 = 855,638,016',
    'P_mm  = L·P_L = 80 × 855,638,016 = 68.45 G',
    'weights per pass = b_w·(P_mm + V·d) = 1 B × 69.50 G = 69.50 GB',
    'break-even = AR time / pass time = 20.08 s / 104.7 ms = 191.7',
    'derivation (a multiply-add is 2 FLOPs',
    'not streamed',
    'compute-bound from B* = 248 sequences per pass',
  ])
    assert.ok(text.includes(s), `missing "${s}" in:\n${text}`);
  for (const s of ['cost-model', 'article']) assert.ok(!text.includes(s), `"${s}" in:\n${text}`);
  // the headline still comes first
  assert.ok(text.indexOf('verdict') < text.indexOf('derivation'));
});

test('every line of calc fits in 100 columns, for every preset, batch and flag mix', async () => {
  const runs: string[][] = [
    [],
    ['--tokens', '512'],
    ['--prompt', '32', '--tokens', '256', '--model', 'dream-7b', '--dtype', 'bf16'],
    ['--batch', '256'],
    ['--batch', '64', '--model', 'llama-3.1-8b', '--hardware', 'h100', '--dtype', 'bf16'],
    ['--alpha', '0.5'],
    ['--moe-imbalance', '4', '--model', 'deepseek-v3', '--prompt', '100', '--batch', '8'],
  ];
  for (const model of modelKeys()) runs.push(['--model', model]);
  for (const hw of hardwareKeys().filter((h) => h !== 'local' && !h.startsWith('m')))
    runs.push(['--hardware', hw, '--dtype', 'bf16']);
  for (const argv of runs) {
    for (const derive of [[], ['--derive']]) {
      const { text } = await calc([...argv, ...derive]);
      for (const l of text.split('\n'))
        assert.ok([...l].length <= 100, `${argv.join(' ')} ${derive.join('')}: ${[...l].length} columns: ${l}`);
    }
  }
  for (const l of (await calc(['--help'])).text.split('\n'))
    assert.ok([...l].length <= 100, `--help: ${[...l].length} columns: ${l}`);
});

test("colour: the palette's bound colours (vermillion memory, yellow compute) on the bound words, bold headline labels; never when piped or NO_COLOR", async () => {
  const plain = (await calc([])).text;
  assert.ok(!plain.includes('\x1b'), 'piped: no colour');
  const forced = (await calc([], { FORCE_COLOR: '1' }, false)).text;
  assert.ok(forced.includes('\x1b[38;5;166mmemory-bound\x1b[39m'), 'FORCE_COLOR=1 colours piped output');
  assert.ok(forced.includes('\x1b[38;5;221mcompute-bound\x1b[39m'));
  assert.ok(forced.includes('\x1b[1mverdict\x1b[22m'));
  assert.equal(forced.replace(/\x1b\[[0-9;]*m/g, ''), plain, 'colour adds escapes only');
  assert.ok((await calc([], { COLORTERM: 'truecolor' }, true)).text.includes('\x1b[38;2;213;94;0mmemory-bound'));
  assert.ok((await calc([], {}, true)).text.includes('\x1b['), 'a terminal gets colour');
  for (const [env, argv] of [
    [{ NO_COLOR: '1' }, []],
    [{ FORCE_COLOR: '0' }, []],
    [{ FORCE_COLOR: '1' }, ['--no-color']],
  ] as const) {
    assert.ok(!(await calc([...argv], { ...env }, true)).text.includes('\x1b'), JSON.stringify(env) + argv.join(''));
  }
});

test('calc --tokens 512 is priced as such; other setups take AR from the roofline', async () => {
  const { text } = await calc(['--tokens', '512', '--derive']);
  assert.ok(text.includes('10.04 s at 51 tok/s'));
  const other = await calc(['--model', 'llama-3.1-8b', '--hardware', 'h100', '--dtype', 'bf16']);
  assert.ok(other.text.includes('on the roofline'));
  assert.ok(!other.text.includes('measured'));
});

/** The documented --json schema (src/commands/calc.ts header), checked key by key. */
function checkSchema(j: Record<string, any>): void {
  const nums = (o: Record<string, unknown>, keys: string[], where: string) => {
    for (const k of keys) assert.equal(typeof o[k], 'number', `${where}.${k}`);
  };
  const pass = (p: Record<string, any>, where: string) => {
    const keys = Object.keys(p.shape).sort();
    assert.deepEqual(
      keys.filter((k) => k !== 'batch'),
      ['attention', 'k', 'kvWrite', 'logits', 'q'],
      `${where}.shape`,
    );
    if (keys.includes('batch')) assert.ok(Number.isInteger(p.shape.batch) && p.shape.batch > 1, `${where}.shape.batch`);
    nums(p.cost.bytes, ['weights', 'kvRead', 'kvWrite', 'total'], `${where}.cost.bytes`);
    nums(p.cost.flops, ['linears', 'attention', 'lmHead', 'total'], `${where}.cost.flops`);
    nums(p, ['seconds', 'computeSeconds', 'memorySeconds'], where);
    nums(p.cost, ['bytesPerFlop'], `${where}.cost`);
    assert.ok(['memory', 'compute'].includes(p.bound), `${where}.bound`);
  };
  assert.deepEqual(Object.keys(j), ['schema', 'target', 'generation', 'price', 'experts', 'workedExample']);
  assert.equal(j.schema, CALC_SCHEMA);
  const t = j.target;
  assert.deepEqual(Object.keys(t), ['model', 'dtype', 'kvDtype', 'precision', 'hardware', 'efficiency', 'batch']);
  assert.deepEqual(Object.keys(t.model), ['key', 'name', 'shape', 'tiedEmbeddings', 'decoder', 'source', 'published']);
  assert.ok(Number.isInteger(t.batch) && t.batch >= 1, 'target.batch');
  if (t.model.published !== null) nums(t.model.published, ['total'], 'target.model.published');
  nums(t.model.shape, ['layers', 'd', 'heads', 'kvHeads', 'headDim', 'mlp', 'vocab'], 'target.model.shape');
  nums(t.precision, ['weightBytes', 'kvBytes'], 'target.precision');
  assert.deepEqual(Object.keys(t.hardware), ['key', 'name', 'peakFlops', 'bandwidth', 'peakColumn', 'peakNote']);
  nums(t.hardware, ['peakFlops', 'bandwidth'], 'target.hardware');
  nums(t.efficiency, ['compute', 'memory'], 'target.efficiency');
  assert.deepEqual(Object.keys(j.generation), [
    'tokens',
    'prompt',
    'speculative',
    'margin',
    'arTokensPerSecond',
    'arRoofline',
    'blockCache',
  ]);
  const p = j.price;
  assert.deepEqual(Object.keys(p), [
    'params',
    'weightBytes',
    'ridgeBytesPerFlop',
    'effectiveRidgeBytesPerFlop',
    'crossoverTokens',
    'batch',
    'ar',
    'diffusion',
    'breakEven',
    'moe',
    'computeBound',
    'block',
  ]);
  nums(p.params, ['perLayer', 'matmul', 'lmHead', 'embedding', 'total', 'active'], 'price.params');
  nums(p, ['weightBytes', 'ridgeBytesPerFlop', 'effectiveRidgeBytesPerFlop', 'crossoverTokens', 'batch'], 'price');
  assert.deepEqual(Object.keys(p.ar), [
    'prefill',
    'token',
    'schedule',
    'rooflineTokensPerSecond',
    'measured',
    'seconds',
    'tokensPerSecond',
    'timeSource',
  ]);
  if (p.ar.prefill !== null) pass(p.ar.prefill, 'price.ar.prefill');
  pass(p.ar.token, 'price.ar.token');
  nums(p.ar.token, ['meanK', 'decodePasses'], 'price.ar.token');
  nums(p.ar.schedule, ['passes', 'bytes', 'flops', 'seconds'], 'price.ar.schedule');
  nums(p.ar, ['rooflineTokensPerSecond', 'seconds', 'tokensPerSecond'], 'price.ar');
  assert.ok(['measured', 'roofline'].includes(p.ar.timeSource));
  if (p.ar.measured !== null) {
    assert.equal(typeof p.ar.measured.tokensPerSecond, 'number');
    assert.equal(typeof p.ar.measured.source, 'string');
  }
  pass(p.diffusion.pass, 'price.diffusion.pass');
  nums(p.diffusion, ['peakSeconds', 'passesPerSecond', 'passesPerSecondAtPeak'], 'price.diffusion');
  assert.equal(typeof p.breakEven.ar, 'number');
  nums(p.breakEven.speculative, ['factor', 'passes'], 'price.breakEven.speculative');
  nums(p.breakEven.margin, ['factor', 'passes'], 'price.breakEven.margin');
  if (p.moe !== null) {
    assert.deepEqual(Object.keys(p.moe), [
      'experts',
      'active',
      'shared',
      'layers',
      'imbalance',
      'arToken',
      'prefill',
      'diffusionPass',
    ]);
    nums(p.moe, ['experts', 'active', 'shared', 'layers', 'imbalance'], 'price.moe');
    for (const k of ['arToken', 'diffusionPass']) nums(p.moe[k], ['tokens', 'experts'], `price.moe.${k}`);
  }
  const cb = p.computeBound;
  assert.deepEqual(Object.keys(cb), ['batch', 'maxBatch', 'arToken', 'arSeconds', 'diffusionPass', 'breakEven']);
  nums(cb, ['maxBatch'], 'price.computeBound');
  if (cb.batch !== null) {
    nums(cb, ['batch', 'arSeconds', 'breakEven'], 'price.computeBound');
    pass(cb.arToken, 'price.computeBound.arToken');
    pass(cb.diffusionPass, 'price.computeBound.diffusionPass');
  }
  if (j.workedExample !== null) {
    for (const r of j.workedExample) {
      assert.deepEqual(Object.keys(r), ['quantity', 'unit', 'ours', 'article', 'why']);
      nums(r, ['ours', 'article'], 'workedExample[]');
    }
  }
}

test('calc --json: the documented schema, the engine’s numbers', async () => {
  const { code, text } = await calc(['--json']);
  assert.equal(code, 0);
  const j = JSON.parse(text);
  checkSchema(j);
  const t = await selectTarget();
  const p = priceGeneration(t, { tokens: 1024, prompt: 0, speculative: 3, margin: 3, arRoofline: false });
  assert.deepEqual(j.price, JSON.parse(JSON.stringify(p)));
  assert.equal(j.workedExample.length, 13);
  assert.equal(j.generation.arTokensPerSecond, null);
  // with a prompt, another model, roofline AR, no worked example
  const other = JSON.parse(
    (await calc(['--json', '--prompt', '32', '--tokens', '256', '--model', 'dream-7b', '--dtype', 'bf16'])).text,
  );
  checkSchema(other);
  assert.equal(other.workedExample, null);
  assert.equal(other.price.ar.timeSource, 'roofline');
  assert.equal(other.price.ar.prefill.shape.q, 32);
  assert.equal(other.price.diffusion.pass.shape.q, 288);
});

test('user shape flags: --model custom with every field equals the preset', async () => {
  const custom = JSON.parse(
    (
      await calc([
        '--json',
        '--ar-roofline',
        '--model',
        'custom',
        '--layers',
        '32',
        '--width',
        '4096',
        '--mlp',
        '14336',
        '--gated',
        '--heads',
        '32',
        '--kv-heads',
        '8',
        '--head-dim',
        '128',
        '--vocab',
        '128256',
      ])
    ).text,
  );
  const preset = JSON.parse((await calc(['--json', '--ar-roofline', '--model', 'llama-3.1-8b'])).text);
  assert.deepEqual(
    { ...custom.price, params: { ...custom.price.params, reference: null } },
    { ...preset.price, params: { ...preset.price.params, reference: null } },
  );
  const plain = JSON.parse((await calc(['--json', '--model', 'llama-3.1-8b', '--no-gated'])).text);
  assert.equal(plain.target.model.shape.gated, false);
});

test('bad usage: one line on stderr, exit 2, valid names listed', async () => {
  const cases: [string[], RegExp][] = [
    [['--hardware', 'h300'], new RegExp(hardwareKeys().join(', '))],
    [['--model', 'gpt-5'], new RegExp(`${modelKeys().join(', ')}, custom, or a \\.json file`)],
    [['--dtype', 'fp4'], /valid values are fp32, bf16, fp16, fp8, int8, int4/],
    [['--dtype', 'fp32'], /no fp32 peak for H200 SXM .*--peak-tflops/],
    [['--tokens', 'many'], /--tokens must be a number/],
    [['--tokens'], /--tokens needs a value/],
    [['--tokens', '0'], /--tokens must be a whole number from 1 to 131,072, got 0/],
    [['--tokens', '1e9'], /--tokens must be a whole number from 1 to 131,072/],
    [['--batch', '0'], /--batch must be a whole number of sequences from 1 to 65,536, got 0/],
    [['--batch', 'abc'], /--batch must be a number/],
    [['--batch', '1e9'], /--batch must be a whole number of sequences from 1 to 65,536, got 1000000000/],
    [['--batch', '2.5'], /--batch must be a whole number/],
    [['--batch'], /--batch needs a value/],
    [
      ['--model', 'mixtral-8x7b', '--active-experts', '9'],
      /active experts \(--active-experts\) must be an integer from 1 to the number of experts \(8\), got 9/,
    ],
    [['--model', 'mixtral-8x7b', '--moe-imbalance', '0.5'], /--moe-imbalance\) must be a number ≥ 1/],
    [['--moe-imbalance', '2'], /--moe-imbalance needs a mixture-of-experts model/],
    [['--model', 'llama-3.1-8b', '--experts', '8'], /a mixture of experts needs --active-experts, --expert-mlp/],
    [
      ['--model', 'qwen3-30b-a3b', '--dense-layers', '48'],
      /dense layers \(--dense-layers\) must be an integer from 0 to 47/,
    ],
    [['--compute-eff', '1.5'], /--compute-eff must be in \(0, 1\]/],
    [['--speculative', '0.5'], /--speculative must be a number ≥ 1/],
    [['--frobnicate'], /unknown flag --frobnicate/],
    [['--model', 'custom', '--layers', '2'], /needs --width/],
    [['--hardware', 'h200', '--hardware', 'b200'], /only be set once/],
    [['stray'], /no positional arguments/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(calcMain, argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, `one line for ${argv.join(' ')}: ${r.err}`);
    assert.ok(!/\n\s+at /.test(r.err));
  }
});

test('--help prints usage and exits 0', async () => {
  const r = await run(calcMain, ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /\$ dlm-watch calc/);
  assert.match(r.out, /--project-model/);
  const c = await run(calibrateMain, ['-h']);
  assert.equal(c.code, 0);
  assert.match(c.out, /\$ dlm-watch calibrate/);
});

test('calibrate --quick writes the local profile; calc --hardware local reads it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'dlm-calibrate-'));
  const saved = process.env.DLM_WATCH_HOME;
  process.env.DLM_WATCH_HOME = home;
  try {
    const r = await run(calibrateMain, ['--quick']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /tfjs backend (tensorflow|wasm|cpu)/);
    assert.match(r.out, /GFLOP\/s/);
    const p = readProfile();
    assert.ok(p.matmul.flopsPerSecond > 0 && p.memory.bytesPerSecond > 0);
    const j = JSON.parse((await calc(['--json', '--hardware', 'local', '--model', 'llama-3.1-8b'])).text);
    assert.equal(j.target.hardware.key, 'local');
    // local prices compute at the shipped model's own pass matmuls and memory at its whole one-token step
    assert.ok(p.passMatmul!.flopsPerSecond > 0 && p.decode!.stepBytesPerSecond! > 0);
    assert.equal(j.target.hardware.peakFlops, p.passMatmul!.flopsPerSecond);
    assert.equal(j.target.hardware.bandwidth, p.decode!.stepBytesPerSecond);
    assert.deepEqual(j.target.efficiency, { compute: 1, memory: 1 });
    const bad = await run(calibrateMain, ['--backend', 'gpu']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /valid values are tensorflow, wasm, cpu/);
  } finally {
    if (saved === undefined) delete process.env.DLM_WATCH_HOME;
    else process.env.DLM_WATCH_HOME = saved;
  }
});

test('one definition of bound: a pass between the raw and the attained ridge is compute-bound in every line', async () => {
  // 200 tokens: the diffusion pass's B/F (0.00249) is above bandwidth ÷ peak (0.00243) but below the ridge at
  // 70 % compute / 75 % memory (0.00260): its roofline time is compute time, so it is compute-bound everywhere
  const { text } = await calc(['--tokens', '200', '--derive']);
  const json = JSON.parse((await calc(['--tokens', '200', '--json'])).text) as {
    price: {
      ridgeBytesPerFlop: number;
      diffusion: {
        pass: { bound: string; computeSeconds: number; memorySeconds: number; cost: { bytesPerFlop: number } };
      };
    };
  };
  const pass = json.price.diffusion.pass;
  assert.ok(pass.cost.bytesPerFlop > json.price.ridgeBytesPerFlop, 'above the raw ridge');
  assert.equal(pass.bound, 'compute');
  assert.ok(pass.computeSeconds > pass.memorySeconds);
  assert.match(text, /\ndiffusion pass .*below: compute-bound/);
  assert.match(text, /diffusion +[\d.]+ passes\/s at the efficiencies, compute-bound/);
  assert.match(text, /verdict .*a diffusion pass compute-bound/);
  assert.ok(!/\ndiffusion pass .*memory-bound/.test(text));
});

test('docs/cost-model.md shows calc’s headline as calc prints it', async () => {
  const readme = readFileSync(new URL('../docs/cost-model.md', import.meta.url), 'utf8');
  const { text } = await calc([]);
  const head = text.split('\n\n').slice(0, 2).join('\n\n');
  assert.ok(readme.includes('```\n' + head + '\n```'), `README block differs from:\n${head}`);
});
