// --explain: one plain-language caption per pass, for a classroom ("AR read 69.5 GB of weights to commit one
// token: memory-bound"). Only words around the engine's numbers: the projected pass when there is a target, else
// this machine's.
import type { StepEvent } from '../engine/decode/events.js';
import { passWords } from '../engine/lanes.js';
import type { ProjectedPass, ProjectionTarget } from '../engine/price/project.js';
import { bytesPerFlopDigitsApart, formatBytes, formatBytesPerFlop, formatFlops } from './format.js';
import { passRidge } from '../engine/price/projection.js';

/** The caption of one pass: what it read, for how many positions, what it committed, and the bound that binds. */
export function explainPass(
  label: string,
  e: StepEvent,
  projected: ProjectedPass | null,
  target: ProjectionTarget | null,
): string {
  const c = projected?.cost ?? e.cost;
  const kv = c.bytes.kvRead + c.bytes.kvWrite;
  const q = e.shape.q;
  const read = `read ${formatBytes(c.bytes.weights)} of weights${kv > 0 ? ` and ${formatBytes(kv)} of KV cache` : ''}`;
  const over = q === 1 ? '' : ` once for ${q} positions`;
  // who ran the pass and what it did: the lane's own words (src/engine/lanes.ts)
  const { who, did } = passWords(e, label);
  const head = `${who} ${read}${over} ${did} (${formatFlops(c.flops.total)})`;
  if (!projected || !target) return `${head}: ${formatBytesPerFlop(c.bytesPerFlop)} bytes per FLOP here`;
  const vs = projected.bound === 'memory' ? 'above' : 'below';
  // the ridge the bound was judged against (at the efficiencies), to the digits at which the two figures differ
  const ridge = passRidge(target.roofline, target.eff, projected.shape);
  const d = bytesPerFlopDigitsApart(c.bytesPerFlop, ridge);
  return `${head}: ${projected.bound}-bound on ${target.roofline.name} (${formatBytesPerFlop(c.bytesPerFlop, d)} B/F, ${vs} the ${formatBytesPerFlop(ridge, d)} ridge at η)`;
}

/** The caption in few words, for narrow lanes: "AR read 69.5 GB of weights to commit one token: memory-bound" */
export function explainShort(label: string, e: StepEvent, projected: ProjectedPass | null): string {
  const c = projected?.cost ?? e.cost;
  const over = e.shape.q === 1 ? '' : ` for ${e.shape.q} positions`;
  const { who, did } = passWords(e, label, true);
  return `${who} read ${formatBytes(c.bytes.weights)} of weights${over} ${did}${projected ? `: ${projected.bound}-bound` : ''}`;
}
