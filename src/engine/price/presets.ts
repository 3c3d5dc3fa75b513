// Model-shape presets (shared/reference/cost-model.md; the MoE models and the draft from their published configs),
// the shipped model's shape, and user-defined shapes. A shape is all the cost model needs: no weights.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../io/errors.js';
import { InputError } from '../io/errors.js';
import { modelShape, validateGptConfig } from './model-config.js';
import { readJsonFile } from '../io/read-file.js';
import { shown, visible, visibleName } from '../io/sanitize.js';
import type { MlaShape, ModelShape, MoeShape } from './shape.js';

export interface ModelPreset {
  /** --project-model key, or the name of a user shape */
  key: string;
  shape: ModelShape;
  /** how the model decodes in its own code (informative: calc prices both ways on any shape) */
  decoder: 'autoregressive' | 'diffusion';
  /** LM head shares the input embedding's weights */
  tiedEmbeddings: boolean;
  /** the table's (or the authors') total parameter count, when there is one */
  referenceParams?: number;
  /** parameter counts the model's authors publish, as printed (presets taken from a config file) */
  published?: PublishedCounts;
  source: string;
  /** tokens the model's own decoder denoises together (DiffusionGemma's 256-token canvas): calc's default --tokens */
  canvas?: Canvas;
}

/** A diffusion model's canvas: tokens denoised together, and the passes per canvas its authors report. */
export interface Canvas {
  tokens: number;
  /** passes per canvas as published, printed as given ("12–16") */
  passes?: string;
  where: string;
}

/** Parameter counts as their authors print them (rounded: 46.7B, 37B). */
export interface PublishedCounts {
  total: number;
  active?: number;
  /** active parameters without the input embedding and LM head, where published */
  activeNonEmbedding?: number;
  /** total parameters without the input embedding and LM head, where published */
  totalNonEmbedding?: number;
  where: string;
}

const TABLE = 'shared/reference/cost-model.md';

function ref(
  key: string,
  name: string,
  s: Omit<ModelShape, 'name' | 'gated'>,
  params: number,
  decoder: ModelPreset['decoder'] = 'autoregressive',
): ModelPreset {
  return {
    key,
    shape: { name, gated: true, ...s },
    decoder,
    tiedEmbeddings: false,
    referenceParams: params,
    source: TABLE,
  };
}

interface ConfigPreset {
  key: string;
  name: string;
  shape: Omit<ModelShape, 'name' | 'gated'>;
  decoder?: ModelPreset['decoder'];
  tiedEmbeddings: boolean;
  published: PublishedCounts;
  /** the config file the shape is read from, and how */
  config: string;
  canvas?: Canvas;
}

function fromConfig(c: ConfigPreset): ModelPreset {
  return {
    key: c.key,
    shape: { name: c.name, gated: true, ...c.shape },
    decoder: c.decoder ?? 'autoregressive',
    tiedEmbeddings: c.tiedEmbeddings,
    referenceParams: c.published.total,
    published: c.published,
    source: c.config,
    ...(c.canvas ? { canvas: c.canvas } : {}),
  };
}

const moe = (experts: number, active: number, shared: number, expertMlp: number, denseLayers: number): MoeShape => ({
  experts,
  active,
  shared,
  expertMlp,
  denseLayers,
});

/** Qwen3-30B-A3B's shape, which SDAR-30B-A3B keeps (block diffusion continued from its weights). */
const QWEN3_30B_A3B = {
  layers: 48,
  d: 2048,
  heads: 32,
  kvHeads: 4,
  headDim: 128,
  mlp: 6144,
  vocab: 151936,
  moe: moe(128, 8, 0, 768, 0),
};

/**
 * Presets read from the models' published configs (all SwiGLU). Field by field, in Hugging Face config.json names:
 * layers num_hidden_layers, d hidden_size, heads num_attention_heads, kvHeads num_key_value_heads, headDim head_dim,
 * mlp intermediate_size (dense blocks), vocab vocab_size; MoE and MLA fields as in shape.ts.
 */
export const CONFIG_PRESETS: readonly ModelPreset[] = [
  fromConfig({
    key: 'mixtral-8x7b',
    name: 'Mixtral 8x7B',
    shape: {
      layers: 32,
      d: 4096,
      heads: 32,
      kvHeads: 8,
      headDim: 128,
      mlp: 14336,
      vocab: 32000,
      moe: moe(8, 2, 0, 14336, 0),
    },
    tiedEmbeddings: false,
    published: {
      total: 46.7e9,
      active: 12.9e9,
      where: 'Mistral AI, "Mixtral of experts" (2023-12-11): 46.7B total, 12.9B per token',
    },
    config:
      'huggingface.co/mistralai/Mixtral-8x7B-v0.1 config.json: hidden_size 4096, intermediate_size 14336, num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8, head_dim 128, num_local_experts 8, num_experts_per_tok 2, vocab_size 32000, tie_word_embeddings false',
  }),
  fromConfig({
    key: 'qwen3-30b-a3b',
    name: 'Qwen3-30B-A3B',
    shape: QWEN3_30B_A3B,
    tiedEmbeddings: false,
    published: {
      total: 30.5e9,
      active: 3.3e9,
      totalNonEmbedding: 29.9e9,
      where: 'Qwen3-30B-A3B model card: 30.5B in total, 3.3B activated, 29.9B non-embedding',
    },
    config:
      'huggingface.co/Qwen/Qwen3-30B-A3B config.json: hidden_size 2048, num_hidden_layers 48, num_attention_heads 32, num_key_value_heads 4, head_dim 128, num_experts 128, num_experts_per_tok 8, moe_intermediate_size 768, mlp_only_layers [], decoder_sparse_step 1, vocab_size 151936, tie_word_embeddings false',
  }),
  fromConfig({
    key: 'deepseek-v3',
    name: 'DeepSeek-V3',
    shape: {
      layers: 61,
      d: 7168,
      heads: 128,
      kvHeads: 128,
      headDim: 128,
      mlp: 18432,
      vocab: 129280,
      moe: moe(256, 8, 1, 2048, 3),
      mla: {
        qLoraRank: 1536,
        kvLoraRank: 512,
        qkNopeHeadDim: 128,
        qkRopeHeadDim: 64,
        vHeadDim: 128,
      } satisfies MlaShape,
    },
    tiedEmbeddings: false,
    // README_WEIGHTS.md gives 36.7B activated (embedding and head included); this config counts to 37.5B (routers
    // included): the 2 % between them is unexplained; the paper's 37B lies between
    published: {
      total: 671e9,
      active: 37e9,
      where:
        'DeepSeek-V3 Technical Report (arXiv 2412.19437) and README_WEIGHTS.md: 671B main-model parameters (the 14B multi-token-prediction module not counted), 37B activated',
    },
    config:
      'github.com/deepseek-ai/DeepSeek-V3 inference/configs/config_671B.json (= huggingface.co/deepseek-ai/DeepSeek-V3 config.json): hidden_size 7168, num_hidden_layers 61, first_k_dense_replace 3, intermediate_size 18432, num_attention_heads 128, n_routed_experts 256, num_experts_per_tok 8, n_shared_experts 1, moe_intermediate_size 2048, q_lora_rank 1536, kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, vocab_size 129280, tie_word_embeddings false',
  }),
  fromConfig({
    key: 'llada2-mini',
    name: 'LLaDA 2.0 mini',
    decoder: 'diffusion',
    shape: {
      layers: 20,
      d: 2048,
      heads: 16,
      kvHeads: 4,
      headDim: 128,
      mlp: 5120,
      vocab: 157184,
      moe: moe(256, 8, 1, 512, 1),
    },
    tiedEmbeddings: false,
    published: {
      total: 16e9,
      active: 1.4e9,
      activeNonEmbedding: 789e6,
      where:
        'Ling-mini-2.0 model card (the AR model LLaDA 2.0 mini continues from, same config): 16B total, 1.4B activated per token, 789M without embeddings',
    },
    config:
      'huggingface.co/inclusionAI/LLaDA2.0-mini config.json (llada2_moe; the same fields in LLaDA2.1-mini): hidden_size 2048, num_hidden_layers 20, first_k_dense_replace 1, intermediate_size 5120, num_attention_heads 16, num_key_value_heads 4, head_dim 128, num_experts 256, num_experts_per_tok 8, num_shared_experts 1, moe_intermediate_size 512, vocab_size 157184, tie_word_embeddings false',
  }),
  fromConfig({
    key: 'qwen3-8b',
    name: 'Qwen3-8B',
    shape: { layers: 36, d: 4096, heads: 32, kvHeads: 8, headDim: 128, mlp: 12288, vocab: 151936 },
    tiedEmbeddings: false,
    published: {
      total: 8.2e9,
      totalNonEmbedding: 6.95e9,
      where: "Qwen3-8B model card: 8.2B parameters, 6.95B non-embedding (the AR baseline of d3LLM's SGLang table)",
    },
    config:
      'huggingface.co/Qwen/Qwen3-8B config.json: hidden_size 4096, intermediate_size 12288, num_hidden_layers 36, num_attention_heads 32, num_key_value_heads 8, head_dim 128, vocab_size 151936, tie_word_embeddings false',
  }),
  fromConfig({
    key: 'llada2-flash',
    name: 'LLaDA 2.0 flash',
    decoder: 'diffusion',
    shape: {
      layers: 32,
      d: 4096,
      heads: 32,
      kvHeads: 4,
      headDim: 128,
      mlp: 9216,
      vocab: 157184,
      moe: moe(256, 8, 1, 1024, 1),
    },
    tiedEmbeddings: false,
    published: {
      total: 100e9,
      active: 6.1e9,
      activeNonEmbedding: 4.8e9,
      where:
        'LLaDA 2.0 tech report (inclusionAI/LLaDA2.0 tech_report.pdf) and Ling-flash-2.0 model card: 100B total, 6.1B activated, 4.8B without embeddings',
    },
    config:
      'huggingface.co/inclusionAI/LLaDA2.0-flash config.json (llada2_moe, = Ling-flash-2.0): hidden_size 4096, num_hidden_layers 32, num_experts 256, num_experts_per_tok 8, num_shared_experts 1, moe_intermediate_size 1024, first_k_dense_replace 1; num_attention_heads 32, num_key_value_heads 4, head_dim 128, intermediate_size 9216, vocab_size 157184 as in Ling-flash-2.0 (checked by the 4.8B active non-embedding count)',
  }),
  fromConfig({
    key: 'sdar-30b-a3b',
    name: 'SDAR-30B-A3B',
    decoder: 'diffusion',
    shape: QWEN3_30B_A3B,
    tiedEmbeddings: false,
    published: {
      total: 30.5e9,
      active: 3.3e9,
      where:
        'SDAR (JetAstra/SDAR, arXiv 2510.06303): block diffusion continued from Qwen3-30B-A3B, 30.5B total, 3.3B activated',
    },
    config:
      'huggingface.co/JetLM/SDAR-30B-A3B-Chat-b32 configuration_sdar_moe.py / config.json: the Qwen3-30B-A3B fields (hidden_size 2048, num_hidden_layers 48, num_attention_heads 32, num_key_value_heads 4, head_dim 128, num_experts 128, num_experts_per_tok 8, moe_intermediate_size 768, vocab_size 151936); block 32',
  }),
  fromConfig({
    key: 'diffusiongemma',
    name: 'DiffusionGemma 26B-A4B',
    decoder: 'diffusion',
    shape: {
      layers: 30,
      d: 2816,
      heads: 16,
      kvHeads: 8,
      headDim: 256,
      // the dense MLP beside the experts in every block (intermediate_size 2112 = 3 × 704) is priced as 3 shared experts
      mlp: 2112,
      vocab: 262144,
      moe: moe(128, 8, 3, 704, 0),
    },
    tiedEmbeddings: true,
    canvas: {
      tokens: 256,
      passes: '12–16',
      where: 'passes per canvas as summarised by third parties from vLLM runs on one H100 (approximate)',
    },
    published: {
      total: 25.2e9,
      active: 3.8e9,
      where:
        'deepmind.google DiffusionGemma page and the Gemma 4 26B-A4B model card: 25.2B total, 3.8B active, 30 layers, 128 experts top-8 + 1 shared, 256-token canvas',
    },
    config:
      "huggingface.co/google/gemma-4-26b-a4b-it config.json text_config (gemma4_text; DiffusionGemma shares its shape): num_hidden_layers 30, hidden_size 2816, num_attention_heads 16, num_key_value_heads 8, head_dim 256, intermediate_size 2112 (the shared MLP), num_experts 128, top_k_experts 8, moe_intermediate_size 704, vocab_size 262144, tie_word_embeddings true; the global-attention layers' 512-wide heads and sliding windows are priced as 256-wide full attention",
  }),
  fromConfig({
    key: 'llama-3.2-1b',
    name: 'Llama 3.2 1B',
    shape: { layers: 16, d: 2048, heads: 32, kvHeads: 8, headDim: 64, mlp: 8192, vocab: 128256 },
    tiedEmbeddings: true,
    published: {
      total: 1.23e9,
      where: 'Llama 3.2 model card: 1.23B parameters (the speculative draft of the worked example)',
    },
    config:
      'huggingface.co/meta-llama/Llama-3.2-1B config.json: hidden_size 2048, intermediate_size 8192, num_hidden_layers 16, num_attention_heads 32, num_key_value_heads 8, head_dim 64, vocab_size 128256, tie_word_embeddings true',
  }),
];

/** The reference table, transcribed (all gated MLPs, untied embeddings), then the presets read from configs. */
export const MODEL_PRESETS: readonly ModelPreset[] = [
  ref(
    'llama-3.3-70b',
    'Llama 3.3 70B',
    { layers: 80, d: 8192, mlp: 28672, heads: 64, kvHeads: 8, headDim: 128, vocab: 128256 },
    70.55e9,
  ),
  ref(
    'llama-3.1-8b',
    'Llama 3.1 8B',
    { layers: 32, d: 4096, mlp: 14336, heads: 32, kvHeads: 8, headDim: 128, vocab: 128256 },
    8.03e9,
  ),
  ref(
    'qwen2.5-7b',
    'Qwen2.5 7B',
    { layers: 28, d: 3584, mlp: 18944, heads: 28, kvHeads: 4, headDim: 128, vocab: 152064 },
    7.62e9,
  ),
  ref(
    'dream-7b',
    'Dream 7B',
    { layers: 28, d: 3584, mlp: 18944, heads: 28, kvHeads: 4, headDim: 128, vocab: 152064 },
    7.62e9,
    'diffusion',
  ),
  ref(
    'llada-8b',
    'LLaDA 8B',
    { layers: 32, d: 4096, mlp: 12288, heads: 32, kvHeads: 32, headDim: 128, vocab: 126464 },
    8.02e9,
    'diffusion',
  ),
  ...CONFIG_PRESETS,
];

export const SHIPPED = 'shipped';
/** The shipped speculative draft (models/draft/): the draft `--hardware local` prices the speculative lane's draft passes on */
export const SHIPPED_DRAFT = 'shipped-draft';

const ALIASES: Record<string, string> = {
  'llama3.3-70b': 'llama-3.3-70b',
  'llama-70b': 'llama-3.3-70b',
  '70b': 'llama-3.3-70b',
  'llama3.1-8b': 'llama-3.1-8b',
  'llama-8b': 'llama-3.1-8b',
  'qwen2.5': 'qwen2.5-7b',
  'qwen-2.5-7b': 'qwen2.5-7b',
  dream: 'dream-7b',
  llada: 'llada-8b',
  mixtral: 'mixtral-8x7b',
  'mixtral-8x7b-v0.1': 'mixtral-8x7b',
  'qwen3-30b': 'qwen3-30b-a3b',
  'qwen3-moe': 'qwen3-30b-a3b',
  deepseek: 'deepseek-v3',
  'deepseek-v3-671b': 'deepseek-v3',
  'llada-2.0-mini': 'llada2-mini',
  'llada2.0-mini': 'llada2-mini',
  'llada-2-mini': 'llada2-mini',
  'llama3.2-1b': 'llama-3.2-1b',
  'llada-2.0-flash': 'llada2-flash',
  'llada2.0-flash': 'llada2-flash',
  sdar: 'sdar-30b-a3b',
  qwen3: 'qwen3-8b',
  'diffusion-gemma': 'diffusiongemma',
  'diffusiongemma-26b-a4b': 'diffusiongemma',
  'gemma-diffusion': 'diffusiongemma',
  'llama-1b': 'llama-3.2-1b',
};

/** Every valid --project-model name. */
export function modelKeys(): string[] {
  return [...MODEL_PRESETS.map((m) => m.key), SHIPPED, SHIPPED_DRAFT];
}

/** Any ModelShape as a preset (e.g. the shipped model's, or a user's). */
export function presetFromShape(shape: ModelShape, opts: Partial<Omit<ModelPreset, 'shape'>> = {}): ModelPreset {
  return {
    key: opts.key ?? shape.name,
    shape,
    decoder: opts.decoder ?? 'autoregressive',
    tiedEmbeddings: opts.tiedEmbeddings ?? false,
    source: opts.source ?? 'user',
    ...(opts.referenceParams ? { referenceParams: opts.referenceParams } : {}),
  };
}

/** The folder of the shipped weights (models/ beside src/). */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../../models/', import.meta.url));
}

/** The shipped model's shape, read from <dir>/model.json (its `config`; tied LM head, plain GELU MLP). */
export async function shippedPreset(
  dir = defaultModelDir(),
  key = SHIPPED,
  name = 'dlm-watch (shipped)',
): Promise<ModelPreset> {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new InputError(`the shipped model's shape is unavailable: ${visible(path)} not found`);
  const json = readJsonFile(path, 'model file') as { config?: unknown } | null;
  const config = validateGptConfig(json && typeof json === 'object' ? json.config : undefined, visible(path));
  // model.ts owns the config → shape mapping; imported lazily so presets stay free of tfjs until needed
  const shape = modelShape(config, name);
  return presetFromShape(shape, { key, decoder: 'diffusion', tiedEmbeddings: true, source: visible(path) });
}

// ---- user-defined shapes ----

/** The fields a user shape must give, with their flag names. */
export const SHAPE_FIELDS = [
  ['layers', '--layers'],
  ['d', '--width'],
  ['mlp', '--mlp'],
  ['heads', '--heads'],
  ['kvHeads', '--kv-heads'],
  ['headDim', '--head-dim'],
  ['vocab', '--vocab'],
] as const satisfies readonly (readonly [keyof ModelShape, string])[];

/** A mixture of experts over a shape, with flag names: the first three are needed, shared and dense layers default to 0. */
export const MOE_FIELDS = [
  ['experts', '--experts'],
  ['active', '--active-experts'],
  ['expertMlp', '--expert-mlp'],
  ['shared', '--shared-experts'],
  ['denseLayers', '--dense-layers'],
] as const satisfies readonly (readonly [keyof MoeShape, string])[];

/** Multi-head latent attention fields (model JSON files only). */
export const MLA_FIELDS = [
  'qLoraRank',
  'kvLoraRank',
  'qkNopeHeadDim',
  'qkRopeHeadDim',
  'vHeadDim',
] as const satisfies readonly (keyof MlaShape)[];

export type ShapeFields = Partial<Omit<ModelShape, 'name' | 'context' | 'moe' | 'mla'>> & {
  moe?: Partial<MoeShape>;
  mla?: MlaShape;
};

const isInt = (v: unknown, min: number, max = Infinity) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** The largest value of each shape field (flags and model files alike): beyond any published model by orders of
 * magnitude, small enough that every cost stays a finite float. */
export const SHAPE_MAX = {
  layers: 10_000,
  d: 1_000_000,
  mlp: 10_000_000,
  heads: 100_000,
  kvHeads: 100_000,
  headDim: 100_000,
  vocab: 10_000_000,
} as const;
export const MOE_MAX = { experts: 100_000, expertMlp: 10_000_000, shared: 1_000, imbalance: 1e6 } as const;
export const MLA_MAX = 1_000_000;

function validateMoe(e: MoeShape, layers: number, where: string): void {
  if (!isInt(e.experts, 1, MOE_MAX.experts))
    throw new UsageError(
      `${where}: experts (--experts) must be a whole number from 1 to ${MOE_MAX.experts}, got ${shown(e.experts)}`,
    );
  if (!isInt(e.active, 1, e.experts))
    throw new UsageError(
      `${where}: active experts (--active-experts) must be an integer from 1 to the number of experts (${e.experts}), got ${shown(e.active)}`,
    );
  if (!isInt(e.expertMlp, 1, MOE_MAX.expertMlp))
    throw new UsageError(
      `${where}: expert MLP width (--expert-mlp) must be a whole number from 1 to ${MOE_MAX.expertMlp}, got ${shown(e.expertMlp)}`,
    );
  if (!isInt(e.shared, 0, MOE_MAX.shared))
    throw new UsageError(
      `${where}: shared experts (--shared-experts) must be an integer ≥ 0 and at most ${MOE_MAX.shared}, got ${shown(e.shared)}`,
    );
  if (!isInt(e.denseLayers, 0, layers - 1))
    throw new UsageError(
      `${where}: dense layers (--dense-layers) must be an integer from 0 to ${layers - 1} (one block at least has experts), got ${shown(e.denseLayers)}`,
    );
  if (
    e.imbalance !== undefined &&
    !(typeof e.imbalance === 'number' && e.imbalance >= 1 && e.imbalance <= MOE_MAX.imbalance)
  )
    throw new UsageError(
      `${where}: the routing imbalance (--moe-imbalance) must be a number ≥ 1 (1 = uniform routing) and at most ${MOE_MAX.imbalance}, got ${shown(e.imbalance)}`,
    );
}

function validateMla(a: MlaShape, where: string): void {
  for (const f of MLA_FIELDS) {
    const min = f === 'qLoraRank' ? 0 : 1;
    if (!isInt(a[f], min, MLA_MAX))
      throw new UsageError(`${where}: mla.${f} must be an integer ≥ ${min} and at most ${MLA_MAX}, got ${shown(a[f])}`);
  }
}

/** Check a complete shape: positive integers everywhere, K divides H, a consistent MoE and MLA if given. */
export function validateShape(s: ModelShape, where: string): ModelShape {
  for (const [f, flag] of SHAPE_FIELDS) {
    const v = s[f];
    if (!isInt(v, 1, SHAPE_MAX[f]))
      throw new UsageError(
        `${where}: ${f} (${flag}) must be a positive integer, at most ${SHAPE_MAX[f].toLocaleString('en-US')}, got ${shown(v)}`,
      );
  }
  if (typeof s.gated !== 'boolean')
    throw new UsageError(`${where}: gated (--gated / --no-gated) must be true or false`);
  if (s.heads % s.kvHeads !== 0)
    throw new UsageError(`${where}: heads (${s.heads}) must be a multiple of kv heads (${s.kvHeads})`);
  if (s.moe) validateMoe(s.moe, s.layers, where);
  if (s.mla) validateMla(s.mla, where);
  return s;
}

/** The MoE of a shape from fields over a base's (shared experts and dense layers default to 0). */
function moeFromFields(fields: Partial<MoeShape>, base: MoeShape | undefined, where: string): MoeShape {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<MoeShape>;
  const merged = { shared: 0, denseLayers: 0, ...(base ?? {}), ...defined };
  const missing = MOE_FIELDS.slice(0, 3)
    .filter(([f]) => merged[f] === undefined)
    .map(([, flag]) => flag);
  if (missing.length === 3 && defined.imbalance !== undefined)
    throw new UsageError(
      `${where}: --moe-imbalance needs a mixture-of-experts model (a preset such as mixtral-8x7b, or --experts, --active-experts, --expert-mlp)`,
    );
  if (missing.length) throw new UsageError(`${where}: a mixture of experts needs ${missing.join(', ')}`);
  return merged as MoeShape;
}

/** A shape from fields over an optional base (a preset being modified); every field is needed without a base. */
export function shapeFromFields(
  fields: ShapeFields,
  base: ModelShape | undefined,
  name: string,
  where: string,
): ModelShape {
  if (!base) {
    const missing: string[] = SHAPE_FIELDS.filter(([f]) => fields[f] === undefined).map(([, flag]) => flag);
    if (fields.gated === undefined) missing.push('--gated or --no-gated');
    if (missing.length) throw new UsageError(`${where}: a custom model needs ${missing.join(', ')}`);
  }
  const { moe, mla, ...dense } = fields;
  const defined = Object.fromEntries(Object.entries(dense).filter(([, v]) => v !== undefined));
  const shape = { ...(base ?? {}), ...defined, name } as ModelShape;
  if (moe && Object.values(moe).some((v) => v !== undefined)) shape.moe = moeFromFields(moe, base?.moe, where);
  if (mla) shape.mla = mla;
  return validateShape(shape, where);
}

/**
 * A model JSON file: {"name": "mine", "layers": 2, "d": 8, "mlp": 16, "gated": true, "heads": 2, "kvHeads": 1,
 * "headDim": 4, "vocab": 10, "tiedEmbeddings": false} (ModelShape's fields; tiedEmbeddings optional), and for a
 * mixture of experts "moe": {"experts", "active", "expertMlp", "shared", "denseLayers", "imbalance"}, for latent
 * attention "mla": {"qLoraRank", "kvLoraRank", "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim"}.
 */
export function loadModelFile(path: string): ModelPreset {
  if (!existsSync(path)) throw new InputError(`model file not found: ${visible(path)}`);
  const o = readJsonFile(path, 'model file') as Record<string, unknown>;
  const where = visible(path);
  if (!o || typeof o !== 'object' || Array.isArray(o))
    throw new InputError(`${where}: expected an object with layers, d, mlp, gated, heads, kvHeads, headDim, vocab`);
  if (o.name !== undefined && typeof o.name !== 'string') throw new InputError(`${where}: "name" must be a string`);
  // the name is shown in every header and recording: visible, one line, bounded
  const name = typeof o.name === 'string' && o.name.trim() ? visibleName(o.name) : 'custom model';
  const fields: ShapeFields = {};
  for (const [f] of SHAPE_FIELDS) if (o[f] !== undefined) (fields as Record<string, unknown>)[f] = o[f];
  if (o.gated !== undefined) fields.gated = o.gated as boolean;
  for (const k of ['moe', 'mla'] as const) {
    if (o[k] === undefined) continue;
    if (!o[k] || typeof o[k] !== 'object' || Array.isArray(o[k]))
      throw new InputError(`${where}: "${k}" must be an object`);
    (fields as Record<string, unknown>)[k] = { ...(o[k] as object) };
  }
  let shape: ModelShape;
  try {
    shape = shapeFromFields(fields, undefined, name, where);
  } catch (e) {
    // a bad value in a file is a malformed file (exit 1), not a bad flag
    throw e instanceof UsageError ? new InputError(e.message) : e;
  }
  return presetFromShape(shape, { key: name, tiedEmbeddings: o.tiedEmbeddings === true, source: where });
}

/** The --project-model name of a shape given entirely by the shape flags (selectTarget builds it, not findModel). */
export const CUSTOM_MODEL = 'custom';

/** A --project-model value: a preset key or alias, `shipped`, `shipped-draft`, or a path to a .json file. `also`:
 *  names the caller accepts before asking here (--project-model's `custom`), listed with the others when none match. */
export async function findModel(name: string, modelDir?: string, also: readonly string[] = []): Promise<ModelPreset> {
  if (name.toLowerCase().endsWith('.json')) return loadModelFile(name);
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if (key === SHIPPED) return shippedPreset(modelDir);
  if (key === SHIPPED_DRAFT)
    return shippedPreset(join(modelDir ?? defaultModelDir(), 'draft'), SHIPPED_DRAFT, 'dlm-watch draft (shipped)');
  const found = MODEL_PRESETS.find((m) => m.key === (ALIASES[key] ?? key));
  if (!found)
    throw new UsageError(
      `unknown model "${name}": valid names are ${[...modelKeys(), ...also].join(', ')}, or a .json file`,
    );
  return found;
}
