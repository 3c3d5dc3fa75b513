// The roofline of one piece of hardware at one dtype: ridge point and the time of a pass.
// B/F everywhere (bytes per FLOP), the same unit as StepEvent.cost.bytesPerFlop: a pass is memory-bound when
// its B/F is above the ridge.
import { UsageError } from '../io/errors.js';
import type { PassCost } from './shape.js';
import { peakFor, type Hardware, type PeakColumn } from './hardware.js';
import type { LocalOverhead } from './overhead.js';
import type { Dtype } from './shape.js';

/** Hardware resolved at a dtype: the two numbers a roofline needs, and where they come from. */
export interface Roofline {
  hardware: string; // key
  name: string;
  dtype: Dtype;
  /** FLOP/s */
  peakFlops: number;
  /** bytes/s */
  bandwidth: number;
  peakColumn: PeakColumn | 'user';
  /** one line: where the peak comes from */
  peakNote: string;
  /** this machine's per-pass terms beyond the roofline (`local` only, src/engine/price/overhead.ts) */
  overhead?: LocalOverhead;
  /** memory for weights and KV cache, bytes (absent: unknown) */
  memory?: number;
  /** threads the compute rate was measured on (`local` only: a run priced on it takes as many) */
  threads?: number;
}

/** Fractions of peak FLOP/s and of bandwidth that are achieved (0 < η ≤ 1). */
export interface Efficiency {
  /** η_c, or η_c,max when rowsHalf is given */
  compute: number;
  memory: number;
  /** n½ of the shaped model (efficiency.ts): compute efficiency rises with a pass's rows, η_c·n/(n + n½); absent: fixed */
  rowsHalf?: number;
}

export interface RooflineOverrides {
  /** FLOP/s, replaces the table's peak for the dtype */
  peakFlops?: number;
  /** bytes/s */
  bandwidth?: number;
}

export function rooflineFor(hw: Hardware, dtype: Dtype, o: RooflineOverrides = {}): Roofline {
  const peak =
    o.peakFlops !== undefined
      ? { flops: o.peakFlops, column: 'user' as const, note: `${dtype} peak given with --peak-tflops` }
      : peakFor(hw, dtype);
  return {
    hardware: hw.key,
    name: hw.name,
    dtype,
    peakFlops: peak.flops,
    bandwidth: o.bandwidth ?? hw.bandwidth,
    peakColumn: peak.column,
    peakNote: peak.note,
    ...(hw.overhead ? { overhead: hw.overhead } : {}),
    ...(hw.memory ? { memory: hw.memory } : {}),
    ...(hw.threads ? { threads: hw.threads } : {}),
  };
}

/** Below 0.1 % of peak a roofline time says nothing (and 1e-300 would overflow every time shown). */
export const MIN_EFFICIENCY = 0.001;

export function validateEfficiency(e: Efficiency): void {
  for (const [k, v] of [
    ['compute', e.compute],
    ['memory', e.memory],
  ] as const)
    if (!(v >= MIN_EFFICIENCY && v <= 1))
      throw new UsageError(`--${k}-eff must be in (0, 1], at least ${MIN_EFFICIENCY}, got ${v}`);
}

/** Ridge point in B/F: bandwidth / peak */
export function ridgeBytesPerFlop(r: Roofline): number {
  return r.bandwidth / r.peakFlops;
}

/** Ridge at the efficiencies, where the two time terms cross: η_m·bandwidth / (η_c·peak); above it a pass is memory-bound */
export function effectiveRidgeBytesPerFlop(r: Roofline, e: Efficiency): number {
  return (e.memory * r.bandwidth) / (e.compute * r.peakFlops);
}

/** Tokens per pass at which weights stop dominating: N* = peak·b_w / (2·bandwidth) */
export function crossoverTokens(r: Roofline, weightBytes: number): number {
  return (r.peakFlops * weightBytes) / (2 * r.bandwidth);
}

/** Compute time: FLOPs / (η_c·peak) */
export function computeSeconds(flops: number, r: Roofline, e: Efficiency): number {
  return flops / (e.compute * r.peakFlops);
}

/** Memory time: bytes / (η_m·bandwidth) */
export function memorySeconds(bytes: number, r: Roofline, e: Efficiency): number {
  return bytes / (e.memory * r.bandwidth);
}

export type Bound = 'memory' | 'compute';

/** The B/F at which a pass's memory and compute times are equal at the efficiencies: (η_m·bandwidth) / (η_c·peak)
 * (the hardware ridge, bandwidth / peak, at 100 % of both) */
export function attainedRidge(r: Roofline, e: Efficiency): number {
  return (e.memory * r.bandwidth) / (e.compute * r.peakFlops);
}

/** The one definition of bound: memory-bound when B/F ≥ the attained ridge, i.e. bytes/(η_m·bw) ≥ FLOPs/(η_c·peak).
 * Every renderer, calc and passTime use it. */
export function boundOf(bytesPerFlop: number, r: Roofline, e: Efficiency): Bound {
  return bytesPerFlop >= attainedRidge(r, e) ? 'memory' : 'compute';
}

export interface PassTime {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  /** time beyond the roofline (dispatch, row-wise work, token choice: overhead.ts); 0 without a local profile */
  overheadSeconds: number;
  bound: Bound;
}

/** Time of a pass: t = max(FLOPs/(η_c·peak), bytes/(η_m·bandwidth)) + overhead; bound by the larger roofline term */
export function passTime(c: PassCost, r: Roofline, e: Efficiency, overheadSeconds = 0): PassTime {
  const tc = computeSeconds(c.flops.total, r, e);
  const tm = memorySeconds(c.bytes.total, r, e);
  return {
    seconds: Math.max(tc, tm) + overheadSeconds,
    computeSeconds: tc,
    memorySeconds: tm,
    overheadSeconds,
    bound: boundOf(c.bytesPerFlop, r, e),
  };
}

/** This machine's roof as a run's own passes show it: the best FLOP/s and the best bytes/s any pass reached
 * (max FLOPs/t and max bytes/t over the passes); a lower bound on the real roof, used when no calibrate profile exists. */
export function observedRoof(
  passes: readonly { bytes: number; flops: number; seconds: number }[],
): { peakFlops: number; bandwidth: number } | null {
  let peakFlops = 0,
    bandwidth = 0;
  for (const p of passes) {
    if (!(p.seconds > 0)) continue;
    peakFlops = Math.max(peakFlops, p.flops / p.seconds);
    bandwidth = Math.max(bandwidth, p.bytes / p.seconds);
  }
  return peakFlops > 0 && bandwidth > 0 ? { peakFlops, bandwidth } : null;
}
