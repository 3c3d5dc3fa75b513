// A pass thread (fast/pool.ts): the kernels of gemm.wat on the model's shared memory, waiting on the control block
// for an operation, running its share of it (fast/pass-stages.ts), and back to waiting. It imports no tfjs.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateGemm } from './gemm.js';
import { CTL, OP, type PassLayout } from './pass-layout.js';
import { passMemory, passShare } from './pass-stages.js';
import { fail, meet } from './pool.js';

const { memory, module, layout, index } = workerData as {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  layout: PassLayout;
  index: number;
};
const k = instantiateGemm(memory, module);
const mem = passMemory(memory);
const ctl = new Int32Array(memory.buffer, 0, 16);
const SPINS = 20000;

let seen = Atomics.load(ctl, CTL.go);
parentPort!.postMessage('ready');
for (;;) {
  // a short spin first: the next pass usually follows within microseconds of this one
  for (let s = 0; s < SPINS && Atomics.load(ctl, CTL.go) === seen; s++);
  if (Atomics.load(ctl, CTL.go) === seen) Atomics.wait(ctl, CTL.go, seen);
  seen = Atomics.load(ctl, CTL.go);
  const op = Atomics.load(ctl, CTL.op),
    active = Atomics.load(ctl, CTL.active);
  if (op === OP.STOP) break;
  if (index >= active) continue;
  try {
    if (op === OP.PASS) passShare(k, mem, layout, index, active, () => meet(ctl, active));
    else if (op === OP.PEAK) {
      k.peak(Atomics.load(ctl, CTL.iters));
      meet(ctl, active);
    }
  } catch (e) {
    fail(ctl, e instanceof Error ? e.message : String(e));
  }
}
