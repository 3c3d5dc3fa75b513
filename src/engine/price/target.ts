// Selecting what a projection prices on (shared by calc, sweep and the live view): the model shape, the dtypes, the
// hardware roofline and the efficiencies, from flags and presets.
import { InputError, UsageError } from '../io/errors.js';
import { BANDWIDTH_RANGE_GBS, findHardware, inRange, LOCAL, TFLOPS_RANGE } from './hardware.js';
import {
  CUSTOM_MODEL,
  findModel,
  shapeFromFields,
  SHIPPED_DRAFT,
  type ModelPreset,
  type ShapeFields,
} from './presets.js';
import { rooflineFor, validateEfficiency, type Efficiency, type Roofline } from './roofline.js';
import { BYTES_PER_ELEMENT, type Dtype, type Precision } from './shape.js';
import { parseEfficiencyMode, shapedEfficiency, type EfficiencyMode } from './efficiency.js';

export const DTYPES: readonly Dtype[] = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4'];

export function parseDtype(s: string, flag = '--dtype'): Dtype {
  const d = s.trim().toLowerCase() as Dtype;
  if (!DTYPES.includes(d)) throw new UsageError(`unknown ${flag} "${s}": valid values are ${DTYPES.join(', ')}`);
  return d;
}

/** KV-cache dtype when none is given: the weights' dtype, except int4 weights keep an 8-bit cache (4-bit caches are rare). */
export function defaultKvDtype(weights: Dtype): Dtype {
  return weights === 'int4' ? 'int8' : weights;
}

/** Bytes per weight and per KV element: b_w = bytes(dtype), b_kv = bytes(kv dtype) */
export function precisionFor(weights: Dtype, kv: Dtype = defaultKvDtype(weights)): Precision {
  return { weightBytes: BYTES_PER_ELEMENT[weights], kvBytes: BYTES_PER_ELEMENT[kv] };
}

/** What a projection prices on: model shape, dtype, hardware roofline, efficiencies. */
export interface ProjectionTarget {
  model: ModelPreset;
  dtype: Dtype;
  kvDtype: Dtype;
  precision: Precision;
  roofline: Roofline;
  eff: Efficiency;
  /** true when --peak-tflops or --bandwidth replaced a table figure */
  overridden: boolean;
  /** B: sequences decoded together in every pass (each with its own KV cache) */
  batch: number;
  /** the speculative lane's draft on the target (its draft passes are priced on this model) */
  draft: ModelPreset;
}

export interface TargetOptions {
  hardware?: string;
  model?: string;
  dtype?: string;
  kvDtype?: string;
  computeEff?: number;
  memoryEff?: number;
  /** TFLOP/s at the dtype, replaces the table's */
  peakTflops?: number;
  /** GB/s, replaces the table's */
  bandwidthGBs?: number;
  /** shape fields over the chosen model (all of them with model `custom`) */
  shape?: ShapeFields;
  modelDir?: string;
  env?: NodeJS.ProcessEnv;
  /** --project-draft: the speculative lane's draft on the target (default DEFAULT_DRAFT) */
  draftModel?: string;
  /** sequences decoded together (default 1) */
  batch?: number;
  /** --efficiency: `shaped` (efficiency.ts, fitted to published measurements) or `fixed` (computeEff/memoryEff) */
  efficiency?: string;
}

/** The largest --batch: beyond it the projection is past any server's memory (the cost itself is closed form in B). */
export const MAX_BATCH = 65536;

/** --batch: an integer from 1 to MAX_BATCH. */
export function validateBatch(b: number, flag = '--batch'): number {
  if (!(Number.isInteger(b) && b >= 1 && b <= MAX_BATCH))
    throw new UsageError(
      `${flag} must be a whole number of sequences from 1 to ${MAX_BATCH.toLocaleString('en-US')}, got ${b}`,
    );
  return b;
}

/**
 * Defaults: the worked example (H200, Llama 3.3 70B, 8-bit weights at the fp8 peak, 70 % of peak compute as in
 * the article). Memory efficiency 75 %: the article's measured 51 tok/s × 70 GB ≈ 3.6 TB/s of the H200's 4.8 TB/s.
 * `local` defaults to 1 for both: its figures are already measured, not datasheet peaks.
 */
export const DEFAULT_TARGET = {
  hardware: 'h200',
  model: 'llama-3.3-70b',
  dtype: 'fp8' as Dtype,
  computeEff: 0.7,
  memoryEff: 0.75,
  /** `fixed`: the two figures above; `shaped`: efficiency.ts (calc --check prices with it) */
  efficiency: 'fixed' as EfficiencyMode,
};

/** A figure replacing the table's, within the range a hardware file may give (hardware.ts). */
function figure(v: number | undefined, flag: string, range: readonly [number, number]): number | undefined {
  if (v === undefined) return undefined;
  if (!inRange(v, range)) throw new UsageError(`${flag} must be a number from ${range[0]} to ${range[1]}, got ${v}`);
  return v;
}

/** The speculative lane's draft on the target unless --project-draft says otherwise. */
export const DEFAULT_DRAFT = 'llama-3.2-1b';

export async function selectTarget(o: TargetOptions = {}): Promise<ProjectionTarget> {
  const dtype = parseDtype(o.dtype ?? DEFAULT_TARGET.dtype);
  const kvDtype = o.kvDtype !== undefined ? parseDtype(o.kvDtype, '--kv-dtype') : defaultKvDtype(dtype);
  const hw = findHardware(o.hardware ?? DEFAULT_TARGET.hardware, o.env);
  const peakTflops = figure(o.peakTflops, '--peak-tflops', TFLOPS_RANGE);
  const bandwidthGBs = figure(o.bandwidthGBs, '--bandwidth', BANDWIDTH_RANGE_GBS);
  const roofline = rooflineFor(hw, dtype, {
    ...(peakTflops !== undefined ? { peakFlops: peakTflops * 1e12 } : {}),
    ...(bandwidthGBs !== undefined ? { bandwidth: bandwidthGBs * 1e9 } : {}),
  });
  const local = hw.key === LOCAL;
  const mode = parseEfficiencyMode(o.efficiency ?? DEFAULT_TARGET.efficiency);
  if (o.efficiency !== undefined && mode === 'shaped' && (o.computeEff !== undefined || o.memoryEff !== undefined))
    throw new UsageError(
      '--efficiency shaped takes no --compute-eff or --memory-eff (they set the fixed model: --efficiency fixed)',
    );
  // given efficiencies, and `local` (measured figures, not datasheet peaks), are fixed whatever the mode
  const shaped = mode === 'shaped' && !local && o.computeEff === undefined && o.memoryEff === undefined;
  const eff: Efficiency = shaped
    ? shapedEfficiency()
    : {
        compute: o.computeEff ?? (local ? 1 : DEFAULT_TARGET.computeEff),
        memory: o.memoryEff ?? (local ? 1 : DEFAULT_TARGET.memoryEff),
      };
  validateEfficiency(eff);
  const modelName = o.model ?? DEFAULT_TARGET.model;
  const fields = Object.fromEntries(Object.entries(o.shape ?? {}).filter(([, v]) => v !== undefined)) as ShapeFields;
  let model: ModelPreset;
  if (modelName.trim().toLowerCase() === CUSTOM_MODEL) {
    const shape = shapeFromFields(fields, undefined, 'custom model', `--project-model ${CUSTOM_MODEL}`);
    model = { key: CUSTOM_MODEL, shape, decoder: 'autoregressive', tiedEmbeddings: false, source: 'flags' };
  } else {
    model = await findModel(modelName, o.modelDir, [CUSTOM_MODEL]);
    if (Object.keys(fields).length) {
      const shape = shapeFromFields(
        fields,
        model.shape,
        `${model.shape.name} (modified)`,
        `--project-model ${modelName}`,
      );
      model = {
        key: `${model.key}+flags`,
        shape,
        decoder: model.decoder,
        tiedEmbeddings: model.tiedEmbeddings,
        source: `${model.source} + flags`,
      };
    }
  }
  const batch = validateBatch(o.batch ?? 1);
  // the draft TensorRT-LLM pairs with Llama 3.3 70B on H200 (51 → 182 tok/s); any preset or shape file may replace it
  const draft = await findModel(o.draftModel ?? DEFAULT_DRAFT, o.modelDir).catch((e: unknown) => {
    // a model folder without a draft (models/draft/) runs no speculative lane: there is no draft pass to price
    if (o.draftModel === SHIPPED_DRAFT && e instanceof InputError) return findModel(DEFAULT_DRAFT);
    throw e;
  });
  return {
    model,
    dtype,
    kvDtype,
    precision: precisionFor(dtype, kvDtype),
    roofline,
    eff,
    overridden: peakTflops !== undefined || bandwidthGBs !== undefined,
    batch,
    draft,
  };
}
