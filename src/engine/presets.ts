// Model-shape presets (shared/reference/cost-model.md), the shipped model's shape, and user-defined shapes.
// A shape is all the cost model needs: no weights. Embeddings are untied in all five reference models.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './config.js';
import { InputError } from './errors.js';
import type { ModelShape } from './shape.js';

export interface ModelPreset {
  /** --project-model key, or the name of a user shape */
  key: string;
  shape: ModelShape;
  /** how the model decodes in its own code (informative: calc prices both ways on any shape) */
  decoder: 'autoregressive' | 'diffusion';
  /** LM head shares the input embedding's weights */
  tiedEmbeddings: boolean;
  /** the table's parameter count, when it has one */
  referenceParams?: number;
  source: string;
}

const TABLE = 'shared/reference/cost-model.md';

function ref(key: string, name: string, s: Omit<ModelShape, 'name' | 'gated'>, params: number, decoder: ModelPreset['decoder'] = 'autoregressive'): ModelPreset {
  return { key, shape: { name, gated: true, ...s }, decoder, tiedEmbeddings: false, referenceParams: params, source: TABLE };
}

/** The reference table, transcribed (all gated MLPs, untied embeddings). */
export const MODEL_PRESETS: readonly ModelPreset[] = [
  ref('llama-3.3-70b', 'Llama 3.3 70B', { layers: 80, d: 8192, mlp: 28672, heads: 64, kvHeads: 8, headDim: 128, vocab: 128256 }, 70.55e9),
  ref('llama-3.1-8b', 'Llama 3.1 8B', { layers: 32, d: 4096, mlp: 14336, heads: 32, kvHeads: 8, headDim: 128, vocab: 128256 }, 8.03e9),
  ref('qwen2.5-7b', 'Qwen2.5 7B', { layers: 28, d: 3584, mlp: 18944, heads: 28, kvHeads: 4, headDim: 128, vocab: 152064 }, 7.62e9),
  ref('dream-7b', 'Dream 7B', { layers: 28, d: 3584, mlp: 18944, heads: 28, kvHeads: 4, headDim: 128, vocab: 152064 }, 7.62e9, 'diffusion'),
  ref('llada-8b', 'LLaDA 8B', { layers: 32, d: 4096, mlp: 12288, heads: 32, kvHeads: 32, headDim: 128, vocab: 126464 }, 8.02e9, 'diffusion'),
];

export const SHIPPED = 'shipped';

const ALIASES: Record<string, string> = {
  'llama3.3-70b': 'llama-3.3-70b', 'llama-70b': 'llama-3.3-70b', '70b': 'llama-3.3-70b',
  'llama3.1-8b': 'llama-3.1-8b', 'llama-8b': 'llama-3.1-8b',
  'qwen2.5': 'qwen2.5-7b', 'qwen-2.5-7b': 'qwen2.5-7b', dream: 'dream-7b', llada: 'llada-8b',
};

/** Every valid --project-model name. */
export function modelKeys(): string[] {
  return [...MODEL_PRESETS.map((m) => m.key), SHIPPED];
}

/** Any ModelShape as a preset (e.g. the shipped model's, or a user's). */
export function presetFromShape(shape: ModelShape, opts: Partial<Omit<ModelPreset, 'shape'>> = {}): ModelPreset {
  return { key: opts.key ?? shape.name, shape, decoder: opts.decoder ?? 'autoregressive', tiedEmbeddings: opts.tiedEmbeddings ?? false, source: opts.source ?? 'user', ...(opts.referenceParams ? { referenceParams: opts.referenceParams } : {}) };
}

/** The folder of the shipped weights (models/ beside src/). */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../models/', import.meta.url));
}

/** The shipped model's shape, read from <dir>/model.json (its `config`; tied LM head, plain GELU MLP). */
export async function shippedPreset(dir = defaultModelDir()): Promise<ModelPreset> {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new InputError(`the shipped model's shape is unavailable: ${path} not found`);
  let json: { config?: unknown };
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as { config?: unknown };
  } catch (e) {
    throw new InputError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!json.config || typeof json.config !== 'object') throw new UsageError(`${path} has no model config`);
  // model.ts owns the config → shape mapping; imported lazily so presets stay free of tfjs until needed
  const { modelShape } = await import('./model.js');
  const shape = modelShape(json.config as Parameters<typeof modelShape>[0], 'dlm-watch (shipped)');
  return presetFromShape(shape, { key: SHIPPED, decoder: 'diffusion', tiedEmbeddings: true, source: path });
}

// ---- user-defined shapes ----

/** The fields a user shape must give, with their flag names. */
export const SHAPE_FIELDS = [
  ['layers', '--layers'], ['d', '--width'], ['mlp', '--mlp'], ['heads', '--heads'],
  ['kvHeads', '--kv-heads'], ['headDim', '--head-dim'], ['vocab', '--vocab'],
] as const satisfies readonly (readonly [keyof ModelShape, string])[];

export type ShapeFields = Partial<Omit<ModelShape, 'name' | 'context'>>;

/** Check a complete shape: positive integers everywhere, K divides H. */
export function validateShape(s: ModelShape, where: string): ModelShape {
  for (const [f, flag] of SHAPE_FIELDS) {
    const v = s[f];
    if (!Number.isInteger(v) || (v as number) < 1) throw new UsageError(`${where}: ${f} (${flag}) must be a positive integer, got ${v}`);
  }
  if (typeof s.gated !== 'boolean') throw new UsageError(`${where}: gated (--gated / --no-gated) must be true or false`);
  if (s.heads % s.kvHeads !== 0) throw new UsageError(`${where}: heads (${s.heads}) must be a multiple of kv heads (${s.kvHeads})`);
  return s;
}

/** A shape from fields over an optional base (a preset being modified); every field is needed without a base. */
export function shapeFromFields(fields: ShapeFields, base: ModelShape | undefined, name: string, where: string): ModelShape {
  if (!base) {
    const missing: string[] = SHAPE_FIELDS.filter(([f]) => fields[f] === undefined).map(([, flag]) => flag);
    if (fields.gated === undefined) missing.push('--gated or --no-gated');
    if (missing.length) throw new UsageError(`${where}: a custom model needs ${missing.join(', ')}`);
  }
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return validateShape({ ...(base ?? {}), ...defined, name } as ModelShape, where);
}

/**
 * A model JSON file: {"name": "mine", "layers": 2, "d": 8, "mlp": 16, "gated": true, "heads": 2, "kvHeads": 1,
 * "headDim": 4, "vocab": 10, "tiedEmbeddings": false} (ModelShape's fields; tiedEmbeddings optional).
 */
export function loadModelFile(path: string): ModelPreset {
  if (!existsSync(path)) throw new InputError(`model file not found: ${path}`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!o || typeof o !== 'object') throw new UsageError(`${path}: expected an object with layers, d, mlp, gated, heads, kvHeads, headDim, vocab`);
  const name = typeof o.name === 'string' && o.name.trim() ? o.name.trim() : 'custom model';
  const fields: ShapeFields = {};
  for (const [f] of SHAPE_FIELDS) if (o[f] !== undefined) (fields as Record<string, unknown>)[f] = o[f];
  if (o.gated !== undefined) fields.gated = o.gated as boolean;
  const shape = shapeFromFields(fields, undefined, name, path);
  return presetFromShape(shape, { key: name, tiedEmbeddings: o.tiedEmbeddings === true, source: path });
}

/** A --project-model value: a preset key or alias, `shipped`, or a path to a .json file. */
export async function findModel(name: string, modelDir?: string): Promise<ModelPreset> {
  if (name.toLowerCase().endsWith('.json')) return loadModelFile(name);
  const key = name.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (key === SHIPPED) return shippedPreset(modelDir);
  const found = MODEL_PRESETS.find((m) => m.key === (ALIASES[key] ?? key));
  if (!found) throw new UsageError(`unknown model "${name}": valid names are ${modelKeys().join(', ')}, or a .json file`);
  return found;
}
