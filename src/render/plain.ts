// Plain text for pipes and logs (no escape codes): per lane one line per pass, then the final texts and a summary.
import type { LaneId, StepEvent } from '../engine/decode/events.js';
import type { Run } from '../engine/run.js';
import { formatBytes, formatBytesPerFlop, formatFlops, formatMs } from './format.js';
import { escapeTokenText, PROMPT_END } from './glyphs.js';
import { laneTitle, modelLine, promptLine, tokensPerPass } from './lines.js';
import { DEFAULT_HARDWARE, ridgeBytesPerFlop, type HardwareView, type ProjectionView } from './projection.js';
import { addPass, EMPTY_TOTALS, LANES, type LaneTotals } from './store.js';

export interface Writable {
  write(s: string): unknown;
}

export interface LaneResult {
  lane: LaneId;
  totals: LaneTotals;
  last: StepEvent | null;
  error: string | null;
}

/** Pull a lane to its end, calling onEvent per pass; errors end the lane and are returned, not thrown. */
export async function drainLane(id: LaneId, gen: AsyncGenerator<StepEvent>, onEvent: (e: StepEvent) => void): Promise<LaneResult> {
  let totals = EMPTY_TOTALS;
  let last: StepEvent | null = null;
  try {
    for await (const e of gen) {
      totals = addPass(totals, e);
      last = e;
      onEvent(e);
      if (e.done) break;
    }
    return { lane: id, totals, last, error: null };
  } catch (err) {
    return { lane: id, totals, last, error: err instanceof Error ? err.message : String(err) };
  }
}

const COLS = [
  ['step', 6],
  ['kind', 8],
  ['block', 6],
  ['tok', 4],
  ['bytes', 10],
  ['weights', 10],
  ['kv', 10],
  ['FLOPs', 12],
  ['B/F', 8],
  ['ms', 10],
] as const;

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 1 ? ' ' + c.padEnd(COLS[i]![1] - 1) : c.padStart(COLS[i]![1]))).join('').trimEnd();
}

/** one line per pass: step, kind, block, tokens committed, bytes (weights, KV), FLOPs, B/F, measured ms */
export function passRow(e: StepEvent): string {
  const b = e.cost.bytes;
  return row([
    `${e.step + 1}`,
    e.kind,
    e.block ? `${e.block.index + 1}/${e.block.count}` : '-',
    `${e.committed.length}`,
    formatBytes(b.total),
    formatBytes(b.weights),
    formatBytes(b.kvRead + b.kvWrite),
    formatFlops(e.cost.flops.total),
    formatBytesPerFlop(e.cost.bytesPerFlop),
    formatMs(e.wallMs),
  ]);
}

export const PASS_HEADER = row(COLS.map(([name]) => name));

/** the lane's final text: prompt, │, generated text; control characters escaped, newlines kept, indented */
export function finalText(e: StepEvent | null, indent = '  '): string {
  if (!e) return `${indent}(no pass)`;
  let s = '';
  let promptDone = false;
  for (const p of e.positions) {
    if (p.state !== 'prompt' && !promptDone) {
      s += PROMPT_END;
      promptDone = true;
    }
    s += p.state === 'masked' ? '░' : p.text;
  }
  return escapeTokenText(s)
    .parts.map((l) => indent + l)
    .join('\n');
}

const SUMMARY_COLS = [
  ['lane', 10],
  ['passes', 7],
  ['tokens', 7],
  ['tok/pass', 9],
  ['bytes', 10],
  ['FLOPs', 12],
  ['B/F', 8],
  ['measured', 10],
] as const;

export function summaryTable(results: readonly LaneResult[]): string {
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(SUMMARY_COLS[i]![1]) : c.padStart(SUMMARY_COLS[i]![1]))).join('').trimEnd();
  const lines = [fmt(SUMMARY_COLS.map(([n]) => n))];
  for (const r of results) {
    const t = r.totals;
    lines.push(
      fmt([
        r.lane === 'ar' ? 'AR' : 'diffusion',
        `${t.passes}`,
        `${t.tokens}`,
        tokensPerPass(t).toFixed(2),
        formatBytes(t.bytes),
        formatFlops(t.flops),
        t.passes ? formatBytesPerFlop(t.bytesPerFlop) : '-',
        formatMs(t.wallMs),
      ]),
    );
  }
  return lines.join('\n');
}

export interface PlainOptions {
  hardware?: HardwareView;
  projection?: ProjectionView | null;
}

/** Write the whole run as plain text; returns the lanes' results (exit code 1 when one failed). */
export async function writePlain(run: Run, out: Writable, opts: PlainOptions = {}): Promise<LaneResult[]> {
  const hw = opts.hardware ?? DEFAULT_HARDWARE;
  out.write(`dlm-watch ${promptLine(run.info)}\n`);
  out.write(`${modelLine(run.info)}\n`);
  out.write(`projection: ${opts.projection?.label ?? '—'} · ridge ${hw.name} ${formatBytesPerFlop(ridgeBytesPerFlop(hw))} B/F\n`);
  const results: LaneResult[] = [];
  for (const id of LANES) {
    out.write(`\n${laneTitle(id, run.info)}\n${PASS_HEADER}\n`);
    const r = await drainLane(id, id === 'ar' ? run.ar() : run.diffusion(), (e) => out.write(passRow(e) + '\n'));
    if (r.error) out.write(`error: ${r.error}\n`);
    results.push(r);
  }
  out.write('\nText (prompt │ generated)\n');
  for (const r of results) out.write(`${r.lane === 'ar' ? 'AR' : 'diffusion'}:\n${finalText(r.last)}\n`);
  out.write(`\nSummary\n${summaryTable(results)}\n`);
  return results;
}
