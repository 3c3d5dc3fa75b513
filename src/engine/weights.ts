// Weights on disk in tfjs's weights-manifest format: model.json (config, manifest, sha256) + one .bin,
// fp16 on disk (tfjs "float16" quantization), fp32 in memory.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPT, paramShapes, type GPTConfig } from './model.js';
import { InputError } from './errors.js';

export interface ModelJson {
  format: 'dlm-watch/gpt';
  config: GPTConfig;
  /** tokenizer file beside model.json */
  tokenizer: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** sha256 of each weights file, checked on load */
  sha256: Record<string, string>;
  /** free-form facts about how the weights were made (training run, data) */
  meta?: Record<string, unknown>;
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** float32 → IEEE half bits, round to nearest even (values beyond ±65504 saturate to ±inf). */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) { out[i] = sign | 0x7c00 | (mant ? 0x200 : 0); continue; }
    let e = exp - 127 + 15;
    if (e >= 0x1f) { out[i] = sign | 0x7c00; continue; }
    if (e <= 0) {
      if (e < -10) { out[i] = sign; continue; }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
    out[i] = sign | half; // a carry into the exponent is the correct rounding
    void e;
  }
  return out;
}

/** Write model.json + weights.bin (fp16) for a model into dir. */
export async function saveModel(model: GPT, dir: string, tokenizerFile: string, meta?: Record<string, unknown>): Promise<ModelJson> {
  mkdirSync(dir, { recursive: true });
  const entries: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint16Array[] = [];
  for (const [name, shape] of paramShapes(model.config)) {
    const values = (await model.p(name).data()) as Float32Array;
    parts.push(toFloat16Bits(values));
    entries.push({ name, shape, dtype: 'float32', quantization: { dtype: 'float16' } } as tf.io.WeightsManifestEntry);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bin = new Uint16Array(total);
  let off = 0;
  for (const p of parts) { bin.set(p, off); off += p.length; }
  // tfjs convention: shards of at most 4 MiB, read back in order
  const bytes = new Uint8Array(bin.buffer);
  const SHARD = 4 * 1024 * 1024;
  const count = Math.max(1, Math.ceil(bytes.length / SHARD));
  const paths: string[] = [];
  const sums: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const file = `group1-shard${i + 1}of${count}.bin`;
    const part = bytes.subarray(i * SHARD, Math.min(bytes.length, (i + 1) * SHARD));
    writeFileSync(join(dir, file), part);
    paths.push(file);
    sums[file] = sha256(part);
  }
  const json: ModelJson = {
    format: 'dlm-watch/gpt',
    config: model.config,
    tokenizer: tokenizerFile,
    weightsManifest: [{ paths, weights: entries }],
    sha256: sums,
    ...(meta ? { meta } : {}),
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
  return json;
}

/** Read model.json, verify every weights file's sha256, return the manifest. */
export function readModelJson(dir: string): { json: ModelJson; data: Uint8Array } {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new InputError(`no model at ${dir} (model.json not found)`);
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (e) {
    throw new InputError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (json.format !== 'dlm-watch/gpt' || !json.weightsManifest || !json.config) throw new InputError(`${path} is not a dlm-watch model`);
  if (json.config.positions !== 'rope' || !(json.config.ropeBase > 0 && Number.isFinite(json.config.ropeBase)))
    throw new InputError(`${path} is a model with learned positions, which this version no longer reads (rotary positions only: retrain with src/train/train.py)`);
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) for (const file of group.paths) {
    const p = join(dir, file);
    if (!existsSync(p)) throw new InputError(`weights file missing: ${p}`);
    const buf = new Uint8Array(readFileSync(p));
    const want = json.sha256?.[file];
    if (!want) throw new InputError(`${path} has no sha256 for ${file}`);
    const got = sha256(buf);
    if (got !== want) throw new InputError(`checksum mismatch for ${p}: expected ${want.slice(0, 12)}…, got ${got.slice(0, 12)}…`);
    chunks.push(buf);
  }
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) { data.set(c, off); off += c.length; }
  return { json, data };
}

/** Load a model directory: checksum, decode fp16 → fp32 tensors, build the GPT. */
export function loadModel(dir: string): { model: GPT; json: ModelJson } {
  const { json, data } = readModelJson(dir);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const tensors = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer, specs);
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of paramShapes(json.config)) {
    const t = tensors[name];
    if (!t || t.shape.join() !== shape.join()) throw new InputError(`weight ${name} missing or of the wrong shape in ${dir}`);
    params.set(name, tf.variable(t, false));
    t.dispose();
  }
  return { model: new GPT(json.config, params), json };
}
