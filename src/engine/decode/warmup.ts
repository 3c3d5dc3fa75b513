// One hidden pass per lane before anything is measured: the first passes of a lane pay for laying out the fast
// paths' weights (on a model that runs on tfjs: its variables, transposes and XNNPACK packings), and run cold JS;
// without this the first lane shown runs 2–3× slower than the next and `--hardware local` is held to a cold pass.
// Each lane warms up on its own: a lane that cannot run fails in its own stream (run.ts), the others still run.
import { atLength, type DecodeConfig } from '../config.js';
import type { LaneModels, LaneSpec } from '../lanes.js';
import type { LaneId } from './events.js';

/** Pull and discard the first three passes of one lane (AR: the prefill and two one-token steps; diffusion: three
 *  denoising passes; speculative: prefill and draft passes), then close its stream, which disposes its caches. */
export async function warmUpLane(lane: LaneSpec, models: LaneModels, cfg: DecodeConfig): Promise<void> {
  const g = lane.decode(models, atLength(cfg, Math.min(cfg.length, 3)));
  try {
    for (let i = 0; i < 3; i++) if ((await g.next()).done) break;
  } finally {
    await g.return(undefined);
  }
}

/** Warm every lane up, one after another (a lane warming up would slow another's measured pass); never rejects:
 *  returns what each failed lane threw, by lane. */
export async function warmUp(
  lanes: readonly LaneSpec[],
  models: LaneModels,
  cfg: DecodeConfig,
): Promise<Map<LaneId, unknown>> {
  const failed = new Map<LaneId, unknown>();
  for (const l of lanes) {
    try {
      await warmUpLane(l, models, cfg);
    } catch (e) {
      failed.set(l.id, e);
    }
  }
  return failed;
}
