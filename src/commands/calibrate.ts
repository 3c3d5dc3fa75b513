// `dlm-watch calibrate`: measure what the running tfjs backend achieves on this machine (matmul FLOP/s and
// elementwise-add bandwidth, the model's one-token step and full-sequence passes), save it as the `local` hardware
// profile, and print it. About 12 s.
//
// Timing: the three backends dlm-watch uses (tensorflow, wasm, cpu) run each kernel synchronously on the calling
// thread, so the time around an op call is the op's time; no read-back (which would add a copy) is timed.
// These are achieved figures, not datasheet peaks: `--hardware local` uses them at efficiency 1.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, initBackend, type BackendName } from '../engine/model/backend.js';
import { DEFAULT_DECODE, UsageError } from '../engine/config.js';
import { DIFFUSION_DEFAULTS } from '../engine/lanes.js';
import { chooseOnTensors } from '../engine/decode/choose.js';
import { pick, rng, softmax } from '../engine/decode/sample.js';
import { measureDecodeRates, measureStepRate, type DecodeShape } from '../engine/model/fast/measure.js';
import { checkProfileWritable, writeProfile, type LocalProfile } from '../engine/price/hardware.js';
import { GPT, modelShape } from '../engine/model/model.js';
import { FP32 } from '../engine/model/fast/decoder.js';
import { passCost } from '../engine/price/cost.js';
import { fitLine, forwardKernels } from '../engine/price/overhead.js';
import { safeJson, visible } from '../engine/io/sanitize.js';
import { readJsonFile } from '../engine/io/read-file.js';
import { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR } from '../engine/run.js';
import { formatBytes, formatSeconds, formatSI } from '../render/format.js';
import { parseArgs } from './args.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';
import { progress } from './progress.js';

const help = `
  Usage
    $ dlm-watch calibrate [flags]

  Measures this machine through tfjs: matmul FLOP/s (n×n fp32 matmuls, n up to 1024, after a warm-up) and memory
  bandwidth (a large elementwise add: bytes read and written / time), and one token's weight products on the shipped
  model's shapes with the AR step's own kernels and its token choice (the bandwidth --hardware local uses), the whole
  264-row pass on the fast multi-row path with the threads a run takes (the FLOP/s it uses), and the model's tfjs
  passes at 16, 72 and 264 rows: the time beyond their matmuls (per kernel and per row, for one-row passes) and
  the diffusion token choice (per pass and per logit), which it adds to a pass's roofline time. Saves the profile to
  $DLM_WATCH_HOME/local.json (default ~/.dlm-watch/local.json); then --hardware local projects onto this machine.

  Flags
    --backend NAME   ${BACKENDS.join(', ')} (default: the fastest available)
    --quick          small sizes, a fraction of a second (a smoke test, not a measurement)
    --no-save        measure and print only
    --json           print the profile as JSON
${EXIT_CODES_HELP}
`;

const flags = {
  backend: { type: 'string' },
  quick: { type: 'boolean', default: false },
  save: { type: 'boolean', default: true },
  json: { type: 'boolean', default: false },
} as const;

/** Run op reps times after warm-up; returns seconds for reps runs (op must dispose what it makes). */
function timeOp(op: () => void, budgetSeconds: number, minReps = 3, maxReps = 200): { reps: number; seconds: number } {
  op(); // warm-up: kernel compile / first-touch allocation
  let reps = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (reps < maxReps && (reps < minReps || elapsed < budgetSeconds)) {
    op();
    reps++;
    elapsed = (performance.now() - t0) / 1000;
  }
  return { reps, seconds: elapsed };
}

/** Matmul FLOP/s: 2·n³ FLOPs per n×n by n×n product; the largest n ≤ maxN whose product takes ≤ budget/5. */
export function measureMatmul(maxN: number, budgetSeconds: number): LocalProfile['matmul'] {
  const probe = (n: number) => {
    const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
    const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
    const run = timeOp(() => tf.matMul(a, b).dispose(), budgetSeconds / 10, 1, 3);
    a.dispose();
    b.dispose();
    return (2 * n ** 3 * run.reps) / run.seconds;
  };
  // a slow backend (pure-JS cpu) gets a smaller n so the whole run stays within its budget
  const rough = probe(Math.min(128, maxN));
  const fit = Math.cbrt((rough * budgetSeconds) / 5 / 2);
  const n = Math.max(64, Math.min(maxN, Math.floor(fit / 64) * 64));
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 3);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 4);
  const { reps, seconds } = timeOp(() => tf.matMul(a, b).dispose(), budgetSeconds);
  a.dispose();
  b.dispose();
  return { n, reps, seconds, flopsPerSecond: (2 * n ** 3 * reps) / seconds };
}

/** A full-sequence pass's matmuls on shape s at T rows: each layer's qkv, out, MLP up and down (fused bias) and per head
 *  q·kᵀ and p·v, then the tied head; FLOPs = Σ 2·T·in·out + layers·heads·4·T²·hd over the median time of them all. */
export function measurePassMatmul(
  s: DecodeShape,
  T: number,
  budgetSeconds: number,
): NonNullable<LocalProfile['passMatmul']> {
  const mm = passMatmuls(s, T);
  mm.run(); // warm-up: packs each weight once, as the model's transposes are cached
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < 3 || ((performance.now() - t0) / 1000 < budgetSeconds && times.length < 1000)) {
    const t = performance.now();
    mm.run();
    times.push(performance.now() - t);
  }
  mm.dispose();
  return { rows: T, flops: mm.flops, reps: times.length, flopsPerSecond: mm.flops / (median(times) / 1000) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A whole full-sequence pass as the lanes run it, on the fast path (model/fast/pass.ts) over the threads a run would
 *  take, at T rows of random weights of shape s, bidirectional, logits at one block's rows; FLOP/s = the cost model's
 *  FLOPs of that pass (price/cost.ts passCost) / its median time. Null where the fast pass cannot run the shape. */
export async function measureFastPass(
  s: DecodeShape,
  T: number,
  budgetSeconds: number,
): Promise<NonNullable<LocalProfile['passMatmul']> | null> {
  const { fastPass, fastPassFits, startPassThreads, stopPassThreads } = await import('../engine/model/fast/pass.js');
  const m = GPT.init({ ...s, maskId: s.vocab - 1, positions: 'rope', ropeBase: 10000 }, 13);
  try {
    if (!fastPassFits(m.config)) return null;
    const threads = await startPassThreads(m);
    const fp = fastPass(m)!;
    const ids = Array.from({ length: T }, (_, i) => (i * 7919) % (s.vocab - 1));
    const logitRows = ids.slice(0, Math.min(T, DIFFUSION_DEFAULTS.block)).map((_, i) => i);
    const run = () => fp.run(ids, { attention: 'bidirectional', logitRows });
    run(); // warm-up: tier-up, the threads' first touch of their scratch
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length < 3 || ((performance.now() - t0) / 1000 < budgetSeconds && times.length < 1000)) {
      const t = performance.now();
      run();
      times.push(performance.now() - t);
    }
    const shape = { q: T, k: 0, logits: logitRows.length, kvWrite: T, attention: 'bidirectional' as const };
    const flops = passCost(modelShape(m.config), FP32, shape).flops.total;
    return { rows: T, flops, reps: times.length, flopsPerSecond: flops / (median(times) / 1000), threads };
  } finally {
    stopPassThreads(m);
    m.dispose();
  }
}

/** The matmuls of one full-sequence pass at T rows on random operands (measurePassMatmul's definition), to run. */
function passMatmuls(s: DecodeShape, T: number): { run(): void; flops: number; dispose(): void } {
  const hd = s.d / s.heads;
  const mats: [number, number][] = [];
  for (let l = 0; l < s.layers; l++) mats.push([s.d, 3 * s.d], [s.d, s.d], [s.d, s.mlp], [s.mlp, s.d]);
  mats.push([s.d, s.vocab]);
  const ws = mats.map(([i, o], j) => ({
    x: tf.randomUniform([T, i], -1, 1, 'float32', j),
    w: tf.randomUniform([i, o], -0.1, 0.1, 'float32', 100 + j),
    b: tf.zeros([o]),
  }));
  const q = tf.randomUniform([T, hd]),
    kt = tf.randomUniform([hd, T]),
    p = tf.randomUniform([T, T]),
    v = tf.randomUniform([T, hd]);
  return {
    flops: mats.reduce((a, [i, o]) => a + 2 * T * i * o, 0) + s.layers * s.heads * 4 * T * T * hd,
    run() {
      for (const m of ws) tf.fused.matMul({ a: m.x as tf.Tensor2D, b: m.w as tf.Tensor2D, bias: m.b }).dispose();
      for (let i = 0; i < s.layers * s.heads; i++) {
        tf.matMul(q, kt).dispose();
        tf.matMul(p, v).dispose();
      }
    },
    dispose: () => tf.dispose([...ws.flatMap((m) => [m.x, m.w, m.b]), q, kt, p, v]),
  };
}

/** Rows the pass figures are measured at: fixed, so that a profile does not depend on the decode flags (16 and 72: short
 *  passes; 264: 256 tokens after an 8-token prompt, the default run's pass); the compute rate is taken at the last. */
export const PASS_ROWS = [16, 72, 264] as const;

/**
 * What a forward pass costs beyond its matmuls, and what the diffusion lane's token choice costs, on shape s with
 * random weights: at each row count T, the model's real bidirectional forward pass (logits at every row) and the same
 * pass's matmuls alone, interleaved; the median of their difference against T is fitted as a + b·T, a spread over the
 * pass's kernels (overhead.ts forwardKernels) and b per row. The choice (decode/choose.ts, at the sampling defaults) is
 * timed on random logits at T − 8 rows and fitted the same way: a per pass, b per row over V logits.
 */
export function measurePassOverhead(
  s: DecodeShape,
  rows: readonly number[],
  budgetSeconds: number,
): NonNullable<LocalProfile['overhead']> {
  const m = GPT.init({ ...s, maskId: s.vocab - 1, positions: 'rope', ropeBase: 10000 }, 12);
  const shape = modelShape(m.config);
  const rule = {
    temperature: DEFAULT_DECODE.temperature,
    topK: DEFAULT_DECODE.topK,
    strategy: DIFFUSION_DEFAULTS.strategy,
  };
  const cases = rows.map((T) => {
    const ids = Array.from({ length: T }, (_, i) => (i * 7919) % (s.vocab - 1));
    const n = Math.max(1, T - 8);
    const logits = tf.tidy(() =>
      tf.concat([tf.randomNormal([n, s.vocab - 1], 0, 3, 'float32', T), tf.fill([n, 1], -1e9)], 1),
    ) as tf.Tensor2D;
    return {
      T,
      n,
      logits,
      mm: passMatmuls(s, T),
      rest: [] as number[],
      choice: [] as number[],
      // kernels run as they are called on these backends (see the header): no read-back, which the choice term prices
      forward: () =>
        tf.tidy(() => {
          m.forward(tf.tensor2d([ids], [1, T], 'int32'), {
            attention: 'bidirectional',
            logitRows: ids.map((_, i) => i),
          });
        }),
    };
  });
  const time = (f: () => void) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  try {
    for (const c of cases) {
      c.forward();
      c.mm.run();
      chooseOnTensors(c.logits, rule, rng(1));
    } // warm-up: transposes, packing, tier-up
    let reps = 0;
    const t0 = performance.now();
    while (reps < 3 || ((performance.now() - t0) / 1000 < budgetSeconds && reps < 200)) {
      // interleaved, so a busy moment hits the pass and its matmuls alike
      for (const c of cases) {
        c.rest.push(time(c.forward) - time(c.mm.run));
        c.choice.push(time(() => chooseOnTensors(c.logits, rule, rng(reps))));
      }
      reps++;
    }
    const rest = fitLine(
      cases.map((c) => c.T),
      cases.map((c) => median(c.rest) / 1000),
    );
    const choice = fitLine(
      cases.map((c) => c.n),
      cases.map((c) => median(c.choice) / 1000),
    );
    const kernels = forwardKernels(shape, {
      q: rows[0],
      k: 0,
      logits: rows[0],
      kvWrite: 0,
      attention: 'bidirectional',
    });
    return {
      secondsPerKernel: Math.max(0, rest.a) / kernels,
      secondsPerRow: Math.max(0, rest.b),
      choiceSecondsPerPass: Math.max(0, choice.a),
      choiceSecondsPerLogit: Math.max(0, choice.b) / s.vocab,
      rows: [...rows],
      reps,
    };
  } finally {
    for (const c of cases) {
      c.mm.dispose();
      c.logits.dispose();
    }
    m.dispose();
  }
}

/** Bandwidth: an add of two fp32 arrays reads 2·4·n bytes and writes 4·n: 12·n bytes per rep. */
export function measureBandwidth(elements: number, budgetSeconds: number): LocalProfile['memory'] {
  const a = tf.fill([elements], 1.5, 'float32');
  const b = tf.fill([elements], 2.5, 'float32');
  const { reps, seconds } = timeOp(() => tf.add(a, b).dispose(), budgetSeconds);
  a.dispose();
  b.dispose();
  return { elements, reps, seconds, bytesPerSecond: (12 * elements * reps) / seconds };
}

export async function calibrate(o: {
  backend?: BackendName;
  quick: boolean;
  onStage?: (what: string) => void;
}): Promise<LocalProfile> {
  const stage = o.onStage ?? (() => {});
  const backend = await initBackend(o.backend);
  stage('matmul FLOP/s (1/4)');
  const matmul = measureMatmul(o.quick ? 128 : 1024, o.quick ? 0.1 : 2.5);
  // 16M fp32 = 64 MB per array, far beyond any cache
  stage('memory bandwidth (2/4)');
  const memory = measureBandwidth(o.quick ? 1 << 18 : 1 << 24, o.quick ? 0.1 : 2);
  const shape = shippedShape();
  const stepRand = rng(7);
  // the AR step as it runs: half the default length cached
  stage('the one-token AR step (3/4)');
  const decode = {
    ...measureDecodeRates(shape, o.quick ? 0.05 : 1),
    // with the token choice the AR lane makes of each step's logits (decode/autoregressive.ts): pick and its softmax
    ...measureStepRate(shape, o.quick ? 4 : DEFAULT_DECODE.length / 2, o.quick ? 0.05 : 1, (row) => {
      const token = pick(row, DEFAULT_DECODE.temperature, DEFAULT_DECODE.topK, stepRand);
      void softmax(row)[token];
    }),
  };
  // a diffusion pass's rows: the rows a pass really multiplies
  stage('full-sequence passes (4/4)');
  // the lanes' passes of many rows run on the fast path where it fits the shape: their rate is that path's
  const passRows = o.quick ? 16 : PASS_ROWS[PASS_ROWS.length - 1];
  const passMatmul =
    (await measureFastPass(shape, passRows, o.quick ? 0.05 : 1.5)) ??
    measurePassMatmul(shape, passRows, o.quick ? 0.05 : 1.5);
  const overhead = measurePassOverhead(shape, o.quick ? [8, 16] : PASS_ROWS, o.quick ? 0.05 : 3);
  return {
    version: 1,
    backend,
    host: cpus()[0]?.model?.trim() ?? 'unknown',
    measuredAt: new Date().toISOString(),
    matmul,
    memory,
    decode,
    passMatmul,
    overhead,
  };
}

/** The shipped model's one-token shape (the test fixture's when no weights are shipped). */
function shippedShape(): DecodeShape {
  const dir = existsSync(join(DEFAULT_MODEL_DIR, 'model.json')) ? DEFAULT_MODEL_DIR : FIXTURE_MODEL_DIR;
  // through the one JSON reader (size, depth and file-kind checks), like every other JSON input
  const c = (readJsonFile(join(dir, 'model.json'), 'model file') as { config: DecodeShape }).config;
  return { d: c.d, mlp: c.mlp, vocab: c.vocab, layers: c.layers, heads: c.heads, context: c.context };
}

export function calibrateText(p: LocalProfile, savedTo: string | null): string {
  const mm = p.matmul;
  const mem = p.memory;
  return (
    [
      `dlm-watch calibrate: tfjs backend ${p.backend} on ${p.host}`,
      `  matmul     ${mm.n}×${mm.n} fp32, ${mm.reps} reps in ${mm.seconds.toFixed(2)} s: ${formatSI(mm.flopsPerSecond, 'FLOP/s')}   (2·n³ FLOPs each)`,
      `  bandwidth  add of 2 × ${formatSI(mem.elements, '')} fp32 (${formatBytes(12 * mem.elements)} moved each), ${mem.reps} reps in ${mem.seconds.toFixed(2)} s: ${formatSI(mem.bytesPerSecond, 'B/s')}`,
      ...(p.decode
        ? [
            `  one token  ${p.decode.shapes} fp32 (${formatBytes(p.decode.weightBytes)}), ${p.decode.reps} reps: ${formatSI(p.decode.matvecBytesPerSecond, 'B/s')} through the products, ${formatSI(p.decode.streamBytesPerSecond, 'B/s')} streamed`,
            ...(p.decode.stepBytesPerSecond
              ? [
                  `  AR step    the whole one-token step and its token choice at ${p.decode.cached} cached: ${formatSI(p.decode.stepBytesPerSecond, 'B/s')}; --hardware local prices memory-bound passes at this`,
                ]
              : []),
          ]
        : []),
      ...(p.passMatmul
        ? [
            `  pass       ${p.passMatmul.threads ? `the shipped shape's whole pass on the fast path (${p.passMatmul.threads} thread${p.passMatmul.threads > 1 ? 's' : ''})` : "the shipped model's matmuls"} at ${p.passMatmul.rows} rows, ${p.passMatmul.reps} reps: ${formatSI(p.passMatmul.flopsPerSecond, 'FLOP/s')}; --hardware local prices compute-bound passes at this`,
          ]
        : []),
      ...(p.overhead
        ? [
            `  overhead   a forward pass beyond its matmuls at ${p.overhead.rows.join('/')} rows, ${p.overhead.reps} reps: ${formatSeconds(p.overhead.secondsPerKernel)} per kernel + ${formatSeconds(p.overhead.secondsPerRow)} per row`,
            `  choice     diffusion token choice on tensors: ${formatSeconds(p.overhead.choiceSecondsPerPass)} per pass + ${formatSeconds(p.overhead.choiceSecondsPerLogit)} per logit; --hardware local adds both to a pass's roofline time`,
          ]
        : []),
      `  ridge      ${((p.decode?.stepBytesPerSecond ?? p.decode?.matvecBytesPerSecond ?? mem.bytesPerSecond) / (p.passMatmul?.flopsPerSecond ?? mm.flopsPerSecond)).toPrecision(3)} B/F (bandwidth ÷ FLOP/s)`,
      savedTo ? `saved ${visible(savedTo)}: --hardware local now projects onto this machine` : 'not saved (--no-save)',
    ].join('\n') + '\n'
  );
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(
    'calibrate',
    async () => {
      const a = parseArgs('calibrate', help, argv, flags, import.meta);
      if (a.help !== null) {
        io.out(a.help + '\n');
        return 0;
      }
      if (a.input.length) throw new UsageError(`calibrate takes no positional arguments (got "${a.input[0]}")`);
      const f = a.flags;
      const backend = f.backend as string | undefined;
      if (backend !== undefined && !BACKENDS.includes(backend as BackendName))
        throw new UsageError(`unknown --backend "${backend}": valid values are ${BACKENDS.join(', ')}`);
      // an unwritable profile folder fails now, not after the measurements
      if (f.save !== false) checkProfileWritable();
      // a requested backend that cannot start is a UsageError from initBackend
      // progress on stderr (a terminal only): the measurements take several seconds and print nothing until done
      const note = progress(process.stderr, io === PROCESS_IO, 'calibrate: measuring');
      let profile: LocalProfile;
      try {
        profile = await calibrate({
          ...(backend ? { backend: backend as BackendName } : {}),
          quick: f.quick === true,
          onStage: (what) => note.update(what),
        });
      } finally {
        note.done();
      }
      // a signal that came while measuring is handled (exit 130/143) before the old profile is replaced
      await new Promise((r) => setImmediate(r));
      const savedTo = f.save === false ? null : writeProfile(profile);
      io.out(f.json ? safeJson(profile, 2) + '\n' : calibrateText(profile, savedTo));
      return 0;
    },
    io,
  );
}
