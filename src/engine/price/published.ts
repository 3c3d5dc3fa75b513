// Published measurements the projection is checked against (`calc --check`, docs/published-check.md): every figure
// with its source, the pass shape priced for it, and what is assumed where the setup is not fully published. The
// shaped efficiency model (efficiency.ts) is fitted on the rows marked `fit`; every other row is held out.
import { expertsTouched, imbalanceFor, routedTokens } from './cost.js';
import { shapedEfficiency } from './efficiency.js';
import { fitOf } from './fit.js';
import { findHardware } from './hardware.js';
import { MODEL_PRESETS, type ModelPreset } from './presets.js';
import { projectShape, type Pricing, type ProjectedPass } from './projection.js';
import { rooflineFor, type Efficiency } from './roofline.js';
import type { Dtype, PassShape } from './shape.js';
import { MEASURED_SPEEDUP } from './speculation.js';
import { precisionFor, DEFAULT_TARGET } from './target.js';

const D3LLM =
  'hao-ai-lab/d3LLM README, "Acceleration Highlights using SGLang Engine" (GSM8K-CoT zero-shot, FullAttnMultiBlock, TP=1)';
const TRT =
  'NVIDIA technical blog "Boost Llama 3.3 70B Inference Throughput 3x with NVIDIA TensorRT-LLM Speculative Decoding" (Dec 2024)';

/** d3LLM's GSM8K-CoT setup: every FullAttnMultiBlock pass runs the whole sequence (sglang python/sglang/srt/dllm/algorithm/
 *  full_attn_multi_block.py: no cache, logits everywhere); the prompt length is not published. */
export const D3LLM_PROMPT = 128;
export const D3LLM_GENERATION = 256;

/** A whole-sequence diffusion pass of n positions: bidirectional, no cache, logits at all n */
const fullPass = (n: number): PassShape => ({ q: n, k: 0, logits: n, kvWrite: 0, attention: 'bidirectional' });
/** An AR step against k cached tokens */
const arStep = (k: number): PassShape => ({ q: 1, k, logits: 1, kvWrite: 1, attention: 'causal' });

export type MeasurementKind = 'ar' | 'speculative' | 'diffusion' | 'experts';

export interface Measurement {
  id: string;
  /** one line: model, hardware, stack, batch */
  setup: string;
  kind: MeasurementKind;
  /** preset keys and the dtype priced */
  model: string;
  hardware: string;
  dtype: Dtype;
  /** sequences per pass */
  batch: number;
  /** the published figure: tokens per second over the batch (ar, speculative, diffusion) or distinct experts */
  figure: number;
  /** tokens committed per forward pass (diffusion), per sequence */
  tokensPerPass?: number;
  /** the pass priced, per sequence (diffusion: one pass; ar: one step at the mean context) */
  pass: PassShape;
  /** diffusion measured on the same stack as this AR row: the pass is compared as a ratio to that step, which
   *  cancels what the stack adds to both (scheduling, launches) and the model does not price */
  reference?: string;
  /** fit: the shaped efficiency model is fitted on it; held out: not */
  role: 'fit' | 'held out';
  source: string;
  /** what is assumed where the setup is not fully published */
  assumptions: string;
}

const d3llmAr = (hardware: string, tps: number, model: 'qwen2.5-7b' | 'qwen3-8b' = 'qwen2.5-7b'): Measurement => ({
  id: `${model}-ar-${hardware}`,
  setup: `${model === 'qwen3-8b' ? 'Qwen3-8B' : 'Qwen2.5-7B-Instruct'} bf16, ${hardware.toUpperCase()}, SGLang, batch 1: AR step`,
  kind: 'ar',
  model,
  hardware,
  dtype: 'bf16',
  batch: 1,
  figure: tps,
  pass: arStep(D3LLM_PROMPT + D3LLM_GENERATION / 2),
  role: 'held out',
  source: D3LLM,
  assumptions: `mean context ${D3LLM_PROMPT + D3LLM_GENERATION / 2} (a ${D3LLM_PROMPT}-token prompt, ${D3LLM_GENERATION} generated; the KV read is < 1 % of the bytes)${hardware === 'a100' ? '; A100 taken as the 80 GB SXM' : ''}`,
});

const d3llmPass = (
  model: 'llada-8b' | 'dream-7b',
  hardware: string,
  batch: number,
  tps: number,
  tpf: number,
  role: Measurement['role'] = 'held out',
): Measurement => ({
  id: `d3llm-${model === 'llada-8b' ? 'llada' : 'dream'}-${hardware}-b${batch}`,
  setup: `d3LLM-${model === 'llada-8b' ? 'LLaDA (8B)' : 'Dream (7B)'} bf16, ${hardware.toUpperCase()}, SGLang, batch ${batch}: one pass vs the Qwen2.5-7B AR step`,
  kind: 'diffusion',
  model,
  hardware,
  dtype: 'bf16',
  batch,
  figure: tps,
  tokensPerPass: tpf,
  pass: fullPass(D3LLM_PROMPT + D3LLM_GENERATION),
  reference: `qwen2.5-7b-ar-${hardware}`,
  role,
  source: D3LLM,
  assumptions: `every pass runs prompt + ${D3LLM_GENERATION} positions (FullAttnMultiBlock, no cache), prompt ${D3LLM_PROMPT} tokens assumed; pass time = batch × TPF / TPS`,
});

/** Every published measurement the tool knows, in the order `calc --check` prints them. */
export const PUBLISHED: readonly Measurement[] = [
  {
    id: 'llama-3.3-70b-ar-h200',
    setup: 'Llama 3.3 70B fp8, H200, TensorRT-LLM, batch 1: AR step',
    kind: 'ar',
    model: 'llama-3.3-70b',
    hardware: 'h200',
    dtype: 'fp8',
    batch: 1,
    figure: 51.14,
    pass: arStep(1024),
    role: 'fit',
    source: TRT,
    assumptions: 'mean context 1,024 tokens, fp8 KV cache (lengths not published; the KV read is 0.2 % of the bytes)',
  },
  {
    id: 'llama-3.3-70b-spec-h200',
    setup: 'Llama 3.3 70B fp8 + Llama 3.2 1B draft, H200, TensorRT-LLM, batch 1: speculative',
    kind: 'speculative',
    model: 'llama-3.3-70b',
    hardware: 'h200',
    dtype: 'fp8',
    batch: 1,
    figure: 181.74,
    pass: arStep(1024),
    role: 'fit',
    source: TRT,
    assumptions:
      'draft length and acceptance not published: γ = 4 and the α that gives the measured 3.55× (so this row checks the AR step beneath it)',
  },
  d3llmAr('h100', 108.6),
  d3llmPass('llada-8b', 'h100', 1, 545.31, 9.91, 'fit'),
  d3llmPass('llada-8b', 'h100', 4, 551.87, 8.56, 'fit'),
  d3llmPass('dream-7b', 'h100', 1, 280.48, 4.89),
  d3llmPass('dream-7b', 'h100', 4, 281.82, 4.22),
  d3llmAr('a100', 96.8),
  d3llmPass('llada-8b', 'a100', 1, 251.61, 9.91),
  d3llmPass('llada-8b', 'a100', 4, 249.98, 8.56),
  d3llmPass('dream-7b', 'a100', 1, 125.57, 4.89),
  d3llmPass('dream-7b', 'a100', 4, 127.85, 4.22),
  d3llmAr('b200', 274.7),
  d3llmPass('llada-8b', 'b200', 1, 1240.99, 9.91),
  d3llmPass('llada-8b', 'b200', 4, 1310.18, 8.56),
  d3llmPass('dream-7b', 'b200', 1, 586.77, 4.89),
  d3llmPass('dream-7b', 'b200', 4, 676.81, 4.22),
  d3llmAr('h100', 98.3, 'qwen3-8b'),
  d3llmAr('a100', 90.0, 'qwen3-8b'),
  d3llmAr('b200', 234.2, 'qwen3-8b'),
  {
    id: 'diffusiongemma-h100',
    setup: 'DiffusionGemma 26B-A4B fp8, H100, vLLM, batch 1: 256-token canvases',
    kind: 'diffusion',
    model: 'diffusiongemma',
    hardware: 'h100',
    dtype: 'fp8',
    batch: 1,
    figure: 1008,
    tokensPerPass: 256 / 14,
    pass: { q: 256, k: 256, logits: 256, kvWrite: 0, attention: 'bidirectional' },
    role: 'held out',
    source:
      'deepmind.google DiffusionGemma page (">1,000 tokens per second on a single H100"); vLLM figure and 12–16 passes per canvas as summarised by third parties (approximate)',
    assumptions:
      '14 passes per 256-token canvas (the middle of 12–16); a pass runs the canvas against a 256-token cached prefix; fp8 weights and KV',
  },
  {
    id: 'llada2-mini-experts',
    setup: 'LLaDA2.0-mini, one 32-token block: distinct routed experts per MoE block',
    kind: 'experts',
    model: 'llada2-mini',
    hardware: 'h100',
    dtype: 'bf16',
    batch: 1,
    figure: 69.5,
    pass: { q: 32, k: 0, logits: 32, kvWrite: 0, attention: 'bidirectional' },
    role: 'held out',
    source: 'dMoE, arXiv 2605.30876 (mean over blocks)',
    assumptions:
      'uniform routing, T(n) = E·(1 − (1 − k/E)^n); the calibrated curve T(n/f) (experts.ts, f fitted to this row) reproduces it by construction',
  },
];

export function measurement(id: string): Measurement {
  const m = PUBLISHED.find((x) => x.id === id);
  if (!m) throw new Error(`no published measurement ${id}`);
  return m;
}

function preset(key: string): ModelPreset {
  const p = MODEL_PRESETS.find((m) => m.key === key);
  if (!p) throw new Error(`no preset ${key}`);
  return p;
}

/** What a measurement's setup prices on, at an efficiency. */
export function pricingOf(m: Measurement, eff: Efficiency): Pricing {
  return {
    model: preset(m.model),
    precision: precisionFor(m.dtype),
    roofline: rooflineFor(findHardware(m.hardware), m.dtype),
    eff,
    batch: m.batch,
  };
}

/** The measurement's pass on its setup. */
export function pricedPass(m: Measurement, eff: Efficiency): ProjectedPass {
  return projectShape(m.pass, pricingOf(m, eff));
}

/** Seconds per pass a measurement implies: AR 1 / tok/s; diffusion batch × TPF / tok/s (tokens over the batch) */
export function measuredPassSeconds(m: Measurement): number {
  return m.kind === 'diffusion' ? (m.batch * (m.tokensPerPass ?? 1)) / m.figure : 1 / m.figure;
}

/** The routing imbalance measured on LLaDA2.0-mini: f with T(32) = 69.5 (imbalanceFor in cost.ts). */
export function moeCalibration(): { model: string; tokens: number; experts: number; imbalance: number } {
  const m = measurement('llada2-mini-experts');
  const n = routedTokens(m.pass);
  return { model: m.model, tokens: n, experts: m.figure, imbalance: imbalanceFor(preset(m.model).shape, n, m.figure) };
}

export interface CheckRow {
  id: string;
  setup: string;
  role: Measurement['role'];
  source: string;
  assumptions: string;
  /** what is compared: tok/s, the pass-to-step ratio, or distinct experts */
  quantity: 'tok/s' | 'pass/step' | 'experts';
  published: number;
  predicted: number;
  /** predicted / published − 1 */
  error: number;
  /** diffusion: tokens per second the predicted ratio gives on the published AR speed; ar: the predicted tok/s */
  predictedTokensPerSecond: number | null;
  /** the priced pass's bound (null for expert counts) */
  bound: 'memory' | 'compute' | null;
  /** the priced pass's seconds (null for expert counts) */
  passSeconds: number | null;
  /** weights and the batch's KV cache at the pass's positions fit the hardware's memory (null: unknown) */
  fits: boolean | null;
  /** MoE: expected distinct routed experts per block the priced pass touches (uniform), of E; null when dense */
  experts: { touched: number; of: number } | null;
}

export interface Check {
  efficiency: Efficiency;
  mode: 'shaped' | 'fixed';
  rows: CheckRow[];
}

/** Every published measurement against the projection at the shaped (default) or fixed efficiencies. */
export function checkPublished(mode: 'shaped' | 'fixed' = 'shaped'): Check {
  const eff: Efficiency =
    mode === 'shaped' ? shapedEfficiency() : { compute: DEFAULT_TARGET.computeEff, memory: DEFAULT_TARGET.memoryEff };
  const rows = PUBLISHED.map((m): CheckRow => {
    const pricing = pricingOf(m, eff);
    const fits = fitOf({ ...pricing, batch: m.batch }, m.pass.k + m.pass.q).fits;
    const shape = pricing.model.shape;
    const experts = shape.moe
      ? { touched: expertsTouched(shape, routedTokens({ ...m.pass, batch: m.batch })), of: shape.moe.experts }
      : null;
    const base = {
      id: m.id,
      setup: m.setup,
      role: m.role,
      source: m.source,
      assumptions: m.assumptions,
      fits,
      experts,
    };
    if (m.kind === 'experts') {
      const predicted = expertsTouched(shape, routedTokens(m.pass));
      return {
        ...base,
        quantity: 'experts',
        published: m.figure,
        predicted,
        error: predicted / m.figure - 1,
        predictedTokensPerSecond: null,
        bound: null,
        passSeconds: null,
      };
    }
    const pass = pricedPass(m, eff);
    const row = { ...base, bound: pass.bound, passSeconds: pass.seconds };
    if (m.kind === 'diffusion' && m.reference) {
      const ref = measurement(m.reference);
      const step = pricedPass(ref, eff);
      const published = measuredPassSeconds(m) / measuredPassSeconds(ref);
      const predicted = pass.seconds / step.seconds;
      return {
        ...row,
        quantity: 'pass/step',
        published,
        predicted,
        error: predicted / published - 1,
        predictedTokensPerSecond: (m.batch * m.tokensPerPass!) / (predicted * measuredPassSeconds(ref)),
      };
    }
    const perPass = m.kind === 'diffusion' ? m.batch * m.tokensPerPass! : m.batch;
    const speedup = m.kind === 'speculative' ? MEASURED_SPEEDUP.factor : 1;
    const predicted = (perPass / pass.seconds) * speedup;
    return {
      ...row,
      quantity: 'tok/s',
      published: m.figure,
      predicted,
      error: predicted / m.figure - 1,
      predictedTokensPerSecond: predicted,
    };
  });
  return { efficiency: eff, mode, rows };
}
