// One-line texts the live view and the recordings share: lane titles, per-pass figures, running totals, header.
// Only formatting: every number was computed by the engine (StepEvent) or the store (totals).
import type { LaneId, StepEvent } from '../engine/decode/events.js';
import { fieldsLine, passBlock, passSummary, tokensPerPass, type LaneInfo } from '../engine/lanes.js';
import type { RunInfo } from '../engine/run.js';
import { visible } from '../engine/io/sanitize.js';
import { formatBytes, formatBytesPerFlop, formatCount, formatFlops, formatMs, formatParams } from './format.js';
import type { LaneProjection } from './projection.js';
import type { LaneTotals } from './store.js';

/** A lane of this run: title, label, colour (the registry's, src/engine/lanes.ts). */
export function laneOf(info: RunInfo, id: LaneId): LaneInfo {
  const l = info.lanes.find((x) => x.id === id);
  if (!l) throw new Error(`this run has no lane "${id}"`);
  return l;
}

/** "step 12/64" (1-based; "?" when the pass count is data-driven) */
export function stepLabel(e: StepEvent | null): string {
  if (!e) return 'step 0';
  return `step ${e.step + 1}/${e.plannedSteps ?? '?'}`;
}

/** step, pass kind, block, tokens committed, then the lane's running figures (speculative: α and τ so far); tokens
 *  per forward pass are the totals panel's tok/pass column (a header that long loses the lane's title at 80 columns) */
export function passLine(e: StepEvent | null): string {
  if (!e) return 'waiting for the first pass…';
  const b = passBlock(e);
  const block = b && b.count > 1 ? ` · block ${b.index + 1}/${b.count}` : '';
  const figures = passSummary(e)?.fields;
  return `${stepLabel(e)} ${e.kind}${block} · +${e.committed.length} tok${figures?.length ? ` · ${fieldsLine(figures)}` : ''}`;
}

/** the first variant that fits in `width` columns (else the last, to be truncated) */
export function fitFirst(variants: readonly string[], width: number): string {
  return variants.find((v) => [...v].length <= width) ?? variants[variants.length - 1]!;
}

/** this machine's pass: bytes (weights / KV), FLOPs, B/F, measured ms; shorter variants for narrow lanes */
export function hereLine(e: StepEvent | null, showWallMs: boolean, width = Infinity): string {
  if (!e) return 'here —';
  const b = e.cost.bytes;
  const total = formatBytes(b.total);
  const kv = formatBytes(b.kvRead + b.kvWrite);
  const ms = showWallMs ? ` · ${formatMs(e.wallMs)}` : '';
  const rest = `${formatFlops(e.cost.flops.total)} · ${formatBytesPerFlop(e.cost.bytesPerFlop)} B/F`;
  return fitFirst(
    [
      `here ${total} (w ${formatBytes(b.weights)} · kv ${kv}) · ${rest}${ms}`,
      `here ${total} (kv ${kv}) · ${rest}${ms}`,
      `here ${total} · ${rest}${ms}`,
    ],
    width,
  );
}

/** the same pass projected on the target: bytes (KV part), FLOPs, B/F, roofline ms */
export function projLine(p: LaneProjection | null, width = Infinity, experts = ''): string {
  const last = p?.last;
  if (!last) return 'proj —';
  const c = last.cost;
  const kv = formatBytes(c.bytes.kvRead + c.bytes.kvWrite);
  const rest = `${formatFlops(c.flops.total)} · ${formatBytesPerFlop(c.bytesPerFlop)} B/F · ${formatMs(last.seconds * 1000)}`;
  // a mixture of experts: the experts the pass touches say why its bytes are what they are (they go before the bound)
  const ex = experts ? ` · ${experts}` : '';
  return fitFirst(
    [
      `proj ${formatBytes(c.bytes.total)} (kv ${kv}) · ${rest}${ex} · ${last.bound}-bound`,
      ...(ex ? [`proj ${formatBytes(c.bytes.total)} · ${rest}${ex} · ${last.bound}-bound`] : []),
      `proj ${formatBytes(c.bytes.total)} (kv ${kv}) · ${rest} · ${last.bound}-bound`,
      ...(ex
        ? [`proj ${formatBytes(c.bytes.total)} · ${formatMs(last.seconds * 1000)}${ex} · ${last.bound}-bound`]
        : []),
      `proj ${formatBytes(c.bytes.total)} (kv ${kv}) · ${rest}`,
      `proj ${formatBytes(c.bytes.total)} · ${rest}`,
    ],
    width,
  );
}

/** A mixture of experts on the target: "experts 128/128 · 19/token" — the last target pass's expected distinct experts
 *  per MoE block, and experts touched per committed token over the run (Σ per pass / tokens; the engine counts them:
 *  ProjectedPass.experts); "" on a dense target or before a pass with experts. */
export function expertsText(p: LaneProjection | null, tokens: number): string {
  const withExperts = p?.passes.filter((x) => x.experts) ?? [];
  const last = withExperts[withExperts.length - 1]?.experts;
  if (!last) return '';
  const sum = withExperts.reduce((s, x) => s + x.experts!.touched, 0);
  const per = tokens > 0 ? ` · ${formatCount(Math.round(sum / tokens))}/token` : '';
  return `experts ${formatCount(Math.round(last.touched))}/${formatCount(last.of)}${per}`;
}

/** running totals: loads (= passes), bytes, FLOPs, overall B/F here; projected bytes and time */
export function totalsLine(t: LaneTotals, p: LaneProjection | null, showWallMs: boolean, width = Infinity): string {
  if (t.passes === 0) return 'Σ 0 loads';
  const ms = showWallMs ? ` · ${formatMs(t.wallMs)}` : '';
  const core = `${formatBytes(t.bytes)} · ${formatFlops(t.flops)} · ${formatBytesPerFlop(t.bytesPerFlop)} B/F`;
  const proj = p ? ` │ proj ${formatBytes(p.total.bytes)} · ${formatMs(p.total.seconds * 1000)}` : '';
  // the time is the target's, not this machine's: never without its marker
  const projShort = p ? ` │ proj ${formatMs(p.total.seconds * 1000)}` : '';
  return fitFirst(
    [
      `Σ ${t.passes} loads · ${core}${ms}${proj}`,
      `Σ ${t.passes} loads · ${core}${proj}`,
      `Σ ${t.passes} loads · ${core}${projShort}`,
      `Σ ${t.passes} loads · ${core}`,
      `Σ${t.passes} ${core}`,
    ],
    width,
  );
}

/** the prompt as one quoted line */
export function promptLine(info: RunInfo): string {
  // outside input: whitespace runs as one space, every other control character as a visible escape
  return `“${visible(info.config.prompt.replace(/\s+/g, ' '))}”`;
}

/** The model and its adapted copies in one name: "dlm-watch austen (diffusion + ar)" where they share a stem, else
 *  "main + copy". */
export function modelNames(main: string, copies: readonly { name: string }[]): string {
  if (!copies.length) return main;
  const stem = (n: string) => /^(.*) \(([^()]*)\)$/.exec(n);
  const all = [main, ...copies.map((c) => c.name)].map(stem);
  if (all.every((x) => x && x[1] === all[0]![1])) return `${all[0]![1]} (${all.map((x) => x![2]).join(' + ')})`;
  return [main, ...copies.map((c) => c.name)].join(' + ');
}

/** model name, size, priced precision, backend ("…" for the size and backend while the weights load), threads of the
 *  multi-row passes */
export function modelLine(info: RunInfo): string {
  const m = info.model;
  const fixture = m.fixture && !/fixture/i.test(m.name) ? ' (untrained fixture)' : '';
  const params = m.params === null ? '…' : formatParams(m.params);
  return `model ${modelNames(m.name, m.copies)}${fixture} · ${params} params${m.copies.length ? ' each' : ''} · ${m.precision.weightBytes} B/weight · backend ${info.backend ?? '…'}${info.threads ? ` · threads ${info.threads}` : ''}`;
}

/** A lane's tokens per forward pass from its totals (the formula is the engine's: lanes.ts tokensPerPass). */
export function lanesTokensPerPass(t: LaneTotals): number {
  return tokensPerPass(t.tokens, t.modelPasses);
}
