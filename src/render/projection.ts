// What the renderers show of the projection (src/engine/price/project.ts): the run's pass schedule re-priced on a big
// model and real hardware. The engine computes every number; this file picks targets for `h` and memoises.
import { bytesPerFlop } from '../engine/price/cost.js';
import type { LaneId, StepEvent } from '../engine/decode/events.js';
import { HARDWARE } from '../engine/price/hardware.js';
import { projectLanePass, type LanePass } from '../engine/lanes.js';
import {
  projector,
  selectTarget,
  type ProjectionTarget,
  type ScheduledPass,
  type TargetOptions,
  type Totals,
} from '../engine/price/project.js';
import { attainedRidge, ridgeBytesPerFlop } from '../engine/price/roofline.js';
import { fitOf } from '../engine/price/fit.js';
import { computeBoundFrom, nearRidge } from '../engine/price/ridge-rows.js';
import { formatBytes, formatBytesPerFlop } from './format.js';

/** The targets `h` cycles through: the selected one first, then every other preset hardware with a peak at the
 * dtype. Only the selected one when --peak-tflops/--bandwidth replaced table figures (they would not carry over). */
export async function projectionTargets(o: TargetOptions): Promise<ProjectionTarget[]> {
  const first = await selectTarget(o);
  if (first.overridden) return [first];
  const rest: ProjectionTarget[] = [];
  for (const hw of HARDWARE) {
    if (hw.key === first.roofline.hardware) continue;
    try {
      rest.push(await selectTarget({ ...o, hardware: hw.key }));
    } catch {
      // no peak at this dtype (e.g. Apple parts have no official figure): not a cycling target
    }
  }
  return [first, ...rest];
}

/** "Llama 3.3 70B · fp8 · H200 SXM", or "… · fp8 at the bf16 peak · A100 40GB" when the dtype has no column; "· batch 64" past 1 */
export function targetLabel(t: ProjectionTarget): string {
  const col = t.roofline.peakColumn;
  const dtype = col === t.dtype || col === 'user' ? t.dtype : `${t.dtype} at the ${col} peak`;
  return `${t.model.shape.name} · ${dtype} · ${t.roofline.name}${t.batch > 1 ? ` · batch ${t.batch}` : ''}`;
}

/** The batches `b` cycles through: 1, 8, 64, 256 (and --batch when it is another), starting at --batch. */
export const BATCH_STEPS: readonly number[] = [1, 8, 64, 256];

export function batchCycle(start: number): number[] {
  const all = [...new Set([...BATCH_STEPS, start])].sort((a, b) => a - b);
  const i = all.indexOf(start);
  return [...all.slice(i), ...all.slice(0, i)];
}

const rebatched = new WeakMap<ProjectionTarget, Map<number, ProjectionTarget>>();

/** The target at another batch, memoised so that laneProjection's cache (keyed by target) keeps working. */
export function withBatch(t: ProjectionTarget, batch: number): ProjectionTarget {
  if (batch === t.batch) return t;
  let byBatch = rebatched.get(t);
  if (!byBatch) rebatched.set(t, (byBatch = new Map()));
  let hit = byBatch.get(batch);
  if (!hit) byBatch.set(batch, (hit = { ...t, batch }));
  return hit;
}

/** What the view projects onto: hardware entry i (`h`) at entry j of the batch cycle (`b`). */
export function shownTarget(
  targets: readonly ProjectionTarget[],
  hardwareIndex: number,
  batchIndex: number,
): ProjectionTarget | null {
  if (!targets.length) return null;
  const t = targets[hardwareIndex % targets.length]!;
  const cycle = batchCycle(t.batch);
  return withBatch(t, cycle[batchIndex % cycle.length]!);
}

/** Efficiencies as printed: "70 % compute · 75 % memory" */
export function efficiencyLabel(t: ProjectionTarget): string {
  // the shaped model (engine efficiency.ts): compute efficiency rises with a pass's rows toward its maximum
  if (t.eff.rowsHalf !== undefined)
    return `compute ${Math.round(t.eff.compute * 100)} %·n/(n+${t.eff.rowsHalf}) · ${Math.round(t.eff.memory * 100)} % memory`;
  return `${Math.round(t.eff.compute * 100)} % compute · ${Math.round(t.eff.memory * 100)} % memory`;
}

/** The target's datasheet ridge point (engine: bandwidth / peak): where its drawn roof bends; no bound is judged by it. */
export function targetRidge(t: ProjectionTarget): number {
  return ridgeBytesPerFlop(t.roofline);
}

/** The ridge at the target's efficiencies, the one every bound is judged against (engine boundOf: η_m·bandwidth /
 *  η_c·peak; at η_c,max for the shaped model); the gauge's ┼, the chart's dotted line, header, legend. */
export function targetAttainedRidge(t: ProjectionTarget): number {
  return attainedRidge(t.roofline, t.eff);
}

/** "ridge 0.0026 B/F at η": the attained ridge as header and hardware names print it */
export function ridgeLabel(t: ProjectionTarget): string {
  return `ridge ${formatBytesPerFlop(targetAttainedRidge(t))} B/F at η`;
}

/** Projected milliseconds of one pass of a lane on the target (engine roofline time × 1000). */
export function projectedMs(e: Pick<StepEvent, 'lane' | 'shape' | 'kind'>, t: ProjectionTarget): number {
  return projectLanePass(e.lane, e, t).seconds * 1000;
}

export interface LaneProjection {
  /** every pass so far on the target, in order */
  passes: readonly ScheduledPass[];
  last: ScheduledPass | null;
  total: Totals;
  /** projected B/F of every pass, in order (sparkline) */
  bpf: number[];
  /** overall projected B/F = total bytes / total FLOPs */
  bytesPerFlop: number;
}

const cache = new WeakMap<readonly LanePass[], Map<ProjectionTarget, LaneProjection>>();
/** the last projection per lane and target: the store's next schedule extends the previous one by a pass or a few */
const latest = new Map<LaneId, { schedule: readonly LanePass[]; t: ProjectionTarget; p: LaneProjection }>();

/** A lane's schedule so far, priced on the target (memoised per passes array and target: frames redraw often; a
 * schedule that extends the last one is priced only for its new passes). */
export function laneProjection(lane: LaneId, schedule: readonly LanePass[], t: ProjectionTarget): LaneProjection {
  let byTarget = cache.get(schedule);
  if (!byTarget) cache.set(schedule, (byTarget = new Map()));
  const hit = byTarget.get(t);
  if (hit) return hit;
  const prev = latest.get(lane);
  const n =
    prev && prev.t === t && prev.schedule.length <= schedule.length && prev.schedule.every((x, i) => x === schedule[i])
      ? prev.schedule.length
      : 0;
  const head = n > 0 ? prev!.p : null;
  // the new passes continue the running totals where the last projection left them
  const proj = projector((x: LanePass) => projectLanePass(lane, x, t), head?.total);
  const passes = head ? [...head.passes] : [];
  for (const x of schedule.slice(n)) passes.push(proj.add(x));
  const total = proj.total;
  const p: LaneProjection = {
    passes,
    last: passes[passes.length - 1] ?? null,
    total,
    bpf: passes.map((x) => x.cost.bytesPerFlop),
    bytesPerFlop: bytesPerFlop(total.bytes, total.flops),
  };
  byTarget.set(t, p);
  latest.set(lane, { schedule, t, p });
  return p;
}

/** "does not fit: 69.5 GB of weights and KV cache > 40.0 GB" where the target cannot hold the generation, else "";
 *  short: "does not fit: 69.5 GB > 40.0 GB" */
export function fitNote(t: ProjectionTarget, tokens: number, short = false): string {
  const f = fitOf(t, tokens);
  if (f.fits !== false) return '';
  return `does not fit: ${formatBytes(f.need)}${short ? '' : ' of weights and KV cache'} > ${formatBytes(f.capacity!)}`;
}

/** The ridge note of the lanes whose pass count is a knob (diffusion), from each one's last pass: "diffusion: 264
 *  positions per pass; …" per lane near the line (live verdict and plain text alike), none elsewhere */
export function laneRidgeNotes(
  lanes: readonly { id: LaneId; label: string; passesVary: boolean }[],
  last: (id: LaneId) => StepEvent | null | undefined,
  t: ProjectionTarget,
): string[] {
  return lanes
    .filter((l) => l.passesVary)
    .map((l) => {
      const rows = last(l.id)?.shape.q ?? 0;
      const note = rows ? ridgeNote(rows, t) : '';
      return note ? `${l.label}: ${note}` : '';
    })
    .filter(Boolean);
}

/** "264 positions per pass; H100 SXM fp8 is compute-bound from 275" where a pass of `rows` positions sits within ×1.5
 *  of the line (a change of hardware or setting flips its bound), else "" */
export function ridgeNote(rows: number, t: ProjectionTarget): string {
  const from = computeBoundFrom(t);
  return nearRidge(rows, from)
    ? `${rows} positions per pass; ${t.roofline.name} ${t.dtype} is compute-bound from ${from}`
    : '';
}
