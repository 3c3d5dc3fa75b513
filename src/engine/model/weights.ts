// Weights on disk in tfjs's weights-manifest format: model.json (config, manifest, sha256) + one .bin,
// fp16 on disk (tfjs "float16" quantization), fp32 in memory.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPT, paramShapes, type GPTConfig } from './model.js';
import { makeFolder, writeFileAtomic } from '../io/atomic-write.js';
import { InputError } from '../io/errors.js';
import { validateGptConfig } from '../price/model-config.js';
import { fileInFolder } from './model-folder.js';
import { fileKind, readJsonFile, readRegularFile } from '../io/read-file.js';
import { visible } from '../io/sanitize.js';

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
  makeFolder(dir, 'model folder');
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
    writeFileAtomic(join(dir, file), part, 'weights file');
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
  writeFileAtomic(join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n', 'model file');
  return json;
}

/** The most weight bytes a model folder may hold (each shipped model folder holds at most 7.4 MB): no manifest makes us read more. */
export const MAX_WEIGHT_BYTES = 1 << 30;

const BYTES: Record<string, number> = { float32: 4, float16: 2 };
/** tfjs writes shards of 4 MiB: 1 GiB of weights is 256 of them. */
const MAX_SHARDS = 1024;

/** Bytes the manifest's entries take on disk, after checking them against the config's parameters: the same names
 * and shapes in the same order, fp32 or fp16 (the only encodings saveModel writes). */
function manifestBytes(json: ModelJson, where: string): number {
  if (!Array.isArray(json.weightsManifest) || json.weightsManifest.length === 0) throw new InputError(`${where}: "weightsManifest" must be a non-empty array`);
  const entries: unknown[] = [];
  for (const g of json.weightsManifest as unknown[]) {
    const group = g as { paths?: unknown; weights?: unknown };
    if (!group || typeof group !== 'object' || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new InputError(`${where}: every weightsManifest group needs "paths" and "weights" arrays`);
    entries.push(...group.weights);
  }
  const want = paramShapes(json.config);
  if (entries.length !== want.length) throw new InputError(`${where}: the manifest lists ${entries.length} weights, the config needs ${want.length}`);
  let total = 0;
  entries.forEach((e, i) => {
    const [name, shape] = want[i]!;
    const w = e as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } };
    if (!w || w.name !== name || !Array.isArray(w.shape) || w.shape.join() !== shape.join())
      throw new InputError(`${where}: weight ${i} must be ${name} of shape [${shape.join(', ')}]`);
    const enc = w.quantization === undefined ? w.dtype : w.dtype === 'float32' ? w.quantization?.dtype : undefined;
    const bytes = typeof enc === 'string' ? BYTES[enc] : undefined;
    if (!bytes) throw new InputError(`${where}: weight ${name} must be float32, or float32 stored as float16`);
    total += bytes * shape.reduce((a, b) => a * b, 1);
  });
  if (total > MAX_WEIGHT_BYTES) throw new InputError(`${where}: the config asks for ${total} bytes of weights, more than the ${MAX_WEIGHT_BYTES} accepted`);
  return total;
}

/** Read model.json, verify every weights file's path, size and sha256, return the manifest. Paths must stay inside
 * the folder (model-folder.ts); sizes are checked against the manifest before anything is read. */
export function readModelJson(dir: string): { json: ModelJson; data: Uint8Array } {
  if (!existsSync(join(dir, 'model.json'))) throw new InputError(`no model at ${visible(dir)} (model.json not found)`);
  // model.json itself may not be a link out of the folder, like every file it names
  const path = fileInFolder(dir, 'model.json', 'model file');
  const where = visible(join(dir, 'model.json'));
  const json = readJsonFile(path, 'model file') as ModelJson;
  if (!json || typeof json !== 'object' || json.format !== 'dlm-watch/gpt' || !json.weightsManifest || !json.config) throw new InputError(`${where} is not a dlm-watch model`);
  json.config = validateGptConfig(json.config, where);
  const total = manifestBytes(json, where);
  const sums = json.sha256 && typeof json.sha256 === 'object' ? json.sha256 : {};
  const files: { name: string; real: string; size: number }[] = [];
  const count = json.weightsManifest.reduce((n, g) => n + g.paths.length, 0);
  if (count < 1 || count > MAX_SHARDS) throw new InputError(`${where}: the manifest must list 1 to ${MAX_SHARDS} weights files, not ${count}`);
  for (const group of json.weightsManifest) for (const file of group.paths as unknown[]) {
    const real = fileInFolder(dir, file, 'weights file');
    const name = file as string;
    if (files.some((f) => f.real === real)) throw new InputError(`${where} lists weights file "${visible(name)}" twice`);
    const want = sums[name];
    if (typeof want !== 'string' || !/^[0-9a-f]{64}$/.test(want)) throw new InputError(`${where} has no sha256 for ${visible(name)}`);
    // stat only (no open): a FIFO or device is refused without blocking or reading
    const st = statSync(real);
    if (!st.isFile()) throw new InputError(`weights file ${visible(join(dir, name))} is ${fileKind(st)}, not a regular file`);
    files.push({ name, real, size: st.size });
  }
  const onDisk = files.reduce((n, f) => n + f.size, 0);
  if (onDisk !== total) throw new InputError(`the weights files in ${visible(dir)} hold ${onDisk} bytes, but the manifest's weights take ${total}`);
  const data = new Uint8Array(total);
  let off = 0;
  for (const f of files) {
    const buf = readRegularFile(f.real, { what: 'weights file', maxBytes: MAX_WEIGHT_BYTES, size: f.size });
    const want = sums[f.name]!;
    const got = sha256(buf);
    if (got !== want) throw new InputError(`checksum mismatch for ${visible(join(dir, f.name))}: expected ${want.slice(0, 12)}…, got ${got.slice(0, 12)}…`);
    data.set(buf, off);
    off += buf.length;
  }
  const bad = firstNonFinite(json, data);
  if (bad) throw new InputError(`${where}: weight ${visible(bad)} holds NaN or infinity (the checksums match: the file was written so)`);
  return { json, data };
}

/** The first weight holding NaN or ±infinity, read from the bytes as stored (fp16: exponent bits 0x7c00 all set;
 * fp32: 0x7f800000), or null. Such weights make every logit NaN: each lane would print garbage and exit 0. */
export function firstNonFinite(json: ModelJson, data: Uint8Array): string | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const half = (w.quantization?.dtype ?? w.dtype) === 'float16';
    for (let i = 0; i < n; i++) {
      const bitsNonFinite = half ? (view.getUint16(off + 2 * i, true) & 0x7c00) === 0x7c00 : (view.getUint32(off + 4 * i, true) & 0x7f800000) === 0x7f800000;
      if (bitsNonFinite) return w.name;
    }
    off += n * (half ? 2 : 4);
  }
  return null;
}

/** Load a model directory: checksum, decode fp16 → fp32 tensors, build the GPT. A failure frees every tensor made. */
export function loadModel(dir: string): { model: GPT; json: ModelJson } {
  return buildModel(readModelJson(dir), dir);
}

/** The GPT of a model folder already read and checked (readModelJson): needs the tfjs backend. */
export function buildModel({ json, data }: { json: ModelJson; data: Uint8Array }, dir: string): { model: GPT; json: ModelJson } {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const tensors = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer, specs);
  const params = new Map<string, tf.Variable>();
  try {
    for (const [name, shape] of paramShapes(json.config)) {
      const t = tensors[name];
      if (!t || t.shape.join() !== shape.join()) throw new InputError(`weight ${name} missing or of the wrong shape in ${visible(dir)}`);
      params.set(name, tf.variable(t, false));
    }
    return { model: new GPT(json.config, params), json };
  } catch (e) {
    for (const v of params.values()) v.dispose();
    throw e;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
