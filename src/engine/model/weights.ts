// Weights on disk in tfjs's weights-manifest format: model.json (config, manifest, sha256) + one .bin,
// fp16 on disk (tfjs "float16" quantization), fp32 in memory. Written by src/train/train.py (tests write theirs with
// test/helpers/save-model.ts); read and checked here.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { GPT, paramShapes, type GPTConfig } from './model.js';
import { InputError } from '../io/errors.js';
import { fileInFolder } from './model-folder.js';
import { fileKind, readRegularFile } from '../io/read-file.js';
import { readModelFile } from './model-file.js';
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

/** The most weight bytes a model folder may hold (each shipped model folder holds at most 7.4 MB): no manifest makes us read more. */
export const MAX_WEIGHT_BYTES = 1 << 30;

const BYTES: Record<string, number> = { float32: 4, float16: 2 };
/** tfjs writes shards of 4 MiB: 1 GiB of weights is 256 of them. */
const MAX_SHARDS = 1024;

/** Bytes the manifest's entries take on disk, after checking them against the config's parameters: the same names
 * and shapes in the same order, fp32 or fp16 (the only encodings src/train/train.py writes). */
function manifestBytes(json: ModelJson, where: string): number {
  if (!Array.isArray(json.weightsManifest) || json.weightsManifest.length === 0)
    throw new InputError(`${where}: "weightsManifest" must be a non-empty array`);
  const entries: unknown[] = [];
  for (const g of json.weightsManifest as unknown[]) {
    const group = g as { paths?: unknown; weights?: unknown };
    if (!group || typeof group !== 'object' || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new InputError(`${where}: every weightsManifest group needs "paths" and "weights" arrays`);
    entries.push(...group.weights);
  }
  const want = paramShapes(json.config);
  if (entries.length !== want.length)
    throw new InputError(`${where}: the manifest lists ${entries.length} weights, the config needs ${want.length}`);
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
  if (total > MAX_WEIGHT_BYTES)
    throw new InputError(
      `${where}: the config asks for ${total} bytes of weights, more than the ${MAX_WEIGHT_BYTES} accepted`,
    );
  return total;
}

/** Read model.json, verify every weights file's path, size and sha256, return the manifest. Paths must stay inside
 * the folder (model-folder.ts); sizes are checked against the manifest before anything is read. */
export function readModelJson(dir: string): { json: ModelJson; data: Uint8Array } {
  const json = readModelFile(dir);
  return { json, data: readWeights(dir, json) };
}

/** The weights bytes of a folder whose model.json is read (readModelFile), every file checked as readModelJson says. */
export function readWeights(dir: string, json: ModelJson): Uint8Array {
  const where = visible(join(dir, 'model.json'));
  const total = manifestBytes(json, where);
  const sums = json.sha256 && typeof json.sha256 === 'object' ? json.sha256 : {};
  const files: { name: string; real: string; size: number }[] = [];
  const count = json.weightsManifest.reduce((n, g) => n + g.paths.length, 0);
  if (count < 1 || count > MAX_SHARDS)
    throw new InputError(`${where}: the manifest must list 1 to ${MAX_SHARDS} weights files, not ${count}`);
  for (const group of json.weightsManifest)
    for (const file of group.paths as unknown[]) {
      const real = fileInFolder(dir, file, 'weights file');
      const name = file as string;
      if (files.some((f) => f.real === real))
        throw new InputError(`${where} lists weights file "${visible(name)}" twice`);
      const want = sums[name];
      if (typeof want !== 'string' || !/^[0-9a-f]{64}$/.test(want))
        throw new InputError(`${where} has no sha256 for ${visible(name)}`);
      // stat only (no open): a FIFO or device is refused without blocking or reading
      const st = statSync(real);
      if (!st.isFile())
        throw new InputError(`weights file ${visible(join(dir, name))} is ${fileKind(st)}, not a regular file`);
      files.push({ name, real, size: st.size });
    }
  const onDisk = files.reduce((n, f) => n + f.size, 0);
  if (onDisk !== total)
    throw new InputError(
      `the weights files in ${visible(dir)} hold ${onDisk} bytes, but the manifest's weights take ${total}`,
    );
  const data = new Uint8Array(total);
  let off = 0;
  for (const f of files) {
    const buf = readRegularFile(f.real, { what: 'weights file', maxBytes: MAX_WEIGHT_BYTES, size: f.size });
    const want = sums[f.name]!;
    const got = sha256(buf);
    if (got !== want)
      throw new InputError(
        `checksum mismatch for ${visible(join(dir, f.name))}: expected ${want.slice(0, 12)}…, got ${got.slice(0, 12)}…`,
      );
    data.set(buf, off);
    off += buf.length;
  }
  const bad = firstNonFinite(json, data);
  if (bad)
    throw new InputError(
      `${where}: weight ${visible(bad)} holds NaN or infinity (the checksums match: the file was written so)`,
    );
  return data;
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
      const bitsNonFinite = half
        ? (view.getUint16(off + 2 * i, true) & 0x7c00) === 0x7c00
        : (view.getUint32(off + 4 * i, true) & 0x7f800000) === 0x7f800000;
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

/** A float16 bit pattern's value as float32, exactly (IEEE 754 binary16: sign, 5 exponent bits biased by 15, 10
 *  fraction bits; exponent 0 is m·2^−24, exponent 31 infinity or NaN). */
export function halfToFloat(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Every float16 value by bit pattern: the weights decode by lookup (256 kB, made on the first model). */
let halfTable: Float32Array | null = null;
const halves = (): Float32Array => (halfTable ??= Float32Array.from({ length: 1 << 16 }, (_, h) => halfToFloat(h)));

/** Decode one weight from the stored bytes at `off` (fp16 little-endian, or fp32) into out. */
function decodeWeight(data: Uint8Array, off: number, half: boolean, out: Float32Array): void {
  const n = out.length;
  const view = new DataView(data.buffer, data.byteOffset + off, n * (half ? 2 : 4));
  if (half) {
    const t = halves();
    for (let i = 0; i < n; i++) out[i] = t[view.getUint16(2 * i, true)]!;
  } else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
}

/** The GPT of a model folder already read and checked (readModelJson). It keeps the stored bytes (fp16: half the
 *  fp32 size) and decodes a weight from them when asked: the fast paths copy each weight into their own layout, and
 *  tfjs gets its variables only if a tfjs pass runs (model.ts). Once released, the bytes are read from the folder
 *  again (readWeights: sizes and checksums checked) when a weight is asked for. */
export function buildModel(
  { json, data }: { json: ModelJson; data: Uint8Array },
  dir: string,
): { model: GPT; json: ModelJson } {
  const stored = new Map<string, { off: number; n: number; half: boolean }>();
  let off = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const half = (w.quantization?.dtype ?? w.dtype) === 'float16';
    stored.set(w.name, { off, n, half });
    off += n * (half ? 2 : 4);
  }
  for (const [name, shape] of paramShapes(json.config)) {
    const at = stored.get(name);
    if (!at || at.n !== shape.reduce((a, b) => a * b, 1) || at.off + at.n * (at.half ? 2 : 4) > data.byteLength)
      throw new InputError(`weight ${name} missing or of the wrong shape in ${visible(dir)}`);
  }
  let bytes: Uint8Array | null = data;
  const weights = {
    read(name: string): Float32Array {
      bytes ??= readWeights(dir, json);
      const at = stored.get(name)!;
      const out = new Float32Array(at.n);
      decodeWeight(bytes, at.off, at.half, out);
      return out;
    },
    release() {
      bytes = null;
    },
  };
  return { model: new GPT(json.config, weights), json };
}
