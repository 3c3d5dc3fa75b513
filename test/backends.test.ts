// The same seed gives the same tokens on every backend that starts here (cpu always, wasm, tensorflow when
// installed), through both decoders: the engine's numbers do not depend on where tfjs runs them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKENDS, initBackend, type BackendName } from '../src/engine/model/backend.js';
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { createRun, FIXTURE_MODEL_DIR } from '../src/engine/run.js';

const available: BackendName[] = [];
for (const b of BACKENDS)
  if (
    await initBackend(b).then(
      () => true,
      () => false,
    )
  )
    available.push(b);

/** every lane's final tokens and per-pass commits, on one backend */
async function decode(backend: BackendName, over: Partial<DecodeConfig>): Promise<string> {
  const run = await createRun(
    {
      ...DEFAULT_DECODE,
      prompt: 'It is a truth universally acknowledged',
      length: 16,
      ...over,
      lanes: { diffusion: { steps: 8, block: 8, ...over.lanes?.diffusion } },
    },
    { modelDir: FIXTURE_MODEL_DIR, backend },
  );
  assert.equal(run.info.backend, backend);
  const out: Record<string, unknown> = {};
  try {
    for (const l of run.info.lanes) {
      const passes: number[][] = [];
      let tokens: (number | null)[] = [];
      for await (const e of run.stream(l.id)) {
        passes.push(e.committed.map((i) => e.positions[i]!.token!));
        tokens = e.positions.map((p) => p.token);
      }
      out[l.id] = { passes, tokens };
    }
  } finally {
    run.dispose();
  }
  return JSON.stringify(out);
}

test('cpu and wasm are both here (wasm is the default backend)', () => {
  assert.ok(available.includes('cpu') && available.includes('wasm'), available.join());
});

for (const [name, over] of [
  ['greedy', { temperature: 0 }],
  ['sampled, seed 7', { temperature: 0.8, topK: 20, seed: 7 }],
  [
    'sampled, threshold strategy, dual cache',
    { temperature: 0.8, seed: 3, lanes: { diffusion: { strategy: 'threshold', threshold: 0.5, cache: 'dual' } } },
  ],
] as const) {
  test(`the same tokens on ${available.join(', ')}: ${name}`, async () => {
    const [first, ...rest] = available;
    const want = await decode(first!, over);
    for (const b of rest) assert.equal(await decode(b, over), want, `${b} vs ${first}`);
  });
}

test('the comparison can fail: another seed gives other tokens', async () => {
  const b = available[0]!;
  assert.notEqual(
    await decode(b, { temperature: 0.8, topK: 20, seed: 7 }),
    await decode(b, { temperature: 0.8, topK: 20, seed: 8 }),
  );
});
