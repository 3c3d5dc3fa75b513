// One hidden pass per lane before anything is measured: the first passes of a lane pay for laying out the fast AR
// weights, the tfjs weight transposes and XNNPACK packings, and run cold JS; without this the first lane shown runs
// 2–3× slower than the next and `--hardware local` is held to a cold pass.
import { atLength, type DecodeConfig } from '../config.js';
import type { LaneModels, LaneSpec } from '../lanes.js';

/** Pull and discard the first three passes of every lane (AR: the prefill and two one-token steps; diffusion: three
 *  denoising passes; speculative: prefill and draft passes), then close each stream, which disposes its caches. */
export async function warmUp(lanes: readonly LaneSpec[], models: LaneModels, cfg: DecodeConfig): Promise<void> {
  for (const l of lanes) {
    const g = l.decode(models, atLength(cfg, Math.min(cfg.length, 3)));
    for (let i = 0; i < 3; i++) if ((await g.next()).done) break;
    await g.return(undefined);
  }
}
