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

/** Said after the headline when the winner's finished text loops (quality.ts: distinct-3 below 0.5): a repeat is cheap
 *  to commit many tokens of at once, so the winner's tokens per pass flatter it. `words`: each judged lane's quality
 *  word (lanes not judged yet are left out); "" while the winner is unjudged or does not loop. */
export function loopNote(winner: string, words: Readonly<Record<string, string | undefined>>): string {
  if (words[winner] !== 'loops') return '';
  const judged = Object.values(words).filter((w) => w !== undefined);
  return judged.length > 1 && judged.every((w) => w === 'loops')
    ? '⚠ every text loops (a small model, greedy): tokens per pass count repeats, which are cheap to commit together'
    : '⚠ the winner’s text loops: its tokens per pass count repeats, which are cheap to commit together';
}
