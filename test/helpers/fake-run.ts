// A synthetic Run for renderer tests: realistic StepEvent streams without a model.
// AR: a prefill pass over the prompt that commits the first token, then one token per pass with k growing.
// Diffusion: prompt + L masks, filled over S passes, block by block (k per pass split evenly, remainder first),
// highest "confidence" first; every pass reruns all positions (no cache, bidirectional).
import { rng } from '../../src/engine/decode/sample.js';
import { passCost } from '../../src/engine/price/cost.js';
import {
  maskedPosition,
  type LaneId,
  type PassShape,
  type Position,
  type StepEvent,
} from '../../src/engine/decode/events.js';
import { DEFAULT_DECODE, laneOptions, type DecodeConfig } from '../../src/engine/config.js';
import { laneInfo, laneSpec, type DiffusionOptions } from '../../src/engine/lanes.js';
import type { Run, RunInfo } from '../../src/engine/run.js';
import type { ModelShape, Precision } from '../../src/engine/price/shape.js';

export const FAKE_SHAPE: ModelShape = {
  name: 'fake-tiny',
  layers: 2,
  d: 64,
  heads: 4,
  kvHeads: 4,
  headDim: 16,
  mlp: 256,
  gated: false,
  vocab: 512,
  context: 256,
};
export const FAKE_PRECISION: Precision = { weightBytes: 4, kvBytes: 4 };

const WORDS = [
  ' the',
  ' man',
  ' of',
  ' good',
  ' fortune',
  ' must',
  ' be',
  ' in',
  ' want',
  ' a',
  ' wife',
  '.',
  ',',
  ' and',
  '\n',
  ' Mr',
  ' Darcy',
  ' said',
];

/** the engine's seeded PRNG, so fake streams are reproducible */
export { rng };

export interface FakeOptions {
  prompt?: string;
  length?: number;
  steps?: number;
  block?: number;
  seed?: number;
  /** real milliseconds each pass sleeps (to exercise pacing with slow passes); 0 = none */
  sleepMs?: number;
  /** throw from this lane at this pass */
  failAt?: { lane: LaneId; step: number; message: string };
}

function promptPositions(prompt: string): Position[] {
  const words = prompt.match(/\s*\S+/g) ?? [prompt];
  return words.map((text, i) => ({
    state: 'prompt',
    token: i,
    text,
    step: null,
    confidence: null,
    guess: null,
    guessText: null,
  }));
}

function tokenId(text: string): number {
  return 100 + WORDS.indexOf(text);
}

function event(
  lane: LaneId,
  step: number,
  planned: number | null,
  kind: StepEvent['kind'],
  positions: Position[],
  committed: number[],
  shape: PassShape,
  wallMs: number,
  done: boolean,
  detail?: unknown,
): StepEvent {
  return {
    type: 'step',
    lane,
    step,
    plannedSteps: planned,
    kind,
    positions: positions.map((p) => ({ ...p })),
    committed,
    shape,
    cost: passCost(FAKE_SHAPE, FAKE_PRECISION, shape),
    wallMs,
    done,
    ...(detail === undefined ? {} : { detail }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function* fakeAr(o: FakeOptions = {}): AsyncGenerator<StepEvent> {
  const prompt = promptPositions(o.prompt ?? 'It is a truth universally acknowledged');
  const L = o.length ?? 16;
  const rand = rng((o.seed ?? 0) + 1);
  const positions = [...prompt];
  const P = prompt.length;
  for (let step = 0; step < L; step++) {
    if (o.sleepMs) await sleep(o.sleepMs);
    if (o.failAt?.lane === 'ar' && o.failAt.step === step) throw new Error(o.failAt.message);
    const text = WORDS[Math.floor(rand() * WORDS.length)]!;
    positions.push({
      state: 'committed',
      token: tokenId(text),
      text,
      step,
      confidence: 0.2 + 0.8 * rand(),
      guess: null,
      guessText: null,
    });
    const shape: PassShape =
      step === 0
        ? { q: P, k: 0, logits: 1, kvWrite: P, attention: 'causal' }
        : { q: 1, k: P + step - 1, logits: 1, kvWrite: 1, attention: 'causal' };
    const wallMs = step === 0 ? 4 : 1 + 0.01 * step;
    yield event(
      'ar',
      step,
      L,
      step === 0 ? 'prefill' : 'decode',
      positions,
      [positions.length - 1],
      shape,
      wallMs,
      step === L - 1,
    );
  }
}

export async function* fakeDiffusion(o: FakeOptions = {}): AsyncGenerator<StepEvent> {
  const prompt = promptPositions(o.prompt ?? 'It is a truth universally acknowledged');
  const L = o.length ?? 16;
  const S = o.steps ?? 8;
  const B = o.block ?? L;
  const blocks = L / B;
  const perBlock = S / blocks;
  const rand = rng((o.seed ?? 0) + 2);
  const P = prompt.length;
  const positions: Position[] = [...prompt, ...Array.from({ length: L }, maskedPosition)];
  let step = 0;
  for (let b = 0; b < blocks; b++) {
    const start = P + b * B;
    const end = start + B;
    for (let j = 0; j < perBlock; j++) {
      if (o.sleepMs) await sleep(o.sleepMs);
      if (o.failAt?.lane === 'diffusion' && o.failAt.step === step) throw new Error(o.failAt.message);
      // guesses everywhere still masked, then commit the k most confident inside the block
      for (let i = P; i < P + L; i++) {
        const p = positions[i]!;
        if (p.state !== 'masked') continue;
        const text = WORDS[Math.floor(rand() * WORDS.length)]!;
        positions[i] = { ...p, guess: tokenId(text), guessText: text, confidence: rand() };
      }
      const k = Math.floor(B / perBlock) + (j < B % perBlock ? 1 : 0);
      const candidates = positions
        .map((p, i) => ({ p, i }))
        .filter(({ p, i }) => p.state === 'masked' && i >= start && i < end)
        .sort((a, b2) => b2.p.confidence! - a.p.confidence! || a.i - b2.i)
        .slice(0, k);
      const committed: number[] = [];
      for (const { p, i } of candidates) {
        positions[i] = {
          state: 'committed',
          token: p.guess,
          text: p.guessText!,
          step,
          confidence: p.confidence,
          guess: null,
          guessText: null,
        };
        committed.push(i);
      }
      committed.sort((a, c) => a - c);
      const shape: PassShape = { q: P + L, k: 0, logits: P + L, kvWrite: 0, attention: 'bidirectional' };
      const last = step === S - 1;
      yield event('diffusion', step, S, 'denoise', positions, committed, shape, 6, last, {
        block: { index: b, count: blocks, start, end },
      });
      step++;
    }
  }
}

export function fakeInfo(o: FakeOptions = {}): RunInfo {
  const config: DecodeConfig = {
    ...DEFAULT_DECODE,
    prompt: o.prompt ?? 'It is a truth universally acknowledged',
    length: o.length ?? 16,
    seed: o.seed ?? 0,
    lanes: { diffusion: { steps: o.steps ?? 8, block: o.block ?? o.length ?? 16 } },
  };
  return {
    backend: 'cpu',
    model: {
      name: 'fake-tiny',
      dir: 'fixtures/fake',
      fixture: true,
      shape: FAKE_SHAPE,
      params: 123456,
      precision: FAKE_PRECISION,
      copies: [],
    },
    promptTokens: promptPositions(config.prompt).length,
    config,
    // the registry's two lanes (titles, colours), with the fake streams below
    lanes: ['ar', 'diffusion'].map((id) => laneInfo(laneSpec(id), config)),
  };
}

/** the fake diffusion stream's knobs from a config (the diffusion lane's options, defaults filled in) */
export function diffusionKnobs(c: DecodeConfig): { steps: number; block: number } {
  const o = laneOptions<DiffusionOptions>(c, laneSpec('diffusion'));
  return { steps: o.steps, block: o.block };
}

export function fakeRun(o: FakeOptions = {}): Run {
  return {
    info: fakeInfo(o),
    ready: Promise.resolve(),
    stream: (id) => (id === 'ar' ? fakeAr(o) : fakeDiffusion(o)),
    decode: (ids) => ids.map((id) => WORDS[id - 100] ?? '?').join(''),
    withConfig: (c) => fakeRun({ ...o, length: c.length, ...diffusionKnobs(c) }),
    dispose: () => {},
  };
}
