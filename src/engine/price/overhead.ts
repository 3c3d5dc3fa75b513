// What a pass costs on this machine beyond the roofline's max(compute, memory): the tfjs kernels the forward pass
// launches (each a dispatch from JS, ~10 µs here, several hundred a pass), the row-wise work between the matmuls
// (norms, GELU, rotary positions and head cuts in JS), and the diffusion lane's token choice on its logit rows.
// Only `--hardware local` carries these figures (`dlm-watch calibrate` measures them on the model's pass shapes);
// on a datasheet preset the terms are 0, as the cost model has no figure for them.
import type { BatchedPass } from './cost.js';
import type { ModelShape } from './shape.js';

/** The local profile's overhead figures (src/commands/calibrate.ts measures them). */
export interface LocalOverhead {
  /** seconds per tfjs kernel launched by a forward pass, beyond its matmuls' FLOPs */
  secondsPerKernel: number;
  /** seconds per token row of a forward pass spent outside the matmuls (elementwise kernels, row copies in JS) */
  secondsPerRow: number;
  /** the diffusion lane's token choice on tensors: a fixed part (its kernels and read-backs) per pass … */
  choiceSecondsPerPass: number;
  /** … and a part per logit it ranks (top-k and softmax over rows × V) */
  choiceSecondsPerLogit: number;
}

/** Which overhead terms a pass pays: a tfjs forward pass (not the fast AR step, whose overhead is inside its
 *  calibrated rate), and the diffusion lane's token choice on tensors. */
export interface OverheadTerms {
  forward?: boolean;
  choice?: boolean;
}

/**
 * Kernels one tfjs forward pass of src/engine/model/model.ts launches, as tf.profile counts them, for B sequences of q new
 * tokens, L layers, H heads: 16 + L·(47 + B·(10·H + [H>1]) + [B>1]) + 1 (the logit rows gathered) + L·H·B (the causal
 * bias added, when q > 1) + 7·L (a cache: split, concat, reshape keys and values) + L·(past ? 2 : 3) (keys/values kept).
 * Per layer: 2 LayerNorms of 9, the fused products and their wrappers, 10 per (sequence, head) in attention.
 */
export function forwardKernels(m: ModelShape, p: BatchedPass): number {
  const L = m.layers,
    H = m.heads,
    B = p.batch ?? 1;
  const past = p.k > 0;
  const bias = p.attention === 'causal' && p.q > 1 ? L * H * B : 0;
  return (
    16 +
    L * (47 + B * (10 * H + (H > 1 ? 1 : 0)) + (B > 1 ? 1 : 0)) +
    1 +
    bias +
    (past ? 7 * L : 0) +
    (p.kvWrite > 0 ? L * (past ? 2 : 3) : 0)
  );
}

/** Dispatch time of a forward pass: kernels × seconds per kernel */
export function kernelSeconds(m: ModelShape, p: BatchedPass, o: LocalOverhead): number {
  return forwardKernels(m, p) * o.secondsPerKernel;
}

/** Row-wise work outside the matmuls: B·q rows × seconds per row */
export function rowSeconds(p: BatchedPass, o: LocalOverhead): number {
  return (p.batch ?? 1) * p.q * o.secondsPerRow;
}

/** Token choice on tensors: fixed part + B·logit rows·V × seconds per logit (0 for a pass without logit rows) */
export function choiceSeconds(m: ModelShape, p: BatchedPass, o: LocalOverhead): number {
  return p.logits > 0 ? o.choiceSecondsPerPass + (p.batch ?? 1) * p.logits * m.vocab * o.choiceSecondsPerLogit : 0;
}

/** All the terms a pass pays: kernelSeconds + rowSeconds for a forward pass, + choiceSeconds for the choice */
export function overheadSeconds(
  m: ModelShape,
  p: BatchedPass,
  o: LocalOverhead | undefined,
  terms: OverheadTerms,
): number {
  if (!o) return 0;
  return (terms.forward ? kernelSeconds(m, p, o) + rowSeconds(p, o) : 0) + (terms.choice ? choiceSeconds(m, p, o) : 0);
}

/** The least-squares line y = a + b·x through points (x, y): the fit calibrate makes of time against rows. */
export function fitLine(xs: readonly number[], ys: readonly number[]): { a: number; b: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n,
    my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}
