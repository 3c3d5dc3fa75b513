// How good a text is, as numbers that need no model (sweep, the live view and plain text share them; quality.ts
// measures the inputs with the AR model): the repetition-adjusted perplexity and its word, quality relative to AR, and
// d3LLM's area under quality against tokens per pass (AUP).

/** λ = ln 20: a text none of whose trigrams is new (a pure loop) scores as if 20 times less likely, so that loops,
 * which the judge finds likely, lose to fluent text, and word salad, which it finds unlikely, still loses to both. */
export const REPETITION_PENALTY = Math.log(20);

/** Repetition-adjusted perplexity = perplexity · exp(λ·(1 − distinct-3)); lower is better. Measured with the shipped AR
 * copy (test/quality-score.test.ts): Austen's own sentences 12–28, loops 84–108, word salad 107–200. */
export function adjustedPerplexity(perplexity: number, distinct3: number | null): number {
  return perplexity * Math.exp(REPETITION_PENALTY * (1 - (distinct3 ?? 1)));
}

/** Quality relative to AR's text, the y of sweep's curve and AUP: min(1, AR's adjusted perplexity / this one's); a text
 * as good as AR's or better scores 1 (null where either is not finite). */
export function relativeQuality(adjusted: number, arAdjusted: number): number | null {
  return Number.isFinite(adjusted) && Number.isFinite(arAdjusted) && adjusted > 0
    ? Math.min(1, arAdjusted / adjusted)
    : null;
}

/** Below this distinct-3 a text repeats itself: Austen's prose and AR's sampled text score 0.97–0.99, greedy loops of
 * the small models 0.08–0.30 (models/code/README.md, npm run eval:parallel). */
export const LOOP_DISTINCT3 = 0.5;

/** The plain word a class reads: "loops" below LOOP_DISTINCT3 (a text of low perplexity can still be one loop, as code
 * is), else by the adjusted perplexity: plausible below 40 (as likely as the corpus's own prose, whose 200-token
 * passages the shipped AR copy scores 25–47: the judge cannot vouch for grammar, so not "fluent"), rough below 100,
 * garbled above. */
export function qualityWord(
  adjusted: number,
  distinct3: number | null = null,
): 'plausible' | 'rough' | 'garbled' | 'loops' | 'unjudged' {
  if (!Number.isFinite(adjusted)) return 'unjudged';
  if (distinct3 !== null && distinct3 < LOOP_DISTINCT3) return 'loops';
  return adjusted < 40 ? 'plausible' : adjusted < 100 ? 'rough' : 'garbled';
}

// ---- speed against quality (sweep) ----

/** d3LLM's penalty factor for AUP: a point 10 % below the best accuracy keeps e^−0.3 ≈ 74 % of its area. */
export const AUP_ALPHA = 3;

/** W(y) = min(exp(−α·(1 − y/y_max)), 1): how much of a point's accuracy counts. */
export function aupWeight(y: number, yMax: number, alpha = AUP_ALPHA): number {
  return Math.min(Math.exp(-alpha * (1 - y / yMax)), 1);
}

/**
 * Accuracy under parallelism (d3LLM, "AUP: when Accuracy Meets Parallelism in Diffusion Language Models", 2025):
 * AUP = ρ₁y₁ + ½ Σᵢ₌₂ (ρᵢ − ρᵢ₋₁)(yᵢW(yᵢ) + yᵢ₋₁W(yᵢ₋₁)) over the points sorted by tokens per forward pass ρ, keeping
 * only points with y ≥ y₁ − 5 (y₁: the accuracy at the lowest ρ); y in % (0–100), y_max the best accuracy of the task
 * (default: of these points). Null without points.
 */
export function aup(
  points: readonly { tpf: number; accuracy: number }[],
  yMax?: number,
  alpha = AUP_ALPHA,
): number | null {
  const sorted = [...points].sort((a, b) => a.tpf - b.tpf);
  if (sorted.length === 0) return null;
  const yMin = sorted[0]!.accuracy - 5;
  const kept = sorted.filter((p) => p.accuracy >= yMin);
  const best = yMax ?? Math.max(...kept.map((p) => p.accuracy));
  let area = kept[0]!.tpf * kept[0]!.accuracy;
  for (let i = 1; i < kept.length; i++) {
    const [a, b] = [kept[i - 1]!, kept[i]!];
    area +=
      0.5 *
      (b.tpf - a.tpf) *
      (b.accuracy * aupWeight(b.accuracy, best, alpha) + a.accuracy * aupWeight(a.accuracy, best, alpha));
  }
  return area;
}
