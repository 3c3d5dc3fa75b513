// --explain: one plain-language caption per pass, for a classroom ("AR read 69.5 GB of weights to commit one
// token: memory-bound"). Only words around the engine's numbers: the projected pass when there is a target, else
// this machine's.
import type { StepEvent } from '../engine/decode/events.js';
import type { ProjectedPass } from '../engine/price/project.js';
import { formatBytes, formatBytesPerFlop, formatFlops } from './format.js';

const count = (n: number, one: string, many: string) => (n === 1 ? `one ${one}` : `${n} ${many}`);

/** The caption of one pass: what it read, for how many positions, what it committed, and the bound that binds. */
export function explainPass(label: string, e: StepEvent, projected: ProjectedPass | null, ridge: number | null, where: string | null): string {
  const c = projected?.cost ?? e.cost;
  const kv = c.bytes.kvRead + c.bytes.kvWrite;
  const q = e.shape.q;
  const read = `read ${formatBytes(c.bytes.weights)} of weights${kv > 0 ? ` and ${formatBytes(kv)} of KV cache` : ''}`;
  const over = q === 1 ? '' : ` once for ${q} positions`;
  const did = e.kind === 'draft'
    ? 'to propose one draft token'
    : e.speculation && e.kind === 'verify'
      ? `to check ${count(e.speculation.proposed.length, 'draft token', 'draft tokens')} and commit ${count(e.committed.length, 'token', 'tokens')}`
      : `to commit ${count(e.committed.length, 'token', 'tokens')}`;
  const who = e.kind === 'draft' ? `${label}'s draft model` : label;
  const head = `${who} ${read}${over} ${did} (${formatFlops(c.flops.total)})`;
  if (!projected || ridge === null) return `${head}: ${formatBytesPerFlop(c.bytesPerFlop)} bytes per FLOP here`;
  const vs = projected.bound === 'memory' ? 'above' : 'below';
  return `${head}: ${projected.bound}-bound on ${where} (${formatBytesPerFlop(c.bytesPerFlop)} B/F, ${vs} the ${formatBytesPerFlop(ridge)} ridge)`;
}

/** The caption in few words, for narrow lanes: "AR read 69.5 GB of weights to commit one token: memory-bound" */
export function explainShort(label: string, e: StepEvent, projected: ProjectedPass | null): string {
  const c = projected?.cost ?? e.cost;
  const over = e.shape.q === 1 ? '' : ` for ${e.shape.q} positions`;
  const did = e.kind === 'draft' ? 'to propose one draft token' : `to commit ${count(e.committed.length, 'token', 'tokens')}`;
  const who = e.kind === 'draft' ? `${label}'s draft` : label;
  return `${who} read ${formatBytes(c.bytes.weights)} of weights${over} ${did}${projected ? `: ${projected.bound}-bound` : ''}`;
}
