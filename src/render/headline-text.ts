// The headline (src/engine/price/headline.ts) in words: "diffusion 5.8× faster than AR, 2.3× faster than speculative
// AR · break-even 186 / 83 passes". One sentence, the winner first, so a class reads the answer before the numbers.
import type { Headline } from '../engine/price/headline.js';

/** A factor as the headline prints it: two significant figures, "≈" while extrapolated. */
export function formatFactor(f: number): string {
  if (!Number.isFinite(f)) return '∞×';
  return `${f >= 10 ? f.toFixed(0) : f.toFixed(1)}×`;
}

/** "diffusion 5.8× faster than AR, 2.3× faster than speculative AR · break-even 186 / 83 passes" */
export function headlineText(h: Headline | null, label: (id: string) => string): string {
  if (!h) return 'waiting for the first pass…';
  const approx = h.exact ? '' : '≈';
  const vs = h.factors.map((f) =>
    f.factor < 1.05
      ? `level with ${label(f.against)}`
      : `${approx}${formatFactor(f.factor)} faster than ${label(f.against)}`,
  );
  const be = h.breakEven.length ? ` · break-even ${h.breakEven.map((b) => b.passes).join(' / ')} passes` : '';
  return `${label(h.winner)} ${vs.length ? vs.join(', ') : 'alone'}${be}`;
}
