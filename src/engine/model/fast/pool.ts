// The threads of a multi-row pass: node:worker_threads workers that instantiate gemm.wat on the model's shared memory
// and run their share of each pass (fast/pass-stages.ts) beside the main thread, which runs share 0. They meet on
// int32 slots of the memory's control block (fast/pass-layout.ts CTL) with Atomics: the main thread bumps CTL.go and
// notifies; a barrier is a counter and a generation, spun on briefly (the shares are ~equal, so the wait is short)
// and then waited on. A worker that fails writes its one-line message to the block and raises CTL.failed: the others
// leave the pass and the main thread throws that line; the pool is then closed (later passes run on one thread).
// Workers are unref'd (they never keep the process alive) and stopped by close().
import { Worker } from 'node:worker_threads';
import { RunError } from '../../io/errors.js';
import { gemmModule, PEAK_FLOPS_PER_ITER, type GemmKernels } from './gemm.js';
import { CTL, CTL_MESSAGE, CTL_MESSAGE_BYTES, OP, type PassLayout } from './pass-layout.js';

/** Spins of a barrier or a worker's wait before it sleeps in Atomics.wait (~tens of µs: a stage's imbalance). */
const SPINS = 20000;
/** A thread that has not arrived after this long has died (a crashed worker never raises CTL.failed). */
const BARRIER_TIMEOUT_MS = 30000;

/** A pass thread gave up; its message is the one line a user sees (a RunError: exit code 1). */
export class PassThreadError extends RunError {}

/** Wait for the barrier of `active` threads on the control block `ctl`; throws if a thread failed. */
export function meet(ctl: Int32Array, active: number): void {
  if (active <= 1) return;
  const gen = Atomics.load(ctl, CTL.generation);
  if (Atomics.add(ctl, CTL.arrived, 1) === active - 1) {
    Atomics.store(ctl, CTL.arrived, 0);
    Atomics.add(ctl, CTL.generation, 1);
    Atomics.notify(ctl, CTL.generation);
    return;
  }
  const t0 = Date.now();
  for (let s = 0; Atomics.load(ctl, CTL.generation) === gen; s++) {
    if (Atomics.load(ctl, CTL.failed)) throw new PassThreadError(failureMessage(ctl));
    if (s > SPINS) {
      Atomics.wait(ctl, CTL.generation, gen, 20);
      if (Date.now() - t0 > BARRIER_TIMEOUT_MS) throw new PassThreadError('a pass thread stopped answering');
    }
  }
  // released by a failure rather than by the last arrival
  if (Atomics.load(ctl, CTL.failed)) throw new PassThreadError(failureMessage(ctl));
}

/** Raise CTL.failed with this message (the first failure's message wins) and wake every waiting thread. */
export function fail(ctl: Int32Array, message: string): void {
  if (Atomics.compareExchange(ctl, CTL.failed, 0, 1) === 0) {
    const bytes = new TextEncoder().encode(message.split('\n')[0]!.slice(0, CTL_MESSAGE_BYTES / 4));
    new Uint8Array(ctl.buffer, CTL_MESSAGE, CTL_MESSAGE_BYTES).fill(0).set(bytes.subarray(0, CTL_MESSAGE_BYTES - 1));
  }
  Atomics.add(ctl, CTL.generation, 1);
  Atomics.notify(ctl, CTL.generation);
}

function failureMessage(ctl: Int32Array): string {
  const bytes = new Uint8Array(ctl.buffer, CTL_MESSAGE, CTL_MESSAGE_BYTES).slice();
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end)) || 'a pass thread failed';
}

/** A pass thread allocates next to nothing (its work is in the shared memory): a young generation of 1 MB instead of
 *  V8's default, which a worker's garbage would otherwise fill to several MB before its first collection. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1 };

/** A worker running pass-worker next to this module: the .js in dist/; under tsx (tests, benches) the .ts, loaded
 *  after registering tsx in the worker (Node 20 does not carry --import tsx's hooks into workers). */
function passWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./pass-worker.js', import.meta.url), { workerData, resourceLimits: WORKER_LIMITS });
  const api = import.meta.resolve('tsx/esm/api');
  const url = new URL('./pass-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
}

export class PassPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private closed = false;
  /** resolves when every worker waits for work (rejects with a one-line error if one cannot start) */
  readonly ready: Promise<void>;

  /** A pool of `threads` threads in all (the main one and threads − 1 workers) on this memory and layout. */
  constructor(
    memory: WebAssembly.Memory,
    layout: PassLayout,
    readonly threads: number,
  ) {
    this.ctl = new Int32Array(memory.buffer, 0, 16);
    const started: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) {
      const w = passWorker({ memory, module: gemmModule(), layout, index: t });
      w.unref();
      this.workers.push(w);
      started.push(
        new Promise<void>((res, rej) => {
          w.once('message', () => res());
          w.once('error', (e) =>
            rej(new PassThreadError(`a pass thread could not start: ${e.message.split('\n')[0]}`)),
          );
          w.once('exit', () => rej(new PassThreadError('a pass thread exited')));
        }),
      );
    }
    this.ready = Promise.all(started).then(() => {});
    // a failed start is reported through ready; the pool is not used then
    this.ready.catch(() => this.close());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Start operation `op` on threads 1..active−1 (the control block's other slots already written). */
  start(op: number, active: number): void {
    if (this.closed) throw new PassThreadError('the pass threads are closed');
    const c = this.ctl;
    Atomics.store(c, CTL.op, op);
    Atomics.store(c, CTL.active, active);
    Atomics.store(c, CTL.arrived, 0);
    Atomics.store(c, CTL.failed, 0);
    Atomics.add(c, CTL.go, 1);
    Atomics.notify(c, CTL.go);
  }

  /** Run `share` as thread 0 of an operation already started on `active` threads; on any failure the pool closes and
   *  the failure is thrown as one line. */
  join(active: number, share: () => void): void {
    try {
      share();
    } catch (e) {
      if (active > 1) fail(this.ctl, e instanceof Error ? e.message : String(e));
      this.close();
      throw e instanceof PassThreadError ? e : new PassThreadError(e instanceof Error ? e.message : String(e));
    }
  }

  /** GFLOP/s of the peak kernel on one thread and on `active` threads at once (each runs `iters`): the probe for
   *  free cores, and the bench's ceiling. The main thread's own kernels run share 0. */
  peak(k: GemmKernels, iters: number, active: number): { one: number; all: number } {
    let t = performance.now();
    k.peak(iters);
    const one = (iters * PEAK_FLOPS_PER_ITER) / (performance.now() - t) / 1e6;
    Atomics.store(this.ctl, CTL.iters, iters);
    t = performance.now();
    this.start(OP.PEAK, active);
    this.join(active, () => {
      k.peak(iters);
      meet(this.ctl, active);
    });
    const all = (active * iters * PEAK_FLOPS_PER_ITER) / (performance.now() - t) / 1e6;
    return { one, all };
  }

  /** Stop and terminate the workers (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, CTL.op, OP.STOP);
    Atomics.add(this.ctl, CTL.go, 1);
    Atomics.notify(this.ctl, CTL.go);
    for (const w of this.workers) void w.terminate();
  }
}
