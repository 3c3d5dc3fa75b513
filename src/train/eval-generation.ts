// eval's generation quality (src/train/eval.ts runs it on one model directory):
// - Generation on fixtures/prompts.json: L = 64 tokens per prompt. Greedy: AR, and diffusion (low-confidence, one
//   block, no cache) at L, L/2, L/4, L/8 passes; diffusion with --strategy threshold at τ = 0.9, 0.7, 0.5 (Fast-dLLM:
//   commit every position with p ≥ τ, at least one); greedy at the tool's default length and blocks, at 1 token per
//   pass and at τ = 0.9 (the threshold target's protocol); then every lane at the tool's default settings
//   (DEFAULT_DECODE).
//   Quality = generative perplexity under the AR lane's model (<model-dir>/ar, else the model's own AR mode), the share of generated words found among the training
//   text's words, and distinct-1/2/3 (src/engine/quality.ts), pooled over the prompts.
// Speculative decoding with the shipped draft: greedy at γ = 2, 4, 8, its α, τ, passes and identity with AR.
import { readFileSync } from 'node:fs';
import { DEFAULT_DECODE, type DecodeConfig } from '../engine/config.js';
import { autoregressive } from '../engine/decode/autoregressive.js';
import type { LaneId, StepEvent } from '../engine/decode/events.js';
import { acceptanceRate, speculationOf, tokensPerVerify } from '../engine/decode/speculation.js';
import { speculative } from '../engine/decode/speculative.js';
import { UsageError } from '../engine/io/errors.js';
import { lanes, withLaneOptions, type LaneModels } from '../engine/lanes.js';
import { loadLexicon, measureGeneration, pooled, type Generation, type OpenModel } from '../engine/quality.js';
import { EVAL_SEED, PROMPTS_PATH, THRESHOLDS, type EvalSettings } from './eval-settings.js';

export function loadPrompts(path = PROMPTS_PATH): string[] {
  let j: { prompts?: unknown };
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as { prompts?: unknown };
  } catch (e) {
    throw new UsageError(`cannot read the prompt set ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(j.prompts) || !j.prompts.every((p) => typeof p === 'string' && p.trim()))
    throw new UsageError(`${path}: "prompts" must be a list of non-empty strings`);
  return j.prompts as string[];
}

export interface QualityRow {
  lane: LaneId;
  /** how it decoded, in words */
  label: string;
  /** forward passes per generation (mean over the prompts) */
  steps: number;
  tokensPerPass: number;
  tokens: number;
  words: number;
  perplexity: number;
  realWordShare: number | null;
  /** distinct-1, -2, -3 (mean over the prompts) */
  distinct: (number | null)[];
  samples: { prompt: string; text: string }[];
}

function row(lane: LaneId, label: string, gs: Generation[]): QualityRow {
  const p = pooled(gs);
  return {
    lane,
    label,
    steps: p.passes,
    tokensPerPass: p.tokensPerPass,
    tokens: p.tokens,
    words: p.words,
    perplexity: p.perplexity,
    realWordShare: p.realWordShare,
    distinct: p.distinct,
    samples: gs.map((g) => ({ prompt: g.config.prompt, text: g.text })),
  };
}

export const DEFAULT_LABEL = 'default settings';
/** rows at the default length and blocks but greedy (the threshold target's protocol) */
export const AT_DEFAULT_LENGTH = 'default length';

/** Greedy AR and diffusion at each step count, greedy threshold decoding at each τ, then every lane at the tool's
 * defaults; every run on every prompt, seed EVAL_SEED. */
export async function generationQuality(
  m: OpenModel,
  prompts: string[],
  s: EvalSettings,
  models: LaneModels = { main: m.ctx },
): Promise<QualityRow[]> {
  const lexicon = loadLexicon();
  const greedy = (prompt: string, steps: number): DecodeConfig => ({
    ...DEFAULT_DECODE,
    prompt,
    length: s.length,
    lanes: { diffusion: { block: s.length, steps, strategy: 'low-confidence', cache: 'none' } },
    temperature: 0,
    topK: 0,
    seed: EVAL_SEED,
  });
  const rows: QualityRow[] = [];
  const run = async (lane: LaneId, label: string, cfg: (p: string) => DecodeConfig) => {
    const gs: Generation[] = [];
    for (const p of prompts) gs.push(await measureGeneration(m, lane, cfg(p), lexicon, models));
    rows.push(row(lane, label, gs));
  };
  await run('ar', 'AR, greedy', (p) => greedy(p, s.length));
  for (const steps of s.steps) await run('diffusion', 'diffusion, low-confidence, greedy', (p) => greedy(p, steps));
  for (const threshold of THRESHOLDS)
    await run('diffusion', `diffusion, threshold ${threshold}, greedy`, (p) =>
      withLaneOptions(greedy(p, s.length), 'diffusion', { strategy: 'threshold', threshold }),
    );
  // the target's protocol: τ = 0.9 at the tool's default length and blocks, against 1 token per pass there
  const atDefault = (p: string): DecodeConfig => ({
    ...DEFAULT_DECODE,
    ...s.defaults,
    prompt: p,
    temperature: 0,
    topK: 0,
    seed: EVAL_SEED,
  });
  await run('diffusion', `diffusion, 1 token per pass, greedy, ${AT_DEFAULT_LENGTH}`, (p) =>
    withLaneOptions(atDefault(p), 'diffusion', { steps: atDefault(p).length }),
  );
  await run('diffusion', `diffusion, threshold ${THRESHOLDS[0]}, greedy, ${AT_DEFAULT_LENGTH}`, (p) =>
    withLaneOptions(atDefault(p), 'diffusion', { strategy: 'threshold', threshold: THRESHOLDS[0] }),
  );
  const dflt = (p: string): DecodeConfig => ({ ...DEFAULT_DECODE, ...s.defaults, prompt: p, seed: EVAL_SEED });
  // every registered lane whose models are at hand (the speculative lane needs a draft)
  // the lanes a default run shows (the block lane waits for block-trained weights, issue 19)
  for (const l of lanes())
    if (l.byDefault !== false && l.models.every((r) => r in models))
      await run(l.id, `${l.label}, ${DEFAULT_LABEL}`, dflt);
  return rows;
}

export interface SpeculativeRow {
  draftTokens: number;
  /** α = kept / proposed draft tokens, pooled over the prompts */
  acceptance: number;
  /** τ = tokens emitted per verify pass */
  tokensPerVerify: number;
  /** passes per generation (mean): draft and verify (the target prefill excluded) */
  draftPasses: number;
  verifyPasses: number;
  /** prompts whose greedy speculative text equals greedy AR's token for token */
  sameAsAr: number;
}

export const DRAFT_TOKENS = [2, 4, 8] as const;

/** Greedy speculative decoding with the draft at γ = 2, 4, 8 on every prompt: α, τ, passes, identity with AR. */
export async function speculativeQuality(
  m: OpenModel,
  d: OpenModel,
  prompts: string[],
  length: number,
): Promise<SpeculativeRow[]> {
  const cfg = (prompt: string): DecodeConfig => ({
    ...DEFAULT_DECODE,
    prompt,
    length,
    lanes: { diffusion: { steps: length, block: length } },
    temperature: 0,
    topK: 0,
    seed: EVAL_SEED,
  });
  const arTexts: number[][] = [];
  for (const p of prompts) {
    const tokens: number[] = [];
    for await (const e of autoregressive(m.ctx, cfg(p)))
      if (e.done) tokens.push(...e.positions.filter((x) => x.state === 'committed').map((x) => x.token!));
    arTexts.push(tokens);
  }
  const rows: SpeculativeRow[] = [];
  for (const gamma of DRAFT_TOKENS) {
    let kept = 0,
      proposed = 0,
      rounds = 0,
      draftPasses = 0,
      same = 0;
    for (const [i, p] of prompts.entries()) {
      let last: StepEvent | null = null;
      for await (const e of speculative(m.ctx, d.ctx, withLaneOptions(cfg(p), 'speculative', { draftTokens: gamma }))) {
        last = e;
        if (e.kind === 'draft') draftPasses++;
      }
      const sp = speculationOf(last!)!;
      kept += sp.keptTotal;
      proposed += sp.proposedTotal;
      rounds += sp.rounds;
      if (
        JSON.stringify(last!.positions.filter((x) => x.state === 'committed').map((x) => x.token)) ===
        JSON.stringify(arTexts[i])
      )
        same++;
    }
    const pooledSpec = {
      model: 'target' as const,
      proposed: [],
      kept: null,
      rounds,
      proposedTotal: proposed,
      keptTotal: kept,
    };
    rows.push({
      draftTokens: gamma,
      acceptance: acceptanceRate(pooledSpec) ?? NaN,
      tokensPerVerify: tokensPerVerify(pooledSpec) ?? NaN,
      draftPasses: draftPasses / prompts.length,
      verifyPasses: rounds / prompts.length,
      sameAsAr: same,
    });
  }
  return rows;
}
