// The slot where projected costs plug in (src/engine/project.ts, written elsewhere). Until it lands the view shows
// "projection: —" and the gauge marks one hardware ridge; `h` cycles whatever hardware list the slot holds.
import type { StepEvent } from '../engine/decode/events.js';

export interface HardwareView {
  /** e.g. "H200 SXM · fp8" */
  name: string;
  /** memory bandwidth, bytes/s */
  bandwidth: number;
  /** dense peak at the chosen precision, FLOP/s */
  peak: number;
}

/** What a projection gives the renderers: a label for the header and, per pass, a projected time. */
export interface ProjectionView {
  /** e.g. "Llama 3.3 70B · fp8 on H200 SXM" */
  label: string;
  /** projected milliseconds of one pass (drives --pace time when present) */
  passMs(e: StepEvent): number;
}

/** Default target from the brief: H200 SXM, fp8 dense (cost-model.md hardware table). */
export const DEFAULT_HARDWARE: HardwareView = { name: 'H200 SXM · fp8', bandwidth: 4.8e12, peak: 1979e12 };

/** Ridge point: B/F = bandwidth / peak (a pass above it is memory-bound). H200 fp8: 4.8e12 / 1979e12 ≈ 0.0024 */
export function ridgeBytesPerFlop(hw: HardwareView): number {
  return hw.bandwidth / hw.peak;
}

export type Bound = 'memory-bound' | 'compute-bound';
/** memory-bound when the pass moves more bytes per FLOP than the hardware's ridge: B/F > bandwidth/peak */
export function boundBy(bytesPerFlop: number, ridge: number): Bound {
  return bytesPerFlop > ridge ? 'memory-bound' : 'compute-bound';
}
