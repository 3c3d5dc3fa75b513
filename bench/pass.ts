// One multi-row pass — the diffusion lane's default first pass: prompt + 256 masks = 264 rows, bidirectional, logits
// for the 32 rows of the first block, on the shipped shape (d 256, 4 layers, 4 heads, MLP 1024, vocab 2048) — on tfjs
// (XNNPACK) and on the fast pass (src/engine/model/fast/pass.ts) with 1 and 2 threads, against the in-run ceiling:
// the register-only f32x4 mul+add kernel (gemm.wat peak) on one thread. Interleaved in one process, min over rounds
// (the machine is shared: the ratios are what count). The peak kernel on two threads at once says whether a second
// core was free. FLOPs are the cost model's (price/cost.ts passCost). Alone: node --import tsx bench/pass.ts [rounds]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import { fastPass } from '../src/engine/model/fast/pass.js';
import { GPT, type GPTConfig } from '../src/engine/model/model.js';
import { readModelFile } from '../src/engine/model/model-file.js';
import { DEFAULT_MODEL_DIR } from '../src/engine/run.js';
import { FP32 } from '../src/engine/model/fast/decoder.js';
import { passCost } from '../src/engine/price/cost.js';
import { modelShape } from '../src/engine/price/model-config.js';

export interface PassBench {
  rows: number;
  logitRows: number;
  gflop: number;
  /** best ms of one pass */
  tfjsMs: number;
  fast1Ms: number;
  fast2Ms: number;
  /** GFLOP/s: the peak kernel on one thread, and per thread with two at once */
  peakGFLOPs: number;
  peak2PerThreadGFLOPs: number;
  tfjsGFLOPs: number;
  fast1GFLOPs: number;
  fast2GFLOPs: number;
  /** pass GFLOP/s over the one-thread peak */
  tfjsOfPeak: number;
  fast1OfPeak: number;
  /** fast1Ms / fast2Ms */
  speedup2: number;
  /** the peak kernel's work on two threads at once over one thread's, median of the rounds */
  peak2Ratio: number;
  /** peak2Ratio ≥ 1.6: a second core was free through most rounds */
  secondCoreFree: boolean;
  /** Linux: each thread's own time on a CPU (schedstat), best of the rounds: the 1-thread pass's, and the 2-thread
   *  pass's busiest thread's; their ratio is the speedup two free cores would give (time queued for a CPU left out,
   *  time spent spinning at the barriers kept in). Null without /proc. */
  onCpu1Ms: number | null;
  onCpu2Ms: number | null;
  onCpuSpeedup2: number | null;
  load: number[];
}

/** the shipped model's shape (its weights are not needed: the pass runs on random ones of that shape) */
const SHIPPED: GPTConfig = readModelFile(DEFAULT_MODEL_DIR).config;

/** Milliseconds each thread of this process has run on a CPU (Linux /proc/self/task/<tid>/schedstat), by thread. */
function threadCpuMs(): Map<string, number> | null {
  if (!existsSync('/proc/self/task')) return null;
  return new Map(
    readdirSync('/proc/self/task').map((t) => {
      try {
        return [t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6];
      } catch {
        return [t, 0]; // a thread that ended meanwhile
      }
    }),
  );
}

/** Wall ms of f, and the on-CPU ms of the `n` threads that ran most during it (the pass's threads). */
function timed(f: () => unknown, n: number): { wall: number; onCpu: number | null } {
  const a = threadCpuMs();
  const t = performance.now();
  f();
  const wall = performance.now() - t;
  const b = threadCpuMs();
  if (!a || !b) return { wall, onCpu: null };
  const ran = [...b].map(([k, v]) => v - (a.get(k) ?? 0)).sort((x, y) => y - x);
  return { wall, onCpu: Math.max(...ran.slice(0, n)) };
}

/** The bench; rounds of (peak, tfjs, fast 1 thread, fast 2 threads, peak on 2 threads), each best of its rounds. */
export async function benchPass(rounds = 15): Promise<PassBench> {
  await initBackend('wasm');
  const m = GPT.init(SHIPPED, 5);
  const P = 8,
    R = P + 256,
    block = 32;
  const ids = Array.from({ length: R }, (_, i) => (i < P ? (i * 131) % 2000 : SHIPPED.maskId));
  const logitRows = Array.from({ length: block }, (_, i) => P - 1 + i);
  const opts = { attention: 'bidirectional' as const, logitRows };
  const flops = passCost(modelShape(SHIPPED), FP32, {
    q: R,
    k: 0,
    logits: block,
    kvWrite: 0,
    attention: 'bidirectional',
  }).flops.total;
  const fp = fastPass(m)!;
  const threads = await fp.startThreads(Math.min(2, availableParallelism()));
  const tfjsPass = () => tf.tidy(() => m.forward(tf.tensor2d([ids], [1, R], 'int32'), opts).logits.dataSync()).length;
  const time = (f: () => unknown) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  // ~7 ms of the peak kernel at ~40 GFLOP/s: long beside a worker's wake-up (~0.1 ms), short enough that the
  // scheduler does not hold the CPU it burnt (on two cores at once) against the passes timed after it
  const iters = 5_000_000;
  // warm-up: tier-up, XNNPACK's packing, the transposes
  for (let i = 0; i < 2; i++) {
    tfjsPass();
    fp.run(ids, { ...opts, threads: 1 });
    fp.run(ids, { ...opts, threads });
  }
  fp.peak(iters / 10);
  const best = { tfjs: Infinity, f1: Infinity, f2: Infinity, peak: 0, peak2: 0, cpu1: Infinity, cpu2: Infinity };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const p1 = fp.peak(iters, 1);
    best.peak = Math.max(best.peak, p1.one);
    best.tfjs = Math.min(best.tfjs, time(tfjsPass));
    const one = timed(() => fp.run(ids, { ...opts, threads: 1 }), 1);
    const two = timed(() => fp.run(ids, { ...opts, threads }), threads);
    best.f1 = Math.min(best.f1, one.wall);
    best.f2 = Math.min(best.f2, two.wall);
    best.cpu1 = Math.min(best.cpu1, one.onCpu ?? Infinity);
    best.cpu2 = Math.min(best.cpu2, two.onCpu ?? Infinity);
    const p2 = fp.peak(iters, threads);
    best.peak2 = Math.max(best.peak2, p2.all / threads);
    ratios.push(p2.all / p2.one);
  }
  fp.dispose();
  m.dispose();
  const gf = (ms: number) => flops / ms / 1e6;
  const free = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  const r2 = (x: number) => +x.toFixed(2),
    r3 = (x: number) => +x.toFixed(3);
  return {
    rows: R,
    logitRows: block,
    gflop: r3(flops / 1e9),
    tfjsMs: r2(best.tfjs),
    fast1Ms: r2(best.f1),
    fast2Ms: r2(best.f2),
    peakGFLOPs: r2(best.peak),
    peak2PerThreadGFLOPs: r2(best.peak2),
    tfjsGFLOPs: r2(gf(best.tfjs)),
    fast1GFLOPs: r2(gf(best.f1)),
    fast2GFLOPs: r2(gf(best.f2)),
    tfjsOfPeak: r3(gf(best.tfjs) / best.peak),
    fast1OfPeak: r3(gf(best.f1) / best.peak),
    speedup2: r2(best.f1 / best.f2),
    peak2Ratio: r2(free),
    secondCoreFree: threads >= 2 && free >= 1.6,
    onCpu1Ms: Number.isFinite(best.cpu1) ? r2(best.cpu1) : null,
    onCpu2Ms: Number.isFinite(best.cpu2) ? r2(best.cpu2) : null,
    onCpuSpeedup2: Number.isFinite(best.cpu1 / best.cpu2) ? r2(best.cpu1 / best.cpu2) : null,
    load: loadavg().map((x) => r2(x)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchPass(process.argv[2] ? Number(process.argv[2]) : undefined);
  console.log(JSON.stringify(r, null, 2));
  console.log(
    `264-row pass: fast ${r.fast1GFLOPs} GFLOP/s on 1 thread = ${(100 * r.fast1OfPeak).toFixed(1)} % of the in-run ` +
      `peak ${r.peakGFLOPs} (tfjs ${(100 * r.tfjsOfPeak).toFixed(1)} %); 2 threads ${r.speedup2}× ` +
      (r.secondCoreFree
        ? `(a second core was free: the peak kernel did ${r.peak2Ratio}× on two threads)`
        : `(no second core was free: the peak kernel did ${r.peak2Ratio}× on two threads; the 2-thread figure means nothing)`),
  );
  if (r.onCpuSpeedup2 !== null)
    console.log(
      `on-CPU time per thread: 1 thread ${r.onCpu1Ms} ms, 2 threads ${r.onCpu2Ms} ms (busiest): ${r.onCpuSpeedup2}× with two free cores`,
    );
}
