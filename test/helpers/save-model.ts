// Writing a model folder as src/train/train.py exports one (model.json + fp16 shards of at most 4 MiB, sha256 of
// each), for tests that need a model of their own shape: production only reads model folders (model/weights.ts).
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { makeFolder, writeFileAtomic } from '../../src/engine/io/atomic-write.js';
import { paramShapes, type GPT } from '../../src/engine/model/model.js';
import { sha256, type ModelJson } from '../../src/engine/model/weights.js';

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
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
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
export async function saveModel(
  model: GPT,
  dir: string,
  tokenizerFile: string,
  meta?: Record<string, unknown>,
): Promise<ModelJson> {
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
  for (const p of parts) {
    bin.set(p, off);
    off += p.length;
  }
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
