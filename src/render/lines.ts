// One-line texts the live view and the recordings share: lane titles, per-pass figures, running totals, header.
// Only formatting: every number was computed by the engine (StepEvent) or the store (totals).
import type { LaneId, StepEvent } from '../engine/decode/events.js';
import type { RunInfo } from '../engine/run.js';
import { formatBytes, formatBytesPerFlop, formatFlops, formatMs, formatParams } from './format.js';
import type { LaneTotals } from './store.js';

export function laneTitle(id: LaneId, info: RunInfo): string {
  if (id === 'ar') return 'Autoregressive (KV cache)';
  const c = info.config;
  const blocks = c.length / c.block;
  const steps = c.strategy === 'threshold' ? `τ ${c.threshold}` : `${c.steps} steps`;
  const block = blocks > 1 ? `block ${c.block}` : 'one block';
  const cache = c.cache === 'none' ? '' : ` · ${c.cache} cache`;
  return `Masked diffusion · ${c.strategy} · ${steps} · ${block}${cache}`;
}

/** "step 12/64" (1-based; "?" when the pass count is data-driven) */
export function stepLabel(e: StepEvent | null): string {
  if (!e) return 'step 0';
  return `step ${e.step + 1}/${e.plannedSteps ?? '?'}`;
}

/** step, pass kind, block, tokens committed, measured ms */
export function passLine(e: StepEvent | null, showWallMs: boolean): string {
  if (!e) return 'waiting for the first pass…';
  const block = e.block && e.block.count > 1 ? ` · block ${e.block.index + 1}/${e.block.count}` : '';
  const ms = showWallMs ? ` · ${formatMs(e.wallMs)}` : '';
  return `${stepLabel(e)} ${e.kind}${block} · +${e.committed.length} tok${ms}`;
}

/** the first variant that fits in `width` columns (else the last, to be truncated) */
export function fitFirst(variants: readonly string[], width: number): string {
  return variants.find((v) => [...v].length <= width) ?? variants[variants.length - 1]!;
}

/** bytes this pass (weights / KV), FLOPs, B/F; shorter variants for narrow lanes */
export function loadLine(e: StepEvent | null, width = Infinity): string {
  if (!e) return '';
  const b = e.cost.bytes;
  const total = formatBytes(b.total);
  const kv = formatBytes(b.kvRead + b.kvWrite);
  const rest = `${formatFlops(e.cost.flops.total)} · ${formatBytesPerFlop(e.cost.bytesPerFlop)} B/F`;
  return fitFirst([`load ${total} (w ${formatBytes(b.weights)} · kv ${kv}) · ${rest}`, `${total} (kv ${kv}) · ${rest}`], width);
}

/** running totals: loads (= passes), bytes, FLOPs, overall B/F; shorter variants for narrow lanes */
export function totalsLine(t: LaneTotals, showWallMs: boolean, width = Infinity): string {
  const ms = showWallMs ? ` · ${formatMs(t.wallMs)}` : '';
  const core = `${formatBytes(t.bytes)} · ${formatFlops(t.flops)} · ${formatBytesPerFlop(t.bytesPerFlop)} B/F`;
  return fitFirst([`Σ ${t.passes} loads · ${core}${ms}`, `Σ ${t.passes} loads · ${core}`, `Σ${t.passes} ${core}`], width);
}

/** the prompt as one quoted line */
export function promptLine(info: RunInfo): string {
  return `“${info.config.prompt.replace(/\s+/g, ' ')}”`;
}

/** model name, size, priced precision, backend */
export function modelLine(info: RunInfo): string {
  const m = info.model;
  const fixture = m.fixture ? ' (untrained fixture)' : '';
  return `model ${m.name}${fixture} · ${formatParams(m.params)} params · ${m.precision.weightBytes} B/weight · backend ${info.backend}`;
}

/** tokens per pass = generated tokens / passes */
export function tokensPerPass(t: LaneTotals): number {
  return t.passes > 0 ? t.tokens / t.passes : 0;
}
