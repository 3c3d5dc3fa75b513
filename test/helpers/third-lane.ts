// A throwaway third lane, written as a real one would be: one decoder file's worth of code (this decoder) and one
// registry entry (THIRD_LANE). It decodes greedily with no KV cache, each pass re-running the sequence through the
// lane's own model (role "draft": <model dir>/draft/), with a pass kind of its own ("recompute"), a knob of its own
// (--window: how many of the latest positions each pass re-reads, 0 = all) and its own caption for --explain.
import { checkInt, laneOptions, type DecodeConfig } from '../../src/engine/config.js';
import type { DecodeContext } from '../../src/engine/decode/context.js';
import { promptPositions, runPass, stepEvent } from '../../src/engine/decode/context.js';
import type { StepEvent } from '../../src/engine/decode/events.js';
import { argmax, softmax } from '../../src/engine/decode/sample.js';
import type { LaneSpec } from '../../src/engine/lanes.js';
import { projectPass } from '../../src/engine/price/project.js';

interface RecomputeOptions {
  /** positions each pass re-reads, the latest ones (0 = the whole sequence) */
  window: number;
}

const options = (c: DecodeConfig) => laneOptions<RecomputeOptions>(c, THIRD_LANE);

export async function* recompute(ctx: DecodeContext, cfg: DecodeConfig): AsyncGenerator<StepEvent> {
  const { window } = options(cfg);
  const ids = ctx.tokenizer.encode(cfg.prompt);
  const positions = promptPositions(ctx, ids);
  for (let step = 0; step < cfg.length; step++) {
    const t0 = performance.now();
    const seen = window > 0 ? ids.slice(-window) : [...ids];
    const n = seen.length;
    const { rows } = runPass(ctx, seen, {
      attention: 'causal',
      positions: seen.map((_, i) => ids.length - n + i),
      logitRows: [n - 1],
    });
    const token = argmax(rows[0]!);
    ids.push(token);
    positions.push({
      state: 'committed',
      token,
      text: ctx.tokenizer.tokenText(token),
      step,
      confidence: softmax(rows[0]!)[token]!,
      guess: null,
      guessText: null,
    });
    yield stepEvent(ctx, {
      lane: 'third',
      step,
      plannedSteps: cfg.length,
      kind: 'recompute',
      positions,
      committed: [positions.length - 1],
      shape: { q: n, k: 0, logits: 1, kvWrite: 0, attention: 'causal' },
      wallMs: performance.now() - t0,
      done: step === cfg.length - 1,
    });
  }
}

/** counts the passes its projection priced (the registry's hook is the one the renderers call) */
export const projected = { passes: 0 };

export const THIRD_LANE: LaneSpec = {
  id: 'third',
  label: 'recompute',
  title: (c) => `Recompute (no cache, draft model) · ${c.length} passes · window ${options(c).window || 'all'}`,
  color: 'green',
  models: ['main', 'draft'],
  passKinds: ['recompute'],
  decode: (m, c) => recompute(m.draft!, c),
  flags: [
    {
      name: 'window',
      type: 'number',
      arg: 'N',
      help: 'recompute: the latest positions each pass re-reads, 0 = all',
      default: 0,
    },
  ],
  validate: (o, c) => checkInt('window', o.window as number, 0, c.length + 4096),
  caption: (e, label) => ({
    who: `${label} (no cache)`,
    did: `to re-read ${e.shape.q} positions and commit one token`,
  }),
  project: (pass, t) => {
    projected.passes++;
    return projectPass(pass.shape, t.model.shape, t.precision, t.roofline, t.eff);
  },
};
