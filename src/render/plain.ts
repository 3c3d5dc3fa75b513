// Plain text for pipes and logs (no escape codes): the answer first (headline, verdict, summary, texts), then per
// lane one line per pass.
import type { StepEvent } from '../engine/decode/events.js';
import { laneProjector, passBlock, passSummary, type LaneInfo } from '../engine/lanes.js';
import type { Run } from '../engine/run.js';
import type { Quality } from '../engine/quality.js';
import { visible } from '../engine/io/sanitize.js';
import { formatBytes, formatBytesPerFlop, formatFlops, formatMs } from './format.js';
import { escapeTokenText, MASK, PROMPT_END } from './glyphs.js';
import { lanesTokensPerPass, modelLine, promptLine } from './lines.js';
import type { ProjectionTarget, ScheduledPass, Totals } from '../engine/price/project.js';
import { efficiencyLabel, fitNote, laneRidgeNotes, targetLabel, ridgeLabel } from './projection.js';
import { explainPass } from './explain.js';
import { verdict, type Verdict } from '../engine/price/verdict.js';
import { verdictTexts } from './verdict-text.js';
import { headline } from '../engine/price/headline.js';
import { headlineText, loopNote } from './headline-text.js';
import { addPass, EMPTY_TOTALS, type LaneTotals } from './store.js';
import { shownText } from './text.js';
import { colourBoundWords } from './palette.js';

export interface Writable {
  write(s: string): unknown;
  /** true once the reader went away (EPIPE): stop pulling passes */
  closed?: boolean;
}

export interface LaneResult {
  lane: LaneInfo['id'];
  /** the lane's short name (summary tables) */
  label: string;
  totals: LaneTotals;
  /** projected totals on the target (null without one) */
  projected: Totals | null;
  last: StepEvent | null;
  error: string | null;
  /** its final text judged (judgeLanes; absent until then, null without a text or a judge) */
  quality?: Quality | null;
}

/** Judge every lane's final text (the run's judge: the AR lanes' model), in place; a run without one leaves them. */
export async function judgeLanes(run: Run, results: LaneResult[]): Promise<void> {
  for (const r of results) r.quality = run.judge && r.last && !r.error ? await run.judge(r.last) : null;
}

/** "27 plausible": the adjusted perplexity and its word (quality.ts), or "-" */
export function qualityCell(q: Quality | null | undefined): string {
  return q ? `${q.adjusted < 100 ? q.adjusted.toFixed(1) : q.adjusted.toFixed(0)} ${q.word}` : '-';
}

/** Pull a lane to its end, calling onEvent per pass (with its projection); errors end the lane and are returned. */
export async function drainLane(
  lane: Pick<LaneInfo, 'id' | 'label'>,
  gen: AsyncGenerator<StepEvent>,
  target: ProjectionTarget | null,
  onEvent: (e: StepEvent, projected: ScheduledPass | null) => void,
  stop: () => boolean = () => false,
): Promise<LaneResult> {
  let totals = EMPTY_TOTALS;
  let last: StepEvent | null = null;
  const projector = target ? laneProjector(lane.id, target) : null;
  const result = (error: string | null): LaneResult => ({
    lane: lane.id,
    label: lane.label,
    totals,
    projected: projector ? projector.total : null,
    last,
    error,
  });
  try {
    for await (const e of gen) {
      totals = addPass(totals, e);
      last = e;
      onEvent(e, projector ? projector.add(e) : null);
      if (e.done || stop()) break;
      // a pass runs synchronously: let signals (Ctrl-C) and a closed pipe be seen between passes
      await new Promise((r) => setImmediate(r));
    }
    return result(null);
  } catch (err) {
    return result(visible(err instanceof Error ? err.message : String(err)));
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
  ['proj B/F', 10],
  ['proj ms', 10],
] as const;

function row(cells: string[]): string {
  return cells
    .map((c, i) => (i === 1 ? ' ' + c.padEnd(COLS[i]![1] - 1) : c.padStart(COLS[i]![1])))
    .join('')
    .trimEnd();
}

/** one line per pass: step, kind, block, tokens committed, bytes (weights, KV), FLOPs, B/F, measured ms, projected B/F and ms */
export function passRow(e: StepEvent, projected: ScheduledPass | null = null): string {
  const b = e.cost.bytes;
  const block = passBlock(e);
  return row([
    `${e.step + 1}`,
    e.kind,
    block ? `${block.index + 1}/${block.count}` : '-',
    `${e.committed.length}`,
    formatBytes(b.total),
    formatBytes(b.weights),
    formatBytes(b.kvRead + b.kvWrite),
    formatFlops(e.cost.flops.total),
    formatBytesPerFlop(e.cost.bytesPerFlop),
    formatMs(e.wallMs),
    projected ? formatBytesPerFlop(projected.cost.bytesPerFlop) : '-',
    projected ? formatMs(projected.seconds * 1000) : '-',
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
    s += p.state === 'masked' ? MASK : shownText(p);
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
  ['proj bytes', 11],
  ['proj FLOPs', 12],
  ['proj time', 10],
  ['quality', 16],
] as const;

export function summaryTable(results: readonly LaneResult[]): string {
  // the lane column as wide as the longest label ("block diffusion"), at least its own width
  const laneWidth = Math.max(SUMMARY_COLS[0][1], ...results.map((r) => r.label.length + 1));
  const width = (i: number) => (i === 0 ? laneWidth : SUMMARY_COLS[i]![1]);
  const fmt = (cells: string[]) =>
    cells
      // a cell wider than its column still keeps a space before it ("1.24 s23.3 plausible" read as one figure)
      .map((c, i) => (i === 0 ? c.padEnd(width(i)) : c.padStart(width(i)).replace(/^(?! )/, ' ')))
      .join('')
      .trimEnd();
  const lines = [fmt(SUMMARY_COLS.map(([n]) => n))];
  for (const r of results) {
    const t = r.totals;
    lines.push(
      fmt([
        r.label,
        `${t.passes}`,
        `${t.tokens}`,
        lanesTokensPerPass(t).toFixed(2),
        formatBytes(t.bytes),
        formatFlops(t.flops),
        t.passes ? formatBytesPerFlop(t.bytesPerFlop) : '-',
        formatMs(t.wallMs),
        r.projected ? formatBytes(r.projected.bytes) : '-',
        r.projected ? formatFlops(r.projected.flops) : '-',
        r.projected ? formatMs(r.projected.seconds * 1000) : '-',
        qualityCell(r.quality),
      ]),
    );
  }
  return lines.join('\n');
}

/** "projection: Llama 3.3 70B · fp8 · H200 SXM (70 % compute · 75 % memory) · ridge 0.0026 B/F at η" */
export function projectionLine(t: ProjectionTarget | null, tokens = 0): string {
  const fit = t && tokens ? fitNote(t, tokens) : '';
  return t
    ? `projection: ${targetLabel(t)} (${efficiencyLabel(t)}) · ${ridgeLabel(t)}${fit ? ` · ${fit}` : ''}`
    : 'projection: —';
}

export interface PlainOptions {
  /** --explain: a caption line under every pass */
  explain?: boolean;
  /** FORCE_COLOR: colour the bounds in the verdict and captions (no cursor movement, still plain text) */
  color?: boolean;
}

/** The bound words in their colour (render/palette.ts, as in calc and the live view), 24-bit */
function colourBounds(s: string, color: boolean): string {
  return color ? colourBoundWords(s, true) : s;
}

/** The verdict of a finished run from its lanes' results and projected passes (plain text and NDJSON alike). */
export function runVerdict(
  run: Run,
  results: readonly LaneResult[],
  projected: Readonly<Record<string, readonly ScheduledPass[]>>,
): Verdict {
  return verdict(
    run.info.lanes.map((l, i) => ({
      id: l.id,
      label: l.label,
      passes: projected[l.id] ?? [],
      tokens: results[i]!.totals.tokens,
      done: results[i]!.error === null,
      passesVary: l.passesVary,
    })),
    run.info.config.length,
  );
}

/** A lane's label by id (the id itself for one not in the run). */
export const laneLabel = (run: Run) => (id: string) => run.info.lanes.find((l) => l.id === id)?.label ?? id;

/** Write the whole run as plain text, the answer first (what a pipe's reader wants): the headline naming the winner,
 *  the verdict, the summary and the texts, then every lane's passes; returns the lanes' results (exit 1 when one
 *  failed). Nothing but the three header lines is written until every lane has finished. */
export async function writePlain(
  run: Run,
  out: Writable,
  target: ProjectionTarget | null = null,
  o: PlainOptions = {},
): Promise<LaneResult[]> {
  const color = o.color ?? false;
  out.write(`dlm-watch ${promptLine(run.info)}\n`);
  out.write(`${modelLine(run.info)}\n`);
  out.write(`${projectionLine(target, run.info.promptTokens + run.info.config.length)}\n`);
  const results: LaneResult[] = [];
  const projected: Record<string, ScheduledPass[]> = {};
  const passLines: Record<string, string[]> = {};
  for (const lane of run.info.lanes) {
    const mine: ScheduledPass[] = (projected[lane.id] = []);
    const lines: string[] = (passLines[lane.id] = []);
    const onPass = (e: StepEvent, p: ScheduledPass | null) => {
      lines.push(passRow(e, p));
      if (p) mine.push(p);
      if (o.explain) lines.push(`       ↳ ${colourBounds(explainPass(lane.label, e, p, target), color)}`);
    };
    const r = await drainLane(lane, run.stream(lane.id), target, onPass, () => out.closed === true);
    if (r.error) lines.push(`error: ${r.error}`);
    results.push(r);
  }
  await judgeLanes(run, results);
  if (target) {
    const v = runVerdict(run, results, projected);
    const h = headline(v);
    out.write(`\nOn ${target.roofline.name}: ${headlineText(h, laneLabel(run))}\n`);
    const loops = h ? loopNote(h.winner, Object.fromEntries(results.map((r) => [r.lane, r.quality?.word]))) : '';
    if (loops) out.write(`${loops}\n`);
    const planned = Object.fromEntries(results.map((r) => [r.lane, r.totals.passes]));
    out.write(`Verdict: ${colourBounds(verdictTexts(v, run.info.lanes, target, planned)[0]!, color)}\n`);
    // a lane whose passes sit near the line where a pass turns compute-bound: say where the line is
    const last = (id: string) => results.find((r) => r.lane === id)?.last;
    for (const note of laneRidgeNotes(run.info.lanes, last, target)) out.write(`${note}\n`);
  }
  out.write(`\nSummary\n${summaryTable(results)}\n`);
  out.write(
    'quality: perplexity of the text under the AR model, ×20 for a text of pure repetition (lower is better; plausible < 40, as likely as the corpus’s own prose to this small judge, which cannot vouch for grammar; loops: distinct-3 < 0.5)\n',
  );
  out.write("tok/pass: tokens per forward pass of the lane's own model (TPF); passes also count a draft's\n");
  // each lane's own running figures in a sentence (speculative: α and τ)
  for (const r of results) {
    const figures = r.last ? passSummary(r.last) : null;
    if (figures) out.write(`${r.label}: ${figures.long}\n`);
  }
  out.write('\nText (prompt │ generated)\n');
  for (const r of results) out.write(`${r.label}:\n${finalText(r.last)}\n`);
  // the passes last: a few hundred rows per lane
  for (const lane of run.info.lanes) out.write(`\n${lane.title}\n${PASS_HEADER}\n${passLines[lane.id]!.join('\n')}\n`);
  return results;
}
