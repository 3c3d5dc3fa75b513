// One eval run: open the model directory (and its ar/ and draft/ copies), score the held-out text, judge the
// generations, check the targets; and the --quick reference test/eval.test.ts reproduces.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_DECODE, type DecodeConfig } from '../engine/config.js';
import { InputError } from '../engine/io/errors.js';
import { AR_MODEL } from '../engine/lanes.js';
import type { BackendName } from '../engine/model/backend.js';
import type { Tokenizer } from '../engine/model/tokenizer.js';
import { openModel, type OpenModel } from '../engine/quality.js';
import { checkSameShape, checkSameTokenizer, DEFAULT_MODEL_DIR } from '../engine/run.js';
import { encodeSplit, loadSplits, unwrapLines, type Split } from './data.js';
import { SLICE_PATH } from './eval-fixtures.js';
import {
  AT_DEFAULT_LENGTH,
  DEFAULT_LABEL,
  generationQuality,
  loadPrompts,
  speculativeQuality,
  type QualityRow,
  type SpeculativeRow,
} from './eval-generation.js';
import {
  arHeldOut,
  diffusionHeldOut,
  lowRate,
  unigramBaseline,
  type ArFigure,
  type DiffusionFigure,
} from './eval-likelihood.js';
import { EVAL_SCHEMA, EVAL_SEED, FULL, LOW_T, QUICK, TARGETS, THRESHOLDS, type EvalSettings } from './eval-settings.js';

export interface EvalReport {
  schema: typeof EVAL_SCHEMA;
  mode: 'full' | 'quick';
  model: {
    dir: string;
    name: string;
    params: number;
    context: number;
    sha256: Record<string, string>;
    meta: Record<string, unknown> | null;
  };
  /** the AR-adapted copy that gave the AR figures (null: the main model's own AR mode) */
  arModel: { dir: string; name: string; sha256: Record<string, string>; meta: Record<string, unknown> | null } | null;
  backend: BackendName;
  heldOut: { text: string; tokens: number; bytes: number };
  /** a unigram model of the training split on the same held-out text (full mode; null with --quick) */
  baseline: { unigram: { bitsPerByte: number; natsPerToken: number } } | null;
  ar: ArFigure;
  diffusion: DiffusionFigure & { seed: number };
  /** the same ELBO, same draws, with causal attention in the denoiser */
  diffusionCausal: DiffusionFigure & { seed: number };
  /** nats per masked token at t ≤ LOW_T, both modes, against the AR mode's nats per token */
  futureUse: {
    below: number;
    bidirectional: number;
    causal: number;
    arNatsPerToken: number;
    vsCausal: number;
    vsAr: number;
  };
  generation: { length: number; prompts: number; defaults: DecodeConfig; rows: QualityRow[] };
  /** greedy speculative decoding with the shipped draft (null without one) */
  speculative: { draft: { dir: string; name: string; params: number }; rows: SpeculativeRow[] } | null;
  targets: { name: string; target: string; value: number | null; met: boolean | null }[];
  seconds: number;
}

export interface EvalOptions {
  modelDir?: string;
  /** the speculative lane's draft (default <model-dir>/draft; none there: no speculative figures) */
  draftDir?: string;
  /** the AR-adapted copy (default <model-dir>/ar; none there: the main model's AR mode) */
  arDir?: string;
  quick?: boolean;
  corpus?: string;
  backend?: BackendName;
  /** override the settings (tests) */
  settings?: Partial<EvalSettings>;
}

export async function evaluate(o: EvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const dir = resolve(o.modelDir ?? DEFAULT_MODEL_DIR);
  const s: EvalSettings = { ...(o.quick ? QUICK : FULL), ...o.settings };
  const m = await openModel(dir, o.backend);
  const others: OpenModel[] = [];
  try {
    const arDir = resolve(o.arDir ?? join(dir, AR_MODEL));
    let arm = m;
    if (existsSync(join(arDir, 'model.json'))) {
      arm = await openModel(arDir, o.backend);
      others.push(arm);
      checkSameTokenizer(m, arm, AR_MODEL);
      checkSameShape(m, arm, AR_MODEL);
    }
    const tok = m.ctx.tokenizer as Tokenizer;
    let split: Split, text: string;
    let baseline: EvalReport['baseline'] = null;
    if (o.quick) {
      if (!existsSync(SLICE_PATH))
        throw new InputError(`${SLICE_PATH} not found (rebuild it with node --import tsx src/train/eval-fixtures.ts)`);
      split = encodeSplit(tok, [unwrapLines(readFileSync(SLICE_PATH, 'utf8'))]); // as the model is trained: wrapped lines joined
      text = 'fixtures/eval-slice.txt';
    } else {
      const splits = loadSplits(tok, o.corpus);
      split = splits.valid;
      text = 'validation split (last 5 % of each novel, wrapped lines joined)';
      baseline = { unigram: unigramBaseline(splits.train, split, m.json.config.maskId) };
    }
    const ar = arHeldOut(arm, split);
    const diffusion = diffusionHeldOut(m, split, s.draws, s.seed);
    const diffusionCausal = diffusionHeldOut(m, split, s.draws, s.seed, 'causal');
    const arNats = ar.nats / ar.tokens;
    const bi = lowRate(diffusion.byMaskRate),
      ca = lowRate(diffusionCausal.byMaskRate);
    const futureUse = {
      below: LOW_T,
      bidirectional: bi,
      causal: ca,
      arNatsPerToken: arNats,
      vsCausal: bi / ca,
      vsAr: bi / arNats,
    };
    const prompts = loadPrompts().slice(0, s.prompts);
    let spec: EvalReport['speculative'] = null;
    let rows: QualityRow[];
    const draftDir = resolve(o.draftDir ?? join(dir, 'draft'));
    const models = { main: m.ctx, [AR_MODEL]: arm.ctx };
    if (existsSync(join(draftDir, 'model.json'))) {
      const d = await openModel(draftDir, o.backend);
      others.push(d);
      checkSameTokenizer(m, d, 'draft');
      rows = await generationQuality(m, prompts, s, { ...models, draft: d.ctx });
      spec = {
        draft: { dir: draftDir, name: d.name, params: d.ctx.model.numParams },
        rows: await speculativeQuality(arm, d, prompts, s.length),
      };
    } else rows = await generationQuality(m, prompts, s, models);
    const arRow = rows[0]!;
    const half = rows.find((r) => r.label.includes('low-confidence') && r.steps === s.length / 2) ?? null;
    const one = rows.find((r) => r.label.includes('1 token per pass') && r.label.endsWith(AT_DEFAULT_LENGTH)) ?? null;
    const t09 =
      rows.find((r) => r.label.includes(`threshold ${THRESHOLDS[0]}`) && r.label.endsWith(AT_DEFAULT_LENGTH)) ?? null;
    const defaults = rows.filter((r) => r.label.endsWith(DEFAULT_LABEL));
    const minDistinct3 = Math.min(...defaults.map((r) => r.distinct[2] ?? 0));
    const T_ = TARGETS;
    const targets = [
      {
        name: 'AR held-out bits/byte',
        target: `≤ ${T_.arBitsPerByte}`,
        value: ar.bitsPerByte,
        met: ar.bitsPerByte <= T_.arBitsPerByte,
      },
      {
        name: 'diffusion ELBO bits/byte',
        target: `≤ ${T_.diffusionBitsPerByte}`,
        value: diffusion.bitsPerByte,
        met: diffusion.bitsPerByte <= T_.diffusionBitsPerByte,
      },
      {
        name: `t ≤ ${LOW_T}: bidirectional ÷ causal nats per masked token`,
        target: `≤ ${T_.futureVsCausal}`,
        value: futureUse.vsCausal,
        met: futureUse.vsCausal <= T_.futureVsCausal,
      },
      {
        name: `t ≤ ${LOW_T}: bidirectional nats per masked token ÷ AR nats per token`,
        target: `≤ ${T_.futureVsAr}`,
        value: futureUse.vsAr,
        met: futureUse.vsAr <= T_.futureVsAr,
      },
      {
        name: `threshold ${THRESHOLDS[0]} at the default length: tokens per pass`,
        target: `≥ ${T_.thresholdTokensPerPass}`,
        value: t09?.tokensPerPass ?? null,
        met: t09 ? t09.tokensPerPass >= T_.thresholdTokensPerPass : null,
      },
      {
        name: `threshold ${THRESHOLDS[0]} at the default length: perplexity ÷ that of 1 token per pass`,
        target: `≤ ${T_.thresholdPerplexityRatio}`,
        value: t09 && one ? t09.perplexity / one.perplexity : null,
        met: t09 && one ? t09.perplexity / one.perplexity <= T_.thresholdPerplexityRatio : null,
      },
      {
        name: 'distinct-3, both lanes at the default settings (lower of the two)',
        target: `≥ ${T_.distinct3}`,
        value: minDistinct3,
        met: minDistinct3 >= T_.distinct3,
      },
      {
        name: 'AR real-word share (greedy)',
        target: `≥ ${T_.arRealWordShare * 100} %`,
        value: arRow.realWordShare,
        met: (arRow.realWordShare ?? 0) >= T_.arRealWordShare,
      },
      // no words at all (e.g. only newlines) cannot meet a share target
      {
        name: `diffusion real-word share (greedy, ${s.length / 2} steps)`,
        target: `≥ ${T_.diffusionRealWordShare * 100} %`,
        value: half?.realWordShare ?? null,
        met: half ? (half.realWordShare ?? 0) >= T_.diffusionRealWordShare : null,
      },
    ];
    return {
      schema: EVAL_SCHEMA,
      mode: o.quick ? 'quick' : 'full',
      model: {
        dir,
        name: m.name,
        params: m.ctx.model.numParams,
        context: m.json.config.context,
        sha256: m.json.sha256,
        meta: m.json.meta ?? null,
      },
      arModel: arm === m ? null : { dir: arDir, name: arm.name, sha256: arm.json.sha256, meta: arm.json.meta ?? null },
      backend: m.backend,
      heldOut: { text, tokens: split.tokens, bytes: split.bytes },
      baseline,
      ar,
      diffusion: { ...diffusion, seed: s.seed },
      diffusionCausal: { ...diffusionCausal, seed: s.seed },
      futureUse,
      speculative: spec,
      generation: {
        length: s.length,
        prompts: prompts.length,
        defaults: { ...DEFAULT_DECODE, ...s.defaults, prompt: '', seed: EVAL_SEED },
        rows,
      },
      targets,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const x of [m, ...others]) x.ctx.model.dispose();
  }
}

export interface QuickReference {
  schema: 'dlm-watch/eval-quick@1';
  note: string;
  backend: BackendName;
  sha256: Record<string, string>;
  /** the ar/ copy's checksums (null: the AR figures are the main model's) */
  arSha256: Record<string, string> | null;
  arBitsPerByte: number;
  diffusionBitsPerByte: number;
  diffusionCausalBitsPerByte: number;
  generation: { lane: string; label: string; steps: number; perplexity: number; realWordShare: number | null }[];
}

export function quickReference(r: EvalReport): QuickReference {
  return {
    schema: 'dlm-watch/eval-quick@1',
    note: 'figures of `npm run eval -- --quick` (fixtures/eval-slice.txt, two prompts at L = 16); test/eval.test.ts reproduces them. Rewrite with `npm run eval -- --quick --write-reference`.',
    backend: r.backend,
    sha256: r.model.sha256,
    arSha256: r.arModel?.sha256 ?? null,
    arBitsPerByte: r.ar.bitsPerByte,
    diffusionBitsPerByte: r.diffusion.bitsPerByte,
    diffusionCausalBitsPerByte: r.diffusionCausal.bitsPerByte,
    generation: r.generation.rows.map((g) => ({
      lane: g.lane,
      label: g.label,
      steps: g.steps,
      perplexity: g.perplexity,
      realWordShare: g.realWordShare,
    })),
  };
}
