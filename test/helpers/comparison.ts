// Decoding paths no user runs, kept for the tests (and benches) that hold the production paths to them:
// - the AR lane with every one-token step on tfjs (the fallback for shapes the fast kernels cannot run), forced;
// - the diffusion lane choosing in JS over every masked row's downloaded logits, guesses beyond the block included
//   (what choose.ts's choice on tensors replaced: the same commits for a seed).
import type { DecodeConfig } from '../../src/engine/config.js';
import { autoregressive } from '../../src/engine/decode/autoregressive.js';
import { chooseInJs } from '../../src/engine/decode/choose.js';
import { runPass, type DecodeContext } from '../../src/engine/decode/context.js';
import { diffusion, type PassChooser } from '../../src/engine/decode/diffusion.js';
import type { StepEvent } from '../../src/engine/decode/events.js';

/** The AR lane with its one-token steps on the tfjs forward pass, whatever the model's shape. */
export function autoregressiveOnTfjs(ctx: DecodeContext, cfg: DecodeConfig): AsyncGenerator<StepEvent> {
  return autoregressive(ctx, cfg, 'tfjs');
}

/** Every masked row of the pass gets logits, downloaded and chosen in JS; only the block's rows are scored. */
export const chooseAllInJs: PassChooser = (ctx, ids, opts, rows, cfg, rand) => {
  const r = runPass(ctx, ids, { ...opts, logitRows: rows.masked.map((j) => j - 1 - rows.first) });
  return { logitIdx: rows.masked, choices: chooseInJs(r.rows, cfg, rand, rows.block.length), kv: r.kv };
};

/** The diffusion lane choosing every masked row in JS. */
export function diffusionChoosingInJs(ctx: DecodeContext, cfg: DecodeConfig): AsyncGenerator<StepEvent> {
  return diffusion(ctx, cfg, chooseAllInJs);
}
