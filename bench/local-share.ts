// How well `--hardware local` predicts this machine: for every pass of one run per lane (after the warm-up runs),
// the lane's projection on the run's own model at efficiency 1 from an in-run calibrate profile (the roofline plus the
// overhead terms the pass pays, src/engine/price/overhead.ts) vs the pass's measured wallMs. Used by bench.ts.
import type { LaneId, StepEvent } from '../src/engine/decode/events.js';
import { hardwareFromProfile, type LocalProfile } from '../src/engine/price/hardware.js';
import { projectLanePass } from '../src/engine/lanes.js';
import type { ModelPreset } from '../src/engine/price/presets.js';
import type { ProjectionTarget } from '../src/engine/price/project.js';
import { rooflineFor } from '../src/engine/price/roofline.js';
import { LOCAL_PRECISION } from '../src/engine/run.js';
import type { ModelShape } from '../src/engine/price/shape.js';

export interface LocalShare {
  passes: number;
  /** share of passes whose predicted time is within ±30 % of the measured one: the done-when asks ≥ 0.8 */
  within30: number;
  /** median of predicted / measured */
  medianRatio: number;
  /** median share of the predicted time that is overhead (dispatch, row-wise work, token choice), not roofline */
  medianOverheadShare: number;
}

/** The run's own model on this machine, as `--hardware local` with the model the run decoded. */
export function localTarget(profile: LocalProfile, shape: ModelShape): ProjectionTarget {
  const model: ModelPreset = { key: 'run', shape, decoder: 'diffusion', tiedEmbeddings: true, source: 'the run' };
  const roofline = rooflineFor(hardwareFromProfile(profile, '(in-run)'), 'fp32');
  return {
    model,
    dtype: 'fp32',
    kvDtype: 'fp32',
    precision: LOCAL_PRECISION,
    roofline,
    eff: { compute: 1, memory: 1 },
    overridden: false,
    batch: 1,
    draft: model,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** predicted / measured per pass, and the share within ±30 %. */
export function localShare(lane: LaneId, events: StepEvent[], profile: LocalProfile, shape: ModelShape): LocalShare {
  const t = localTarget(profile, shape);
  const projected = events.map((e) => projectLanePass(lane, e, t));
  const ratios = projected.map((p, i) => (p.seconds * 1000) / events[i].wallMs);
  return {
    passes: ratios.length,
    within30: +(ratios.filter((x) => Math.abs(x - 1) <= 0.3).length / ratios.length).toFixed(2),
    medianRatio: +median(ratios).toFixed(2),
    medianOverheadShare: +median(projected.map((p) => p.overheadSeconds / p.seconds)).toFixed(2),
  };
}
