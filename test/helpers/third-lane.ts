// A throwaway third lane, written as a real one would be: one decoder file's worth of code (this decoder) and one
// registry entry (THIRD_LANE). It decodes greedily with no KV cache, each pass re-running the whole sequence
// through the lane's own model (role "draft": <model dir>/draft/), with a pass kind of its own ("recompute").
import type { DecodeConfig } from '../../src/engine/config.js';
import type { DecodeContext } from '../../src/engine/decode/context.js';
import { promptPositions, runPass, stepEvent } from '../../src/engine/decode/context.js';
import type { StepEvent } from '../../src/engine/decode/events.js';
import { argmax, softmax } from '../../src/engine/decode/sample.js';
import type { LaneSpec } from '../../src/engine/lanes.js';
import { projectPass } from '../../src/engine/price/project.js';

export async function* recompute(ctx: DecodeContext, cfg: DecodeConfig): AsyncGenerator<StepEvent> {
  const ids = ctx.tokenizer.encode(cfg.prompt);
  const positions = promptPositions(ctx, ids);
  for (let step = 0; step < cfg.length; step++) {
    const t0 = performance.now();
    const n = ids.length;
    const { rows } = runPass(ctx, ids, { attention: 'causal', positions: ids.map((_, i) => i), logitRows: [n - 1] });
    const token = argmax(rows[0]!);
    ids.push(token);
    positions.push({ state: 'committed', token, text: ctx.tokenizer.tokenText(token), step, confidence: softmax(rows[0]!)[token]!, guess: null, guessText: null });
    yield stepEvent(ctx, {
      lane: 'third', step, plannedSteps: cfg.length, kind: 'recompute', positions, committed: [positions.length - 1], block: null,
      shape: { q: n, k: 0, logits: 1, kvWrite: 0, attention: 'causal' }, wallMs: performance.now() - t0, done: step === cfg.length - 1,
    });
  }
}

/** counts the passes its projection priced (the registry's hook is the one the renderers call) */
export const projected = { passes: 0 };

export const THIRD_LANE: LaneSpec = {
  id: 'third',
  label: 'recompute',
  title: (c) => `Recompute (no cache, draft model) · ${c.length} passes`,
  color: 'green',
  models: ['main', 'draft'],
  passKinds: ['recompute'],
  decode: (m, c) => recompute(m.draft!, c),
  project: (pass, t) => {
    projected.passes++;
    return projectPass(pass.shape, t.model.shape, t.precision, t.roofline, t.eff);
  },
};
