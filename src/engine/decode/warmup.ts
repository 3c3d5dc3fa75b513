// One hidden pass per lane before anything is measured: the first pass of a lane pays for laying out the fast AR
// weights, the tfjs weight transposes and XNNPACK packings, and runs cold JS; without this the first lane shown runs
// 2–3× slower than the next and `--hardware local` is held to a cold pass.
import type { DecodeConfig } from '../config.js';
import { autoregressive } from './autoregressive.js';
import type { DecodeContext } from './context.js';
import { diffusion } from './diffusion.js';

/** Run and discard an AR prefill plus two one-token steps, and the first diffusion pass, of this config. */
export async function warmUp(ctx: DecodeContext, cfg: DecodeConfig): Promise<void> {
  for await (const e of autoregressive(ctx, { ...cfg, length: Math.min(cfg.length, 3) })) void e;
  for await (const e of diffusion(ctx, cfg)) { void e; break; } // break disposes the lane's caches (its finally)
}
