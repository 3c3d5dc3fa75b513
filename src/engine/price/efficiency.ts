// How much of the roofline a pass achieves (issue 22): the fixed 70 % / 75 % of the worked example, or a shaped model
// fitted to published measurements (src/engine/price/published.ts, docs/published-check.md):
//
//   memory:  η_m constant: the bytes a memory-bound pass streams arrive at a fixed fraction of the bandwidth;
//   compute: η_c(n) = η_c,max · n / (n + n½): a matmul's FLOP rate rises with the rows n it multiplies per weight read
//            (n = B·q, every sequence's tokens in the pass) and saturates at η_c,max; n½ rows reach half of it.
//
// Three numbers, fitted in closed form (efficiency-fit.ts): η_m on TensorRT-LLM's Llama 3.3 70B step on H200, η_c,max
// and n½ on the two d3LLM-LLaDA H100 passes (batch 1 and 4) measured against the AR step of the same serving stack.
// Everything else published is held out. The worked example stays exact under `--efficiency fixed`.
import { UsageError } from '../io/errors.js';
import type { Efficiency } from './roofline.js';

/** The shaped model's three numbers (efficiency-fit.ts derives them from the fit points; a test pins the two equal). */
export const SHAPED = {
  /** η_m: TensorRT-LLM, Llama 3.3 70B fp8 on H200, 51.14 tok/s at batch 1 */
  memory: 0.742,
  /** η_c,max */
  computeMax: 0.652,
  /** n½: rows at which a matmul reaches half of η_c,max */
  rowsHalf: 93,
} as const;

export type EfficiencyMode = 'shaped' | 'fixed';
export const EFFICIENCY_MODES: readonly EfficiencyMode[] = ['shaped', 'fixed'];

export function parseEfficiencyMode(s: string): EfficiencyMode {
  const m = s.trim().toLowerCase() as EfficiencyMode;
  if (!EFFICIENCY_MODES.includes(m))
    throw new UsageError(`unknown --efficiency "${s}": valid values are ${EFFICIENCY_MODES.join(', ')}`);
  return m;
}

/** The shaped model as an Efficiency: compute is η_c,max, rowsHalf makes it rise with the pass's rows. */
export function shapedEfficiency(): Efficiency {
  return { compute: SHAPED.computeMax, memory: SHAPED.memory, rowsHalf: SHAPED.rowsHalf };
}

/** Compute efficiency at n rows: η_c(n) = η_c,max · n / (n + n½) (fixed: η_c whatever n) */
export function computeEfficiencyAt(e: Efficiency, rows: number): number {
  if (e.rowsHalf === undefined) return e.compute;
  const n = Math.max(rows, 1);
  return (e.compute * n) / (n + e.rowsHalf);
}

/** The efficiencies one pass of n rows achieves: { η_c(n), η_m } (a fixed Efficiency is returned as it is) */
export function efficiencyAt(e: Efficiency, rows: number): Efficiency {
  if (e.rowsHalf === undefined) return e;
  return { compute: computeEfficiencyAt(e, rows), memory: e.memory };
}
