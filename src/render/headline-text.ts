// The headline (src/engine/price/headline.ts) in words: "diffusion 5.8× faster than AR, 2.3× faster than speculative
// AR · diffusion breaks even at 186 passes vs AR, 83 vs speculative AR". One sentence, the winner first, so a class reads the answer before the numbers.
import type { Headline } from '../engine/price/headline.js';
import { passesWord } from './verdict-text.js';

/** A factor as the headline prints it: two significant figures, "≈" while extrapolated. */
export function formatFactor(f: number): string {
  if (!Number.isFinite(f)) return '∞×';
  return `${f >= 10 ? f.toFixed(0) : f.toFixed(1)}×`;
}

/** "diffusion 5.8× faster than AR, 2.3× faster than speculative AR · diffusion breaks even at 186 passes vs AR, …" */
export function headlineText(h: Headline | null, label: (id: string) => string): string {
  if (!h) return 'waiting for the first pass…';
  const approx = h.exact ? '' : '≈';
  const vs = h.factors.map((f) =>
    f.factor < 1.05
      ? `level with ${label(f.against)}`
      : `${approx}${formatFactor(f.factor)} faster than ${label(f.against)}`,
  );
  // "diffusion breaks even at 186 passes vs AR, 83 vs speculative AR": the most passes it may take and still win
  const be = h.breakEven.length
    ? ` · ${label(h.breakEven[0]!.lane)} breaks even at ${h.breakEven.map((b, i) => `${i === 0 ? passesWord(b.passes) : b.passes} vs ${label(b.against)}`).join(', ')}`
    : '';
  return `${label(h.winner)} ${vs.length ? vs.join(', ') : 'alone'}${be}`;
}
