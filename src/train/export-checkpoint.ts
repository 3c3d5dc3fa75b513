// Export a training checkpoint (checkpoints/<run>/state.{json,bin}) as a loadable model dir, so an intermediate
// checkpoint can be evaluated or watched while training goes on:
//   node --import tsx src/train/export-checkpoint.ts --ckpt checkpoints/main --out .scratch/ckpt-model
// state.bin holds fp32 params, then Adam m, then v, each in paramShapes order (src/train/train.ts); only the
// params are read. The weights are written fp16 like the shipped model (saveModel), with the tokenizer beside them.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend.js';
import { UsageError } from '../engine/config.js';
import { GPT, paramShapes, type GPTConfig } from '../engine/model.js';
import { Tokenizer } from '../engine/tokenizer.js';
import { saveModel } from '../engine/weights.js';

export interface CheckpointState {
  step: number;
  elapsed: number;
  config: GPTConfig;
}

/** Read a checkpoint's params (the first third of state.bin); retried if training replaces it mid-read. */
export function readCheckpoint(dir: string): { state: CheckpointState; params: Map<string, Float32Array> } {
  const jsonPath = join(dir, 'state.json');
  const binPath = join(dir, 'state.bin');
  if (!existsSync(jsonPath) || !existsSync(binPath)) throw new UsageError(`no checkpoint at ${dir} (state.json and state.bin expected)`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = statSync(binPath).mtimeMs;
    const state = JSON.parse(readFileSync(jsonPath, 'utf8')) as CheckpointState;
    const buf = readFileSync(binPath);
    // train.ts renames state.bin then state.json: equal mtimes before/after and a size match mean one checkpoint
    if (statSync(binPath).mtimeMs !== before) continue;
    const shapes = paramShapes(state.config);
    const n = shapes.reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1), 0);
    if (buf.byteLength !== 3 * n * 4) {
      if (attempt < 4) continue;
      throw new UsageError(`${binPath} has ${buf.byteLength} bytes, expected ${3 * n * 4} (params + Adam m + v for ${JSON.stringify(state.config)})`);
    }
    const f = new Float32Array(buf.buffer, buf.byteOffset, n); // params only
    const params = new Map<string, Float32Array>();
    let off = 0;
    for (const [name, sh] of shapes) {
      const size = sh.reduce((a, b) => a * b, 1);
      params.set(name, f.slice(off, off + size));
      off += size;
    }
    return { state, params };
  }
  throw new UsageError(`${dir}: the checkpoint kept changing while being read; try again`);
}

/** Write the checkpoint as model.json + fp16 shards + tokenizer.json in out. */
export async function exportCheckpoint(ckpt: string, out: string, tokenizerPath: string): Promise<{ step: number; out: string; params: number }> {
  if (!existsSync(tokenizerPath)) throw new UsageError(`tokenizer not found: ${tokenizerPath}`);
  const tok = Tokenizer.load(tokenizerPath);
  const { state, params } = readCheckpoint(ckpt);
  if (tok.vocabSize !== state.config.vocab) throw new UsageError(`tokenizer ${tokenizerPath} has vocab ${tok.vocabSize}, the checkpoint ${state.config.vocab}`);
  const vars = new Map<string, tf.Variable>();
  for (const [name, shape] of paramShapes(state.config)) vars.set(name, tf.variable(tf.tensor(params.get(name)!, shape), false));
  const model = new GPT(state.config, vars);
  mkdirSync(out, { recursive: true });
  if (resolve(tokenizerPath) !== resolve(join(out, 'tokenizer.json'))) copyFileSync(tokenizerPath, join(out, 'tokenizer.json'));
  await saveModel(model, out, 'tokenizer.json', { name: `dlm-watch austen (checkpoint step ${state.step})`, checkpoint: resolve(ckpt), step: state.step, trainSeconds: Math.round(state.elapsed) });
  const n = model.numParams;
  model.dispose();
  return { step: state.step, out, params: n };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('export-checkpoint.ts')) {
  try {
    const { values: a } = parseArgs({
      options: {
        ckpt: { type: 'string', default: 'checkpoints/main' },
        out: { type: 'string', default: '.scratch/ckpt-model' },
        tokenizer: { type: 'string', default: 'models/tokenizer.json' },
      },
    });
    await initBackend();
    const r = await exportCheckpoint(a.ckpt!, a.out!, a.tokenizer!);
    console.log(`exported step ${r.step} (${r.params} params) → ${r.out}`);
  } catch (e) {
    process.stderr.write(`export-checkpoint: ${String((e as Error).message ?? e).split('\n')[0]}\n`);
    process.exit(e instanceof UsageError || String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS') ? 2 : 1);
  }
}
