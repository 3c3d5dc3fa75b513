// The store the recorded and live entry points drive (render/store.ts), with the pacing, the `h` and `b` cycles and
// this machine's roof, from the command's options.
import type { ProjectionTarget } from '../engine/price/project.js';
import type { Run } from '../engine/run.js';
import { batchCycle, projectedMs, ridgeLabel, shownTarget, targetLabel } from '../render/projection.js';
import { laneSources, Store, type Pace } from '../render/store.js';
import type { WatchOptions } from './watch-flags.js';

/** hold after every lane finishes before --exit quits (screen ms) */
export const EXIT_HOLD_MS = 2000;

export function watchStore(run: Run, o: WatchOptions, targets: readonly ProjectionTarget[], pace: Pace): Store {
  const at = (i: number) => targets[i % targets.length]!;
  return new Store(laneSources(run), {
    pace,
    delayMs: o.delayMs,
    exitHoldMs: o.output === 'record' || o.exit ? EXIT_HOLD_MS : null,
    // live: a frame that comes late (a long pass, a big screen to draw) takes the steps it owes, up to 8, so the
    // run keeps its pace, and decoding ahead of a race yields to keys every 150 ms; recordings step on their virtual
    // clock, one step per frame at most, and decode a race's passes at once
    ...(o.output === 'live' ? { maxStepsPerFrame: 8, stepBudgetMs: 150 } : {}),
    // --pace time: projected roofline ms on the target shown (hardware h at batch b; deterministic), else measured ms
    passMs: targets.length ? (e, h, b) => projectedMs(e, shownTarget(targets, h, b)!) : undefined,
    // each lane's text judged as it finishes (the AR model's fluency, repetition): the quality beside the speed
    judge: run.judge,
    hardwareCount: targets.length,
    hardwareName: (i) => (targets.length ? `${targetLabel(at(i))} · ${ridgeLabel(at(i))}` : ''),
    batchCount: targets.length ? batchCycle(targets[0]!.batch).length : 0,
    batchName: (i) =>
      targets.length ? `batch ${batchCycle(targets[0]!.batch)[i]!}: sequences decoded together in the projection` : '',
  });
}

/** This machine's roof from a calibrate profile, when one exists (the chart falls back to the run's best passes). */
export async function localProfileRoof(
  env: Record<string, string | undefined>,
): Promise<{ peakFlops: number; bandwidth: number } | null> {
  try {
    const { readProfile, hardwareFromProfile } = await import('../engine/price/hardware.js');
    const hw = hardwareFromProfile(readProfile(env as NodeJS.ProcessEnv));
    return { peakFlops: hw.peaks.fp32!, bandwidth: hw.bandwidth };
  } catch {
    return null;
  }
}
