// Re-pricing a pass schedule on a big model and real hardware (roofline).
//
// Projecting the tiny model's run: a PassShape (q, k, logits, kvWrite, attention) counts tokens, not weights,
// so the big model's schedule IS the tiny model's shape sequence, priced with the big model's shape and dtype
// (scheduleOf). What carries over is the decoding schedule the tiny model chose (how many passes, how many
// tokens each); what does not is any claim that the big model would commit the same tokens in the same number
// of passes (data-driven strategies such as `threshold` depend on the model's confidence).
import { expertsTouched, passCost, routedTokens, type BatchedPass } from './cost.js';
import { efficiencyAt } from './efficiency.js';
import type { PassCost, PassShape } from './shape.js';
import { overheadSeconds, type OverheadTerms } from './overhead.js';
import { attainedRidge, passTime, type Bound, type Efficiency, type Roofline } from './roofline.js';
import type { ModelShape, Precision } from './shape.js';
import type { ProjectionTarget } from './target.js';
import { addTotals, ZERO_TOTALS, type Totals } from './totals.js';

export interface ProjectedPass {
  shape: BatchedPass;
  cost: PassCost;
  /** time at the efficiencies: max(compute, memory) + overheadSeconds */
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  /** beyond the roofline on `local` (overhead.ts), included in seconds; 0 elsewhere */
  overheadSeconds: number;
  bound: Bound;
  /** a mixture of experts: expected distinct routed experts per MoE block the pass touches (uniform routing, or the
   *  model's imbalance), of E; absent on a dense model */
  experts?: { touched: number; of: number };
}

/** The efficiencies a pass is priced at, and so the attained ridge its bound is judged against: the shaped model's
 *  compute efficiency depends on the rows the pass multiplies (efficiency.ts); a fixed one is the same for every pass. */
export function passEfficiency(eff: Efficiency, pass: BatchedPass): Efficiency {
  return efficiencyAt(eff, routedTokens(pass));
}

/** The attained ridge a pass's bound is judged against: η_m·bandwidth ÷ η_c·peak at the pass's efficiencies (fixed:
 *  the target's one attained ridge; shaped: its own rows'). */
export function passRidge(roofline: Roofline, eff: Efficiency, pass: BatchedPass): number {
  return attainedRidge(roofline, passEfficiency(eff, pass));
}

/** One pass on the target: its cost on the model shape, and its roofline time on the hardware (plus, on `local`, the
 *  overhead terms the pass pays: overhead.ts). */
export function projectPass(
  pass: BatchedPass,
  model: ModelShape,
  precision: Precision,
  roofline: Roofline,
  eff: Efficiency,
  terms: OverheadTerms = {},
): ProjectedPass {
  const cost = passCost(model, precision, pass);
  return {
    shape: pass,
    cost,
    ...(model.moe ? { experts: { touched: expertsTouched(model, routedTokens(pass)), of: model.moe.experts } } : {}),
    ...passTime(cost, roofline, passEfficiency(eff, pass), overheadSeconds(model, pass, roofline.overhead, terms)),
  };
}

export type Pricing = Pick<ProjectionTarget, 'model' | 'precision' | 'roofline' | 'eff'> & { batch?: number };

/** A run's pass (one sequence) on a target at its batch: B sequences of that shape in one pass. */
export function projectShape(pass: PassShape, t: Pricing, terms: OverheadTerms = {}): ProjectedPass {
  const batch = t.batch ?? 1;
  return projectPass(batch === 1 ? pass : { ...pass, batch }, t.model.shape, t.precision, t.roofline, t.eff, terms);
}

export interface ScheduledPass extends ProjectedPass {
  /** running totals up to and including this pass */
  total: Totals;
}

/** A running projection, one pass at a time (each priced by `price`), with the totals so far from `start`: the one
 *  projector (a schedule here, a lane's passes in lanes.ts, the live view's growing schedule in render/projection.ts). */
export function projector<P>(price: (pass: P) => ProjectedPass, start: Totals = ZERO_TOTALS) {
  let total = start;
  return {
    add(pass: P): ScheduledPass {
      const p = price(pass);
      total = addTotals(total, p);
      return { ...p, total };
    },
    get total(): Totals {
      return total;
    },
    reset(): void {
      total = ZERO_TOTALS;
    },
  };
}

/** Passes through a fresh projector: each with its running totals, and the total. */
export function projectAll<P>(
  passes: readonly P[],
  price: (pass: P) => ProjectedPass,
): { passes: ScheduledPass[]; total: Totals } {
  const proj = projector(price);
  const out = passes.map((p) => proj.add(p));
  return { passes: out, total: proj.total };
}

/** A running projection of pass shapes on a target at its batch (the live view feeds it each StepEvent's shape). */
export function createProjector(t: Pricing) {
  return projector((s: PassShape) => projectShape(s, t));
}

/** A whole schedule with running totals. */
export function projectSchedule(shapes: readonly PassShape[], t: Pricing): { passes: ScheduledPass[]; total: Totals } {
  return projectAll(shapes, (s) => projectShape(s, t));
}

/** The shape sequence of a run: the schedule to project on a big model (see the header comment). */
export function scheduleOf(events: readonly { shape: PassShape }[]): PassShape[] {
  return events.map((e) => ({ ...e.shape }));
}

/**
 * Autoregressive schedule of n tokens after a prompt of P tokens, as the AR decoder runs it: a prefill over the
 * prompt yields token 1, then one pass per further token (q = 1 against k = every earlier token). With P = 0
 * there is no prefill: every one of the n tokens gets its own pass, k = 0 … n−1 (a start token stands in).
 */
export function arSchedule(prompt: number, n: number): PassShape[] {
  const out: PassShape[] = [];
  if (prompt > 0) out.push({ q: prompt, k: 0, logits: 1, kvWrite: prompt, attention: 'causal' });
  for (let k = prompt > 0 ? prompt : 0; out.length < n; k++)
    out.push({ q: 1, k, logits: 1, kvWrite: 1, attention: 'causal' });
  return out;
}

/** One diffusion pass without cache (LLaDA/Dream reference code): all P+n positions, bidirectional, logits everywhere. */
export function diffusionPass(prompt: number, n: number): PassShape {
  return { q: prompt + n, k: 0, logits: prompt + n, kvWrite: 0, attention: 'bidirectional' };
}
