// NDJSON: one JSON object per line. Schema (README "--json"):
//   {"type":"run", ...RunInfo, "projection": null | {label}}                 first line
//   {"type":"step", ...StepEvent}                                            one per forward pass, AR lane first
//   {"type":"summary","lane",passes,tokens,bytes,weightBytes,kvBytes,flops,bytesPerFlop,wallMs,text,error}  one per lane
// Numbers are the engine's, unformatted (bytes, FLOPs, ms); an infinite B/F is written as null.
import type { Run } from '../engine/run.js';
import { drainLane, type LaneResult, type Writable } from './plain.js';
import type { ProjectionView } from './projection.js';
import { LANES } from './store.js';
import { generatedText } from './text.js';

export function summaryRecord(r: LaneResult) {
  return {
    type: 'summary' as const,
    lane: r.lane,
    ...r.totals,
    text: r.last ? generatedText(r.last.positions) : '',
    error: r.error,
  };
}

export async function writeNdjson(run: Run, out: Writable, projection: ProjectionView | null = null): Promise<LaneResult[]> {
  out.write(JSON.stringify({ type: 'run', ...run.info, projection: projection ? { label: projection.label } : null }) + '\n');
  const results: LaneResult[] = [];
  for (const id of LANES) {
    results.push(await drainLane(id, id === 'ar' ? run.ar() : run.diffusion(), (e) => out.write(JSON.stringify(e) + '\n')));
  }
  for (const r of results) out.write(JSON.stringify(summaryRecord(r)) + '\n');
  return results;
}
