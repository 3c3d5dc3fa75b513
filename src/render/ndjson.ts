// NDJSON: one JSON object per line. Schema (docs/guide.md "--json"):
//   {"type":"run", ...RunInfo (lanes: [{id, label, title, color, models, passKinds}]),
//        "projection": null | {model, dtype, kvDtype, hardware, bandwidth, peakFlops, ridge, ridgeAtEfficiency, eff,
//        batch}}
//   {"type":"step", ...StepEvent, "projected": null | {cost, seconds, computeSeconds, memorySeconds, bound}}
//        one per forward pass, lane by lane in the run's lane order
//   {"type":"summary", "lane", "label", passes, tokens, modelPasses (passes of the lane's own model), weightBytes,
//        kvBytes, bytes, flops, wallMs, bytesPerFlop, tokensPerPass (TPF = tokens / modelPasses), text,
//        error, "projected": null | {passes, bytes, flops, seconds},
//        "figures": {…} the lane's own running figures (speculative: acceptanceRate, tokensPerVerify), else {}}
//                                                                                 one per lane
//   {"type":"verdict", hardware, winner, factors: [{against, factor}], breakEven: [{lane, against, passes}], exact,
//        lanes: [{id, seconds, bound, passes}], headline}   last, once, with a projection target
// A step's "detail" is the lane's own data of the pass (diffusion: its block; speculative: the round so far).
// Numbers are the engine's, unformatted (bytes, FLOPs, ms); an infinite B/F is written as null. Strings keep their
// value, but no raw control character reaches the stream (safeJson: DEL and C1 as \u escapes, like JSON's C0).
import { passSummary } from '../engine/lanes.js';
import type { Run } from '../engine/run.js';
import { safeJson } from '../engine/io/sanitize.js';
import { drainLane, judgeLanes, laneLabel, runVerdict, type LaneResult, type Writable } from './plain.js';
import { headline } from '../engine/price/headline.js';
import type { Verdict } from '../engine/price/verdict.js';
import { headlineText } from './headline-text.js';
import type { ProjectionTarget, ScheduledPass } from '../engine/price/project.js';
import { targetAttainedRidge, targetRidge } from './projection.js';
import { generatedText } from './text.js';
import { lanesTokensPerPass } from './lines.js';

export function summaryRecord(r: LaneResult) {
  return {
    type: 'summary' as const,
    lane: r.lane,
    label: r.label,
    ...r.totals,
    tokensPerPass: lanesTokensPerPass(r.totals),
    text: r.last ? generatedText(r.last.positions) : '',
    error: r.error,
    projected: r.projected,
    quality: r.quality ?? null,
    figures: Object.fromEntries((r.last ? (passSummary(r.last)?.fields ?? []) : []).map((f) => [f.key, f.value])),
  };
}

export function runRecord(run: Run, t: ProjectionTarget | null) {
  const projection = t
    ? {
        model: t.model.shape,
        dtype: t.dtype,
        kvDtype: t.kvDtype,
        hardware: t.roofline.name,
        bandwidth: t.roofline.bandwidth,
        peakFlops: t.roofline.peakFlops,
        ridge: targetRidge(t),
        // the ridge a pass's bound is judged against (the screen's "ridge … at η"); `ridge` is the datasheet's
        ridgeAtEfficiency: targetAttainedRidge(t),
        eff: t.eff,
        batch: t.batch,
      }
    : null;
  return { type: 'run' as const, ...run.info, projection };
}

export async function writeNdjson(
  run: Run,
  out: Writable,
  target: ProjectionTarget | null = null,
): Promise<LaneResult[]> {
  out.write(safeJson(runRecord(run, target)) + '\n');
  const results: LaneResult[] = [];
  const projected: Record<string, ScheduledPass[]> = {};
  for (const lane of run.info.lanes) {
    const mine: ScheduledPass[] = (projected[lane.id] = []);
    results.push(
      await drainLane(
        lane,
        run.stream(lane.id),
        target,
        (e, p) => {
          if (p) mine.push(p);
          const projected = p
            ? {
                cost: p.cost,
                seconds: p.seconds,
                computeSeconds: p.computeSeconds,
                memorySeconds: p.memorySeconds,
                bound: p.bound,
              }
            : null;
          // every step has a detail (null where the lane has none): one schema for every lane
          out.write(safeJson({ ...e, detail: e.detail ?? null, projected }) + '\n');
        },
        () => out.closed === true,
      ),
    );
  }
  await judgeLanes(run, results);
  for (const r of results) out.write(safeJson(summaryRecord(r)) + '\n');
  if (target) out.write(safeJson(verdictRecord(run, target, runVerdict(run, results, projected))) + '\n');
  return results;
}

/** The verdict record: the headline's fields (winner, factors, break-even) and the sentence plain text prints. */
export function verdictRecord(run: Run, t: ProjectionTarget, v: Verdict) {
  const h = headline(v);
  return {
    type: 'verdict' as const,
    hardware: t.roofline.name,
    winner: h?.winner ?? null,
    factors: h?.factors ?? [],
    breakEven: v.breakEven,
    exact: h?.exact ?? false,
    lanes: v.lanes.map((l) => ({ id: l.id, seconds: l.finish, bound: l.bound, passes: l.passes })),
    headline: headlineText(h, laneLabel(run)),
  };
}
