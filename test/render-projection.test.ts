// The view's projection slot: targets `h` cycles, labels, projected pass times against a hand count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  batchCycle,
  laneProjection,
  projectedMs,
  projectionTargets,
  shownTarget,
  targetLabel,
  targetRidge,
  withBatch,
} from '../src/render/projection.js';
import { Store } from '../src/render/store.js';
import { projectLanePass } from '../src/engine/lanes.js';
import { expertsText } from '../src/render/lines.js';

test('default target first (Llama 3.3 70B, fp8, H200), then the other presets with a peak', async () => {
  const ts = await projectionTargets({});
  assert.equal(targetLabel(ts[0]!), 'Llama 3.3 70B · fp8 · H200 SXM');
  assert.ok(Math.abs(targetRidge(ts[0]!) - 4.8e12 / 1979e12) < 1e-15);
  assert.ok(ts.length > 5);
  assert.equal(new Set(ts.map((t) => t.roofline.hardware)).size, ts.length);
  const a100 = ts.find((t) => t.roofline.hardware === 'a100-40gb')!;
  assert.equal(targetLabel(a100), 'Llama 3.3 70B · fp8 at the bf16 peak · A100 40GB');
  // overrides pin the target: nothing to cycle
  assert.equal((await projectionTargets({ peakTflops: 100 })).length, 1);
});

test('an AR decode pass on Llama 3.3 70B fp8 / H200 at 75 % bandwidth: 69.50 GB / 3.6 TB/s = 19.31 ms', async () => {
  const [t] = await projectionTargets({});
  // P_mm = 80·(8192·64·128 + 2·8192·8·128 + 64·128·8192 + 3·8192·28672) = 68 451 041 280; V·d = 1 050 673 152
  const bytes = 68_451_041_280 + 1_050_673_152;
  const ms = projectedMs(
    { lane: 'ar', kind: 'decode', shape: { q: 1, k: 0, logits: 1, kvWrite: 0, attention: 'causal' } },
    t!,
  );
  assert.ok(Math.abs(ms - (bytes / (0.75 * 4.8e12)) * 1000) < 1e-6, String(ms));
});

test('lane projection: totals of the schedule, memoised per passes array', async () => {
  const [t] = await projectionTargets({});
  const shapes = [
    { kind: 'prefill', shape: { q: 8, k: 0, logits: 1, kvWrite: 8, attention: 'causal' as const } },
    { kind: 'decode', shape: { q: 1, k: 8, logits: 1, kvWrite: 1, attention: 'causal' as const } },
  ];
  const p = laneProjection('ar', shapes, t!);
  assert.equal(p.total.passes, 2);
  assert.equal(p.bpf.length, 2);
  assert.equal(p.bytesPerFlop, p.total.bytes / p.total.flops);
  assert.equal(laneProjection('ar', shapes, t!), p);
});

test('`b` cycles the projection’s batch: 1, 8, 64, 256 from --batch; labels and pass times follow', async () => {
  assert.deepEqual(batchCycle(1), [1, 8, 64, 256]);
  assert.deepEqual(batchCycle(64), [64, 256, 1, 8]);
  assert.deepEqual(batchCycle(100), [100, 256, 1, 8, 64]);
  const ts = await projectionTargets({ batch: 8 });
  assert.ok(ts.every((t) => t.batch === 8));
  assert.equal(targetLabel(ts[0]!), 'Llama 3.3 70B · fp8 · H200 SXM · batch 8');
  assert.deepEqual(
    [0, 1, 2, 3].map((j) => shownTarget(ts, 0, j)!.batch),
    [8, 64, 256, 1],
  );
  assert.equal(shownTarget(ts, 0, 2), withBatch(ts[0]!, 256)); // memoised: the lane cache keys on the target
  assert.equal(shownTarget(ts, 0, 4)!.batch, 8); // wraps
  assert.equal(shownTarget([], 0, 1), null);
  const decode = {
    lane: 'ar',
    kind: 'decode',
    shape: { q: 1, k: 100, logits: 1, kvWrite: 1, attention: 'causal' as const },
  };
  assert.ok(projectedMs(decode, withBatch(ts[0]!, 256)) > projectedMs(decode, withBatch(ts[0]!, 1)));
  // the store steps its batch index and announces it; without a projection it says so
  const idle = async function* () {};
  const store = new Store(
    { ar: idle, diffusion: idle },
    { pace: 'step', delayMs: 10, exitHoldMs: null, batchCount: 4, batchName: (i) => `batch ${batchCycle(1)[i]}` },
  );
  store.cycleBatch();
  assert.equal(store.getSnapshot().batchIndex, 1);
  assert.equal(store.getSnapshot().message, 'batch 8');
  for (let i = 0; i < 3; i++) store.cycleBatch();
  assert.equal(store.getSnapshot().batchIndex, 0);
  const none = new Store({ ar: idle, diffusion: idle }, { pace: 'step', delayMs: 10, exitHoldMs: null });
  none.cycleBatch();
  assert.match(none.getSnapshot().message!, /no projection/);
});

test('MoE words: a pass of q positions touches E·(1 − (1 − k/E)^q) experts per block on DeepSeek-V3; a dense model and a draft pass none', async () => {
  const [moe] = await projectionTargets({ model: 'deepseek-v3' });
  const [dense] = await projectionTargets({});
  const shape = (q: number) => ({ q, k: 0, logits: q, kvWrite: q, attention: 'causal' as const });
  const e = moe!.model.shape.moe!;
  const words = (t: typeof moe, kind: string, q: number, tokens: number) => {
    const pass = projectLanePass(kind === 'draft' ? 'speculative' : 'ar', { kind, shape: shape(q) } as never, t!);
    return expertsText({ passes: [pass], last: pass, total: pass, bpf: [], bytesPerFlop: 0 } as never, tokens);
  };
  assert.equal(
    words(moe, 'decode', 1, 1),
    `experts ${e.active}/${e.experts} · ${e.active}/token`,
    'one token: its k experts',
  );
  const touched = e.experts * (1 - (1 - e.active / e.experts) ** (256 / (e.imbalance ?? 1)));
  assert.equal(
    words(moe, 'prefill', 256, 256),
    `experts ${Math.round(touched)}/${e.experts} · ${Math.round(touched / 256)}/token`,
  );
  assert.equal(words(dense, 'prefill', 256, 256), '');
  // the speculative lane's draft passes run the dense draft: no experts for them
  assert.equal(words(moe, 'draft', 1, 1), '');
});
