// The shaped efficiency model's three numbers, fitted in closed form on the published rows marked `fit`
// (published.ts); efficiency.ts holds them rounded, and a test pins the two together.
import { measuredPassSeconds, measurement, pricedPass } from './published.js';
import { routedTokens } from './cost.js';

/** η_m = bytes / (t·bandwidth) of the TensorRT-LLM 70B step (memory-bound: every weight once per token) */
export function fitMemoryEfficiency(): number {
  const m = measurement('llama-3.3-70b-ar-h200');
  const p = pricedPass(m, { compute: 1, memory: 1 });
  return p.memorySeconds / measuredPassSeconds(m);
}

/**
 * η_c at the rows of a d3LLM pass, measured against the AR step of the same stack: the pass's compute time at
 * η_c = 1 over (published pass/step ratio × the step's predicted time at η_m), η_c = t_c(1) / (r · t_step)
 */
export function fitComputeEfficiencyAt(id: string, memory: number): { rows: number; compute: number } {
  const m = measurement(id);
  const ref = measurement(m.reference!);
  const ratio = measuredPassSeconds(m) / measuredPassSeconds(ref);
  const step = pricedPass(ref, { compute: 1, memory }).memorySeconds;
  const atPeak = pricedPass(m, { compute: 1, memory: 1 }).computeSeconds;
  return { rows: routedTokens({ ...m.pass, batch: m.batch }), compute: atPeak / (ratio * step) };
}

/** η_c,max and n½ through two points of η_c(n) = η_c,max·n/(n + n½): n½ = (η₂ − η₁)/(η₁/n₁ − η₂/n₂), η_c,max = η₁(n₁ + n½)/n₁ */
export function fitShaped(): { memory: number; computeMax: number; rowsHalf: number } {
  const memory = fitMemoryEfficiency();
  const a = fitComputeEfficiencyAt('d3llm-llada-h100-b1', memory);
  const b = fitComputeEfficiencyAt('d3llm-llada-h100-b4', memory);
  const rowsHalf = (b.compute - a.compute) / (a.compute / a.rows - b.compute / b.rows);
  return { memory, computeMax: (a.compute * (a.rows + rowsHalf)) / a.rows, rowsHalf };
}
