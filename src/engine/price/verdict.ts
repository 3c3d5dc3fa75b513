// The run's verdict on the projection target: per lane the projected time, which roofline term binds, and how
// many passes a lane whose pass count is a knob (diffusion's --steps) could take and still finish before each
// other lane — the break-even (break-even.ts), recomputed after every pass. Every number comes from one function below; the
// renderers only format them. Projected passes come from projection.ts (roofline time per pass at the efficiencies).
import type { ProjectedPass } from './projection.js';
import type { Bound } from './roofline.js';
import { wholeBreakEvenPasses } from './break-even.js';

/** What the verdict needs of one lane: its passes so far on the target, tokens committed, and whether it finished. */
export interface VerdictLaneInput {
  id: string;
  label: string;
  /** the lane's projected passes so far, in order */
  passes: readonly Pick<ProjectedPass, 'seconds' | 'computeSeconds' | 'memorySeconds'>[];
  /** generated tokens committed so far */
  tokens: number;
  done: boolean;
  /** true for a lane whose number of passes is chosen (diffusion): the verdict prices its break-even */
  passesVary: boolean;
}

export interface LaneVerdict {
  id: string;
  label: string;
  passes: number;
  /** Σ projected seconds of the passes so far */
  seconds: number;
  /** the roofline term that takes longer over the lane's passes */
  bound: Bound;
  /** seconds for the whole generation: exact once done, else extrapolated (see finishSeconds) */
  finish: number;
  exact: boolean;
  /** mean projected seconds per pass so far */
  meanPass: number;
}

export interface BreakEven {
  /** the lane whose passes vary (diffusion) */
  lane: string;
  /** the lane it must beat */
  against: string;
  /** the most passes of the mean pass so far that still finish within the other lane's time */
  passes: number;
}

export interface Verdict {
  lanes: LaneVerdict[];
  breakEven: BreakEven[];
  /** the lane with the smallest finish time (null before any pass) */
  fastest: string | null;
}

/** Σt: total projected seconds = Σ per-pass roofline times */
export function totalSeconds(passes: VerdictLaneInput['passes']): number {
  return passes.reduce((s, p) => s + p.seconds, 0);
}

/** The binding bound of a lane: memory when Σ memory time ≥ Σ compute time over its passes, else compute */
export function bindingBound(passes: VerdictLaneInput['passes']): Bound {
  const m = passes.reduce((s, p) => s + p.memorySeconds, 0);
  const c = passes.reduce((s, p) => s + p.computeSeconds, 0);
  return m >= c ? 'memory' : 'compute';
}

/** Whole-generation seconds: t when done, else t·n / tokens (the seconds per token so far, for all n tokens) */
export function finishSeconds(seconds: number, tokens: number, length: number, done: boolean): number {
  if (done || tokens <= 0) return seconds;
  return (seconds * length) / tokens;
}

/** Mean pass seconds: t̄ = Σt / passes */
export function meanPassSeconds(seconds: number, passes: number): number {
  return passes > 0 ? seconds / passes : 0;
}

/** The verdict over a run's lanes (length: tokens every lane generates). Lanes without passes are left out. */
export function verdict(lanes: readonly VerdictLaneInput[], length: number): Verdict {
  const out: LaneVerdict[] = lanes
    .filter((l) => l.passes.length > 0)
    .map((l) => {
      const seconds = totalSeconds(l.passes);
      return {
        id: l.id,
        label: l.label,
        passes: l.passes.length,
        seconds,
        bound: bindingBound(l.passes),
        finish: finishSeconds(seconds, l.tokens, length, l.done),
        exact: l.done,
        meanPass: meanPassSeconds(seconds, l.passes.length),
      };
    });
  const breakEven: BreakEven[] = [];
  for (const l of lanes) {
    if (!l.passesVary) continue;
    const v = out.find((x) => x.id === l.id);
    if (!v) continue;
    for (const o of out)
      if (o.id !== l.id)
        breakEven.push({ lane: l.id, against: o.id, passes: wholeBreakEvenPasses(o.finish, v.meanPass) });
  }
  const fastest = out.length ? out.reduce((a, b) => (b.finish < a.finish ? b : a)).id : null;
  return { lanes: out, breakEven, fastest };
}
