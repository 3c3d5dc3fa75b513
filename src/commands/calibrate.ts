// `dlm-watch calibrate`: measure what the running tfjs backend achieves on this machine (matmul FLOP/s and
// elementwise-add bandwidth), save it as the `local` hardware profile, and print it. About 5 s.
//
// Timing: the three backends dlm-watch uses (tensorflow, wasm, cpu) run each kernel synchronously on the calling
// thread, so the time around an op call is the op's time; no read-back (which would add a copy) is timed.
// These are achieved figures, not datasheet peaks: `--hardware local` uses them at efficiency 1.
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, initBackend, type BackendName } from '../engine/backend.js';
import { DEFAULT_DECODE, UsageError } from '../engine/config.js';
import { measureDecodeRates, measureStepRate, type DecodeShape } from '../engine/fast/measure.js';
import { checkProfileWritable, writeProfile, type LocalProfile } from '../engine/hardware.js';
import { safeJson } from '../engine/sanitize.js';
import { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR } from '../engine/run.js';
import { parseArgs } from './args.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';

const help = `
  Usage
    $ dlm-watch calibrate [flags]

  Measures this machine through tfjs: matmul FLOP/s (n×n fp32 matmuls, n up to 1024, after a warm-up) and memory
  bandwidth (a large elementwise add: bytes read and written / time), and one token's weight products on the shipped
  model's shapes with the AR step's own kernels (the bandwidth --hardware local uses). Saves the profile to
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
export function measurePassMatmul(s: DecodeShape, T: number, budgetSeconds: number): NonNullable<LocalProfile['passMatmul']> {
  const hd = s.d / s.heads;
  const mats: [number, number][] = [];
  for (let l = 0; l < s.layers; l++) mats.push([s.d, 3 * s.d], [s.d, s.d], [s.d, s.mlp], [s.mlp, s.d]);
  mats.push([s.d, s.vocab]);
  const ws = mats.map(([i, o], j) => ({ x: tf.randomUniform([T, i], -1, 1, 'float32', j), w: tf.randomUniform([i, o], -0.1, 0.1, 'float32', 100 + j), b: tf.zeros([o]) }));
  const q = tf.randomUniform([T, hd]), kt = tf.randomUniform([hd, T]), p = tf.randomUniform([T, T]), v = tf.randomUniform([T, hd]);
  const flops = mats.reduce((a, [i, o]) => a + 2 * T * i * o, 0) + s.layers * s.heads * 4 * T * T * hd;
  const pass = () => {
    for (const m of ws) tf.fused.matMul({ a: m.x as tf.Tensor2D, b: m.w as tf.Tensor2D, bias: m.b }).dispose();
    for (let i = 0; i < s.layers * s.heads; i++) { tf.matMul(q, kt).dispose(); tf.matMul(p, v).dispose(); }
  };
  pass(); // warm-up: packs each weight once, as the model's transposes are cached
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < 3 || ((performance.now() - t0) / 1000 < budgetSeconds && times.length < 1000)) { const t = performance.now(); pass(); times.push(performance.now() - t); }
  tf.dispose([...ws.flatMap((m) => [m.x, m.w, m.b]), q, kt, p, v]);
  const med = [...times].sort((a, b) => a - b)[times.length >> 1];
  return { rows: T, flops, reps: times.length, flopsPerSecond: flops / (med / 1000) };
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

export async function calibrate(o: { backend?: BackendName; quick: boolean }): Promise<LocalProfile> {
  const backend = await initBackend(o.backend);
  const matmul = measureMatmul(o.quick ? 128 : 1024, o.quick ? 0.1 : 2.5);
  // 16M fp32 = 64 MB per array, far beyond any cache
  const memory = measureBandwidth(o.quick ? 1 << 18 : 1 << 24, o.quick ? 0.1 : 2);
  const shape = shippedShape();
  // the AR step as it runs: half the default length cached
  const decode = { ...measureDecodeRates(shape, o.quick ? 0.05 : 1), ...measureStepRate(shape, o.quick ? 4 : DEFAULT_DECODE.length / 2, o.quick ? 0.05 : 1) };
  // a diffusion pass over the default length (plus a short prompt): the rows a pass really multiplies
  const passMatmul = measurePassMatmul(shape, o.quick ? 16 : DEFAULT_DECODE.length + 8, o.quick ? 0.05 : 1.5);
  return { version: 1, backend, host: cpus()[0]?.model?.trim() ?? 'unknown', measuredAt: new Date().toISOString(), matmul, memory, decode, passMatmul };
}

/** The shipped model's one-token shape (the test fixture's when no weights are shipped). */
function shippedShape(): DecodeShape {
  const dir = existsSync(join(DEFAULT_MODEL_DIR, 'model.json')) ? DEFAULT_MODEL_DIR : FIXTURE_MODEL_DIR;
  const c = (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { config: DecodeShape }).config;
  return { d: c.d, mlp: c.mlp, vocab: c.vocab, layers: c.layers, heads: c.heads, context: c.context };
}

export function calibrateText(p: LocalProfile, savedTo: string | null): string {
  const g = (x: number, u: string) => `${(x / 1e9).toPrecision(3)} G${u}`;
  const mm = p.matmul;
  const mem = p.memory;
  return [
    `dlm-watch calibrate: tfjs backend ${p.backend} on ${p.host}`,
    `  matmul     ${mm.n}×${mm.n} fp32, ${mm.reps} reps in ${mm.seconds.toFixed(2)} s: ${g(mm.flopsPerSecond, 'FLOP/s')}   (2·n³ FLOPs each)`,
    `  bandwidth  add of 2 × ${(mem.elements / 1e6).toPrecision(3)}M fp32 (${((12 * mem.elements) / 1e6).toPrecision(3)} MB moved each), ${mem.reps} reps in ${mem.seconds.toFixed(2)} s: ${g(mem.bytesPerSecond, 'B/s')}`,
    ...(p.decode ? [
      `  one token  ${p.decode.shapes} fp32 (${(p.decode.weightBytes / 1e6).toPrecision(3)} MB), ${p.decode.reps} reps: ${g(p.decode.matvecBytesPerSecond, 'B/s')} through the products, ${g(p.decode.streamBytesPerSecond, 'B/s')} streamed`,
      ...(p.decode.stepBytesPerSecond ? [`  AR step    the whole one-token step at ${p.decode.cached} cached: ${g(p.decode.stepBytesPerSecond, 'B/s')}; --hardware local prices memory-bound passes at this`] : []),
    ] : []),
    ...(p.passMatmul ? [
      `  pass       the shipped model's matmuls at ${p.passMatmul.rows} rows, ${p.passMatmul.reps} reps: ${g(p.passMatmul.flopsPerSecond, 'FLOP/s')}; --hardware local prices compute-bound passes at this`,
    ] : []),
    `  ridge      ${((p.decode?.stepBytesPerSecond ?? p.decode?.matvecBytesPerSecond ?? mem.bytesPerSecond) / (p.passMatmul?.flopsPerSecond ?? mm.flopsPerSecond)).toPrecision(3)} B/F (bandwidth ÷ FLOP/s)`,
    savedTo ? `saved ${savedTo}: --hardware local now projects onto this machine` : 'not saved (--no-save)',
  ].join('\n') + '\n';
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand('calibrate', async () => {
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
    const profile = await calibrate({ ...(backend ? { backend: backend as BackendName } : {}), quick: f.quick === true });
    const savedTo = f.save === false ? null : writeProfile(profile);
    io.out(f.json ? safeJson(profile, 2) + '\n' : calibrateText(profile, savedTo));
    return 0;
  }, io);
}
