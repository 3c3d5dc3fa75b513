// The sense checks on a model folder's model.json `config`, before any weight is read: whole numbers in the ranges
// below (docs/guide.md "Bad input"), so that a hostile or broken file cannot ask for a zero-layer model, a NaN shape or
// terabytes of weights. No tfjs here: presets read shapes through this too.
import { InputError } from '../io/errors.js';
import { shown } from '../io/sanitize.js';
import type { ModelShape } from './shape.js';

/** [min, max] of each numeric config field; vocab stays below 2^16 (tokenizer ids), context within the tests' reach. */
export const CONFIG_RANGES = {
  vocab: [2, 65536],
  context: [1, 65536],
  d: [2, 16384],
  layers: [1, 256],
  heads: [1, 1024],
  mlp: [1, 65536],
} as const satisfies Record<string, readonly [number, number]>;

/** A GPTConfig whose every field is in range and consistent (heads divide d into even head widths; [MASK] a valid id). */
export function validateGptConfig(c: unknown, where: string): GPTConfig {
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new InputError(`${where}: "config" must be an object`);
  const o = c as Record<string, unknown>;
  for (const [k, [min, max]] of Object.entries(CONFIG_RANGES)) {
    const v = o[k];
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
      throw new InputError(`${where}: config.${k} must be a whole number from ${min} to ${max}, got ${shown(v)}`);
  }
  const g = o as unknown as GPTConfig;
  if (g.d % g.heads !== 0 || (g.d / g.heads) % 2 !== 0)
    throw new InputError(`${where}: config.d (${g.d}) must split into ${g.heads} heads of an even width`);
  if (g.maskId !== g.vocab - 1)
    throw new InputError(`${where}: config.maskId must be the last id, ${g.vocab - 1}, got ${shown(g.maskId)}`);
  if (g.positions !== 'rope')
    throw new InputError(
      `${where} is a model with learned positions, which this version no longer reads (rotary positions only: retrain with src/train/train.py)`,
    );
  if (!(typeof g.ropeBase === 'number' && g.ropeBase > 1 && g.ropeBase <= 1e9))
    throw new InputError(
      `${where}: config.ropeBase must be a number above 1 and at most 1e9, got ${shown(g.ropeBase)}`,
    );
  return g;
}

/** A model.json `config`: the transformer's hyperparameters (model/model.ts builds the model from them). */
export interface GPTConfig {
  vocab: number; // including [MASK]
  context: number; // longest sequence trained on
  d: number;
  layers: number;
  heads: number;
  mlp: number; // MLP hidden width (GELU, not gated)
  maskId: number; // the [MASK] token: never predicted
  positions: 'rope'; // rotary positions on q and k (the only kind)
  ropeBase: number; // θ = ropeBase^(−2i/hd)
}

/** The model's shape for the cost model (multi-head attention, plain GELU MLP). */
export function modelShape(c: GPTConfig, name = 'dlm-watch'): ModelShape {
  return {
    name,
    layers: c.layers,
    d: c.d,
    heads: c.heads,
    kvHeads: c.heads,
    headDim: c.d / c.heads,
    mlp: c.mlp,
    gated: false,
    vocab: c.vocab,
    context: c.context,
  };
}
