// The B/F gauge and sparkline: one fixed logarithmic scale shared by both lanes, so their needles compare.
import { GAUGE, SPARK } from './glyphs.js';

/** The gauge's fixed range in B/F: 1e-4 (big batched passes) to 10 (tiny single-token passes). */
export const SCALE = { min: 1e-4, max: 10 } as const;

/** Position of a B/F value on the log scale, 0…1 (clamped): (log10 x − log10 min) / (log10 max − log10 min) */
export function scaleFraction(bpf: number, scale: { min: number; max: number } = SCALE): number {
  if (!(bpf > 0)) return 0;
  if (!Number.isFinite(bpf)) return 1;
  const f = (Math.log10(bpf) - Math.log10(scale.min)) / (Math.log10(scale.max) - Math.log10(scale.min));
  return Math.min(1, Math.max(0, f));
}

/** Column (0…width−1) of a value on a track of `width` cells. */
export function gaugeColumn(bpf: number, width: number): number {
  return Math.round(scaleFraction(bpf) * (Math.max(1, width) - 1));
}

export type CellKind = 'track' | 'ridge' | 'needle' | 'local';
export interface GaugeCell {
  ch: string;
  kind: CellKind;
}

/**
 * A track of `width` cells: ├ ─ … ┼ (ridge) … ┤, with ● at the needle (projected B/F, or local when there is no
 * projection) and ○ at the local B/F; the needle wins a shared cell, then the local mark, then the ridge.
 */
export function gaugeCells(
  needle: number | null,
  local: number | null,
  ridge: number | null,
  width: number,
): GaugeCell[] {
  const w = Math.max(3, width);
  const cells: GaugeCell[] = Array.from({ length: w }, (_, i) => ({
    ch: i === 0 ? GAUGE.left : i === w - 1 ? GAUGE.right : GAUGE.track,
    kind: 'track',
  }));
  if (ridge !== null) cells[gaugeColumn(ridge, w)] = { ch: GAUGE.ridge, kind: 'ridge' };
  if (local !== null) cells[gaugeColumn(local, w)] = { ch: GAUGE.local, kind: 'local' };
  if (needle !== null) cells[gaugeColumn(needle, w)] = { ch: GAUGE.needle, kind: 'needle' };
  return cells;
}

/** Sparkline of the last `width` values on the same log scale: ▁ at 1e-4 … █ at 10. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  return values
    .slice(-width)
    .map((v) => SPARK[Math.min(SPARK.length - 1, Math.floor(scaleFraction(v) * SPARK.length))])
    .join('');
}
