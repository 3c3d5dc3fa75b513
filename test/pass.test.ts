// The multi-row pass outside tfjs (src/engine/model/fast/pass.ts and its kernels, gemm.wat): the kernels against
// plain loops (the GEMM to the bit), the pass against GPT.forward (logits within 1e-4 on the fixture and the shipped
// model, every mask, a cache and keepKV), one thread against two (the same bits), the decoders' tokens on it against
// tfjs, and the pool's failures as one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { usePassEngine, type DecodeContext } from '../src/engine/decode/context.js';
import { diffusion } from '../src/engine/decode/diffusion.js';
import { blockDiffusion } from '../src/engine/decode/block.js';
import { autoregressive } from '../src/engine/decode/autoregressive.js';
import type { StepEvent } from '../src/engine/decode/events.js';
import { BLOCK_DEFAULTS } from '../src/engine/lanes.js';
import { gemmBytes, instantiateGemm, packPanels, sharedMemory } from '../src/engine/model/fast/gemm.js';
import { fastPass, fastPassFits, type FastPassOptions, type FlatKV } from '../src/engine/model/fast/pass.js';
import { CTL, OP, passLayout } from '../src/engine/model/fast/pass-layout.js';
import { share } from '../src/engine/model/fast/pass-stages.js';
import { meet, PassPool, PassThreadError } from '../src/engine/model/fast/pool.js';
import { exitCodeOf, messageOf } from '../src/engine/io/errors.js';
import { GPT, type Attention, type GPTConfig, type KVCache } from '../src/engine/model/model.js';
import { modelLine } from '../src/render/lines.js';
import { assembleKernels, watPath } from '../scripts/build-kernels.mjs';
import { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR, openModel } from '../src/engine/run.js';

await initBackend('wasm');

test('the committed gemm bytes are gemm.wat as wabt assembles it, byte for byte (npm run build:kernels)', async () => {
  const text = readFileSync(watPath('gemm'), 'utf8');
  const want = await assembleKernels(text);
  assert.ok(want.length > 1000, 'the .wat assembles to a module');
  assert.deepEqual(Buffer.from(gemmBytes()), Buffer.from(want));
  // and the check can fail: one changed constant is one changed byte
  const edited = await assembleKernels(text.replace('(f32.const 88.0)', '(f32.const 87.0)'));
  assert.notDeepEqual(Buffer.from(edited), Buffer.from(want));
});

const fr = Math.fround;

test('gemm: every output is the bias (+ Y), then each x·w added in k order in float32: a plain loop to the bit', () => {
  const mem = sharedMemory(64);
  const k = instantiateGemm(mem);
  const f = new Float32Array(mem.buffer);
  for (let i = 0; i < f.length; i++) f[i] = Math.sin(i * 0.37) + 0.1;
  for (const [rows, nIn, nOut, xStride, yStride, acc] of [
    [1, 1, 8, 1, 8, 0],
    [4, 3, 16, 5, 20, 1],
    [7, 37, 24, 40, 24, 0],
    [9, 64, 8, 64, 12, 1],
    [13, 5, 40, 9, 48, 1],
  ]) {
    const X = 0,
      W = 4096,
      B = 16384,
      Y = 20000;
    const w = Float32Array.from({ length: nIn * nOut }, (_, i) => Math.cos(i * 0.11));
    packPanels(w, nIn, nOut, f.subarray(W, W + nIn * nOut));
    const before = f.slice(Y, Y + rows * yStride + 8);
    k.gemm(X * 4, xStride * 4, W * 4, B * 4, Y * 4, yStride * 4, rows, nIn, nOut, acc);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < yStride; j++) {
        const got = f[Y + r * yStride + j];
        if (j >= nOut) {
          assert.equal(got, before[r * yStride + j], 'columns past nOut untouched');
          continue;
        }
        let s = acc ? fr(f[B + j] + before[r * yStride + j]) : f[B + j];
        for (let i = 0; i < nIn; i++) s = fr(s + fr(f[X + r * xStride + i] * w[i * nOut + j]));
        assert.equal(got, s, `${rows}×${nIn}×${nOut} acc ${acc}: row ${r} col ${j}`);
      }
    assert.equal(f[Y + rows * yStride], before[rows * yStride], 'the row after the last untouched');
  }
});

test('softmaxRows: softmax of each row’s first cnt entries, exact zeros beyond; gelu: x·σ(2u)', () => {
  const mem = sharedMemory(4);
  const k = instantiateGemm(mem);
  const f = new Float32Array(mem.buffer),
    ints = new Int32Array(mem.buffer);
  const n = 24,
    cnts = [1, 3, 4, 5, 17, 24];
  const S = 0,
    C = 4096;
  for (let i = 0; i < cnts.length * n; i++) f[S + i] = Math.sin(i * 1.7) * 30;
  ints.set(cnts, C);
  const rows = cnts.map((_, r) => Array.from(f.subarray(S + r * n, S + (r + 1) * n)));
  k.softmaxRows(S * 4, n * 4, cnts.length, C * 4, n);
  cnts.forEach((c, r) => {
    const mx = Math.max(...rows[r].slice(0, c));
    const e = rows[r].slice(0, c).map((x) => Math.exp(x - mx));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < n; j++) {
      const got = f[S + r * n + j];
      if (j >= c) assert.equal(got, 0, `row ${r} col ${j} masked`);
      else assert.ok(Math.abs(got - e[j] / sum) < 1e-6, `row ${r} col ${j}: ${got} vs ${e[j] / sum}`);
    }
  });
  const xs = Float32Array.from({ length: 64 }, (_, i) => (i - 32) * 0.4);
  xs[0] = -200; // e^(−2u) past the float range: still finite, → 0
  f.set(xs, 8192);
  k.gelu(8192 * 4, xs.length);
  const c = Math.sqrt(2 / Math.PI);
  xs.forEach((x, i) => {
    const want = 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3)));
    assert.ok(Math.abs(f[8192 + i] - want) < 1e-5 * (1 + Math.abs(want)), `gelu(${x}) = ${f[8192 + i]} vs ${want}`);
  });
});

test('layerNorm and rope: rows as ops.ts computes them (LayerNorm, rotate-half rotary positions, q × 1/√hd)', () => {
  const mem = sharedMemory(4);
  const k = instantiateGemm(mem);
  const f = new Float32Array(mem.buffer);
  const d = 24,
    rows = 3;
  for (let i = 0; i < 4096; i++) f[i] = Math.sin(i * 0.7) * 3 + 0.5;
  const X = 0,
    Y = 1024,
    G = 2048,
    B = 2100;
  const x = f.slice(X, X + rows * 32);
  k.layerNorm(X * 4, 32 * 4, Y * 4, d * 4, rows, d, G * 4, B * 4);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * 32, r * 32 + d));
    const mu = row.reduce((a, b) => a + b, 0) / d;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / d;
    row.forEach((xi, i) => {
      const want = ((xi - mu) / Math.sqrt(v + 1e-5)) * f[G + i] + f[B + i];
      assert.ok(Math.abs(f[Y + r * d + i] - want) < 1e-5 * (1 + Math.abs(want)), `layerNorm row ${r} col ${i}`);
    });
  }
  // one row of 3 heads of hd 8 for q, 3 for k, then v (untouched), at the angles cs, sn
  const hd = 8,
    half = 4,
    cols = 2 * 3 * hd,
    scale = Math.fround(1 / Math.sqrt(hd));
  const P = 3000,
    CS = 2500,
    SN = 2600;
  const before = f.slice(P, P + cols + 3 * hd);
  k.rope(P * 4, cols, hd, CS * 4, SN * 4, scale, 3 * hd);
  for (let c0 = 0; c0 < cols; c0 += hd)
    for (let i = 0; i < half; i++) {
      const x1 = before[c0 + i],
        x2 = before[c0 + i + half],
        s = c0 < 3 * hd ? scale : 1;
      const want1 = (x1 * f[CS + i] - x2 * f[SN + i]) * s,
        want2 = (x2 * f[CS + i] + x1 * f[SN + i]) * s;
      assert.ok(
        Math.abs(f[P + c0 + i] - want1) < 1e-5 && Math.abs(f[P + c0 + i + half] - want2) < 1e-5,
        `rope col ${c0 + i}`,
      );
    }
  assert.deepEqual(f.slice(P + cols, P + cols + 3 * hd), before.slice(cols), 'the values are not rotated');
});

test('share: threads split the rows into whole 4-row tiles that cover every row once', () => {
  for (const n of [0, 1, 3, 4, 37, 264])
    for (const T of [1, 2, 3]) {
      let next = 0;
      for (let t = 0; t < T; t++) {
        const [a, b] = share(n, t, T);
        assert.equal(a, next);
        assert.ok(b >= a && (b === n || b % 4 === 0));
        next = b;
      }
      assert.equal(next, n);
    }
});

/** GPT.forward on tfjs, batch 1: logits [rows·V] and keys/values per layer. */
function reference(m: GPT, ids: number[], o: FastPassOptions): { logits: Float32Array; kv?: FlatKV } {
  const past: KVCache | undefined = o.past && {
    k: o.past.k.map((a) => tf.tensor3d(a, [1, a.length / m.config.d, m.config.d])),
    v: o.past.v.map((a) => tf.tensor3d(a, [1, a.length / m.config.d, m.config.d])),
    positions: o.past.positions,
  };
  const r = m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { ...o, past });
  const out = {
    logits: r.logits.dataSync() as Float32Array,
    kv: r.kv && {
      k: r.kv.k.map((t) => t.dataSync() as Float32Array),
      v: r.kv.v.map((t) => t.dataSync() as Float32Array),
      positions: r.kv.positions,
    },
  };
  tf.dispose([r.logits, ...(r.kv ? [...r.kv.k, ...r.kv.v] : []), ...(past ? [...past.k, ...past.v] : [])]);
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array, skip = (_: number) => false): number {
  assert.equal(a.length, b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) if (!skip(i)) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

/** Passes of every kind: full canvases under the three masks, and cached passes (a prefix cache, a dual cache with a
 *  suffix, a block after its committed prefix) with keepKV and logits at some rows. */
function passes(c: GPTConfig, rows: number): { ids: number[]; o: FastPassOptions; past?: [number[], number[]] }[] {
  const tok = (i: number) => (i * 37 + 11) % (c.vocab - 1);
  const ids = Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? c.maskId : tok(i)));
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const h = Math.floor(rows / 2);
  return [
    { ids, o: { attention: 'bidirectional' } },
    { ids, o: { attention: 'causal', keepKV: true } },
    { ids, o: { attention: { causalBelow: h }, logitRows: [0, h, rows - 1] } },
    // past computed by a first pass over its positions' tokens
    {
      ids: ids.slice(h),
      o: { attention: 'bidirectional', positions: range(h, rows), keepKV: true },
      past: [ids.slice(0, h), range(0, h)],
    },
    {
      ids: ids.slice(h, h + 5),
      o: { attention: 'bidirectional', positions: range(h, h + 5), logitRows: [1, 4] },
      past: [
        [...ids.slice(0, h), ...ids.slice(h + 5)],
        [...range(0, h), ...range(h + 5, rows)],
      ],
    },
    {
      ids: ids.slice(h),
      o: { attention: { causalBelow: h + 3 }, positions: range(h, rows), keepKV: true, logitRows: [2, 3, 4] },
      past: [ids.slice(0, h), range(0, h)],
    },
    {
      ids: ids.slice(h, h + 1),
      o: { attention: 'causal', positions: [h], keepKV: true },
      past: [ids.slice(0, h), range(0, h)],
    },
  ];
}

/** The pass's cache: keys/values that GPT.forward made for these tokens at these positions (causal, as a prefix). */
function pastOf(m: GPT, [ids, positions]: [number[], number[]]): FlatKV {
  return reference(m, ids, { attention: 'causal', positions, keepKV: true }).kv!;
}

for (const [name, dir, rows] of [
  ['fixture', FIXTURE_MODEL_DIR, 37],
  ['shipped', DEFAULT_MODEL_DIR, 90],
] as const)
  test(
    `the ${name} model: logits within 1e-4 of GPT.forward for every mask, cache and logit rows; 1 and 2 threads the same bits`,
    { skip: !existsSync(join(dir, 'model.json')) },
    async () => {
      const { ctx } = await openModel(dir, 'wasm');
      const m = ctx.model;
      const { vocab: V, maskId } = m.config;
      assert.ok(fastPassFits(m.config));
      const fp = fastPass(m)!;
      assert.equal(await fp.startThreads(2), 2);
      for (const p of passes(m.config, rows)) {
        const o = { ...p.o, past: p.past && pastOf(m, p.past) };
        const want = reference(m, p.ids, o);
        const one = fp.run(p.ids, { ...o, threads: 1 })!;
        const two = fp.run(p.ids, { ...o, threads: 2 })!;
        const what = JSON.stringify(p.o);
        const err = maxDiff(one.logits, want.logits, (i) => i % V === maskId);
        assert.ok(err < 1e-4, `${what}: max |Δlogit| ${err}`);
        for (let r = 0; r < one.logits.length / V; r++)
          assert.ok(one.logits[r * V + maskId] < -1e8, '[MASK] never predicted');
        assert.deepEqual(
          Buffer.from(two.logits.buffer),
          Buffer.from(one.logits.buffer),
          `${what}: 2 threads, other bits`,
        );
        assert.equal(!!one.kv, !!o.keepKV);
        if (one.kv) {
          assert.deepEqual(one.kv.positions, want.kv!.positions);
          one.kv.k.forEach((k, l) => assert.ok(maxDiff(k, want.kv!.k[l]) < 1e-4, `${what}: keys of layer ${l}`));
          one.kv.v.forEach((v, l) => assert.ok(maxDiff(v, want.kv!.v[l]) < 1e-4, `${what}: values of layer ${l}`));
          two.kv!.k.forEach((k, l) => assert.deepEqual(Buffer.from(k.buffer), Buffer.from(one.kv!.k[l].buffer)));
          two.kv!.v.forEach((v, l) => assert.deepEqual(Buffer.from(v.buffer), Buffer.from(one.kv!.v[l].buffer)));
        }
      }
      // keys out of order under a mask, or more keys than the context: not for the kernels (the caller runs tfjs)
      assert.equal(
        fp.run([1, 2], { attention: 'causal', positions: [5, 6], past: { k: [], v: [], positions: [4, 2] } }),
        null,
      );
      assert.equal(fp.run(Array(m.config.context + 1).fill(1), { attention: 'bidirectional' }), null);
      fp.dispose();
      assert.equal(fp.threads, 1, 'dispose stops the threads');
      m.dispose();
    },
  );

async function collect(g: AsyncGenerator<StepEvent>): Promise<StepEvent[]> {
  const out: StepEvent[] = [];
  for await (const e of g) out.push(e);
  return out;
}
const tokens = (ev: StepEvent[]) => ev.map((e) => e.committed.map((j) => e.positions[j].token));

test(
  'the shipped model decodes the same greedy tokens on the fast pass (1 and 2 threads) as on tfjs: diffusion, block, AR',
  { skip: !existsSync(join(DEFAULT_MODEL_DIR, 'model.json')) },
  async () => {
    const { ctx } = await openModel(DEFAULT_MODEL_DIR, 'wasm');
    const cfg: DecodeConfig = {
      ...DEFAULT_DECODE,
      prompt: 'It is a truth universally acknowledged',
      length: 32,
      temperature: 0,
      lanes: { diffusion: { steps: 16, block: 16 } },
    };
    const lanes: [string, (c: DecodeContext) => AsyncGenerator<StepEvent>][] = [
      ['diffusion', (c) => diffusion(c, cfg)],
      ['block', (c) => blockDiffusion(c, cfg, BLOCK_DEFAULTS)],
      ['ar', (c) => autoregressive(c, { ...cfg, length: 8 })],
    ];
    const fp = fastPass(ctx.model)!;
    for (const [lane, run] of lanes) {
      usePassEngine('tfjs');
      const slow = await collect(run(ctx));
      usePassEngine('fast');
      await fp.startThreads(1);
      const one = await collect(run(ctx));
      await fp.startThreads(2);
      const two = await collect(run(ctx));
      assert.deepEqual(tokens(one), tokens(slow), `${lane}: fast vs tfjs`);
      assert.deepEqual(tokens(two), tokens(one), `${lane}: 2 threads vs 1`);
      // the same logits: the confidences agree to rounding with tfjs and to the bit across threads
      one.forEach((e, i) =>
        e.committed.forEach((j, c) => {
          assert.ok(Math.abs(e.positions[j].confidence! - slow[i].positions[slow[i].committed[c]].confidence!) < 1e-4);
          assert.equal(two[i].positions[j].confidence, e.positions[j].confidence);
        }),
      );
    }
    fp.dispose();
    ctx.model.dispose();
  },
);

test('a failing pass thread: the main thread throws its one line (exit code 1), and the pool closes', async () => {
  const config: GPTConfig = { ...GPT_TINY };
  const layout = passLayout(config, 2);
  const memory = sharedMemory(Math.ceil(layout.bytes / 65536));
  const ctl = new Int32Array(memory.buffer, 0, 16);
  // the worker's layout puts a weight past the end of the memory: its first product traps (out of bounds)
  const past = memory.buffer.byteLength + 4096;
  const pool = new PassPool(memory, { ...layout, layer: layout.layer.map((l) => ({ ...l, wqkv: past })) }, 2);
  await pool.ready;
  ctl[CTL.rows] = 8;
  ctl[CTL.past] = 0;
  ctl[CTL.logitRows] = 0;
  pool.start(OP.PASS, 2);
  let err: unknown;
  try {
    pool.join(2, () => {
      for (let i = 0; i < 2 * config.layers + 2; i++) meet(ctl, 2);
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof PassThreadError, String(err));
  assert.match(messageOf(err), /out of bounds/);
  assert.doesNotMatch(messageOf(err), /\n/);
  assert.equal(exitCodeOf(err), 1);
  assert.equal(pool.isOpen, false);
});

const GPT_TINY: GPTConfig = {
  vocab: 64,
  context: 32,
  d: 32,
  layers: 2,
  heads: 2,
  mlp: 64,
  maskId: 63,
  positions: 'rope',
  ropeBase: 10000,
};

test('createRun: threads as asked (1 forces one), in the run info and the model line; a bad DLM_WATCH_THREADS is one line', async () => {
  const { createRun } = await import('../src/engine/run.js');
  const cfg = { ...DEFAULT_DECODE, prompt: 'It is', length: 8 };
  for (const threads of [1, 2]) {
    const r = await createRun(cfg, { modelDir: FIXTURE_MODEL_DIR, lanes: ['diffusion'], threads });
    assert.equal(r.info.threads, threads);
    assert.match(modelLine(r.info), new RegExp(`· threads ${threads}$`));
    await collect(r.stream('diffusion'));
    r.dispose();
  }
  const was = process.env.DLM_WATCH_THREADS;
  process.env.DLM_WATCH_THREADS = 'two';
  try {
    await assert.rejects(createRun(cfg, { modelDir: FIXTURE_MODEL_DIR }), (e: Error) => {
      assert.equal(messageOf(e), 'DLM_WATCH_THREADS must be a whole number of threads, got two');
      assert.equal(exitCodeOf(e), 2);
      return true;
    });
  } finally {
    if (was === undefined) delete process.env.DLM_WATCH_THREADS;
    else process.env.DLM_WATCH_THREADS = was;
  }
});

test('a model whose widths are not multiples of 8, or too big for the memory, does not fit the kernels (its passes run on tfjs)', () => {
  assert.equal(fastPassFits({ ...GPT_TINY, mlp: 60 }), false);
  assert.equal(fastPassFits({ ...GPT_TINY, d: 36, heads: 3 }), false);
  assert.equal(fastPassFits(GPT_TINY), true);
  // more than the kernels' memory holds (1 GiB): a vocabulary of 2²⁰ at width 256 is 2 GiB of embedding and head
  assert.equal(fastPassFits({ ...GPT_TINY, vocab: 1 << 20, d: 256, heads: 4, mlp: 256 }), false);
  const m = GPT.init({ ...GPT_TINY, mlp: 60 });
  assert.equal(fastPass(m), null);
  m.dispose();
});

test('the pass on a model of random weights whose cache is empty and attention one-headed', () => {
  const m = GPT.init({ ...GPT_TINY, heads: 1 }, 4);
  const ids = [3, 1, 4, 1, 5, 9, 2, 6, 5];
  for (const attention of ['causal', 'bidirectional', { causalBelow: 4 }] as Attention[]) {
    const want = reference(m, ids, { attention });
    const got = fastPass(m)!.run(ids, { attention })!;
    assert.ok(maxDiff(got.logits, want.logits, (i) => i % GPT_TINY.vocab === GPT_TINY.maskId) < 1e-5);
  }
  m.dispose();
});

test('pass threads never keep the process alive: a script that starts them and never stops them exits', () => {
  const script = [
    "import { initBackend } from './src/engine/model/backend.js';",
    "import { GPT } from './src/engine/model/model.js';",
    "import { fastPass } from './src/engine/model/fast/pass.js';",
    "await initBackend('wasm');",
    `const m = GPT.init(${JSON.stringify(GPT_TINY)});`,
    'const n = await fastPass(m).startThreads(2);',
    "fastPass(m).run([1, 2, 3], { attention: 'causal', threads: 2 });",
    'console.log(n);',
  ].join('\n');
  // a process kept alive would never exit: the timeout turns that into a failure (it does not wait when all is well)
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(out.trim(), '2');
});

test('a past passed again is not copied again, and is copied again after a pass that overwrote its rows', () => {
  const m = GPT.init(GPT_TINY, 6);
  const fp = fastPass(m)!;
  const P = pastOf(m, [
    [5, 6, 7, 8, 9],
    [0, 1, 2, 3, 4],
  ]);
  const Q = pastOf(m, [
    [1, 1, 2],
    [0, 1, 2],
  ]);
  const o = { attention: 'bidirectional' as const, positions: [5, 6, 7], past: P };
  const first = fp.run([10, 11, 12], o)!.logits;
  const again = () => assert.deepEqual(Buffer.from(fp.run([10, 11, 12], o)!.logits.buffer), Buffer.from(first.buffer));
  again(); // in place
  fp.run([20, 21, 22, 23, 24, 25, 26], { attention: 'causal' }); // rows 0..6 overwritten
  again();
  fp.run([1, 2], { attention: 'causal', positions: [3, 4], past: Q }); // rows 0..2 another past's
  again();
  // and the bits are the reference's to rounding
  const want = reference(m, [10, 11, 12], o).logits;
  assert.ok(maxDiff(first, want, (i) => i % GPT_TINY.vocab === GPT_TINY.maskId) < 1e-5);
  m.dispose();
});

test('stopPassThreads never lays a pass out (an error path may reach it before any was opened)', async () => {
  const { openedFastPass, stopPassThreads } = await import('../src/engine/model/fast/pass.js');
  const m = GPT.init(GPT_TINY, 9);
  stopPassThreads(m);
  assert.equal(openedFastPass(m), null);
  m.dispose();
});
