// One run: load backend, model and tokenizer once; hand out both lanes as fresh step-event streams.
// This is the engine's single entry point for every front end (live view, plain, NDJSON, cast, sweep).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from './backend.js';
import { validateDecode, type DecodeConfig, type EngineOptions, UsageError } from './config.js';
import { autoregressive } from './decode/autoregressive.js';
import type { DecodeContext } from './decode/context.js';
import type { ModelJson } from './weights.js';
import { diffusion } from './decode/diffusion.js';
import { warmUp } from './decode/warmup.js';
import type { StepEvent } from './decode/events.js';
import { modelShape } from './model.js';
import type { ModelShape, Precision } from './shape.js';
import { Tokenizer } from './tokenizer.js';
import { loadModel } from './weights.js';

export interface RunInfo {
  backend: BackendName;
  model: {
    name: string;
    dir: string;
    /** true when running the tiny untrained fixture model rather than the shipped weights */
    fixture: boolean;
    shape: ModelShape;
    params: number;
    /** how the local passes are priced: the tfjs weights run in fp32 */
    precision: Precision;
  };
  promptTokens: number;
  config: DecodeConfig;
}

export interface Run {
  info: RunInfo;
  /** a fresh autoregressive stream (call again to restart) */
  ar(): AsyncGenerator<StepEvent>;
  /** a fresh masked-diffusion stream (call again to restart) */
  diffusion(): AsyncGenerator<StepEvent>;
  /** decode a whole token sequence (final texts) */
  decode(ids: number[]): string;
  dispose(): void;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The shipped weights. */
export const DEFAULT_MODEL_DIR = join(ROOT, 'models');
/** The tiny untrained model the tests run. */
export const FIXTURE_MODEL_DIR = join(ROOT, 'fixtures', 'tiny');

/** Local passes run in fp32: 4 bytes per weight and per KV element. */
export const LOCAL_PRECISION: Precision = { weightBytes: 4, kvBytes: 4 };

export interface OpenModel {
  ctx: DecodeContext;
  json: ModelJson;
  dir: string;
  name: string;
  backend: BackendName;
}

/** Load a model folder: backend, checksummed weights, a tokenizer that matches them. */
export async function openModel(dir: string, backend?: BackendName): Promise<OpenModel> {
  const b = await initBackend(backend);
  const { model, json } = loadModel(dir);
  const tokPath = join(dir, json.tokenizer);
  if (!existsSync(tokPath)) { model.dispose(); throw new UsageError(`tokenizer missing: ${tokPath}`); }
  const tokenizer = Tokenizer.load(tokPath);
  if (tokenizer.vocabSize !== json.config.vocab || tokenizer.maskId !== json.config.maskId) {
    model.dispose();
    throw new UsageError(`tokenizer ${tokPath} does not match the model (vocab ${tokenizer.vocabSize} vs ${json.config.vocab})`);
  }
  const name = String(json.meta?.name ?? (resolve(dir) === FIXTURE_MODEL_DIR ? 'fixture (untrained)' : 'dlm-watch'));
  return { ctx: { model, tokenizer, shape: modelShape(json.config, name), precision: LOCAL_PRECISION }, json, dir, name, backend: b };
}

export async function createRun(config: DecodeConfig, opts: EngineOptions = {}): Promise<Run> {
  let dir = opts.modelDir ? resolve(opts.modelDir) : DEFAULT_MODEL_DIR;
  if (!opts.modelDir && !existsSync(join(dir, 'model.json'))) dir = FIXTURE_MODEL_DIR;
  const fixture = resolve(dir) === FIXTURE_MODEL_DIR;
  const { ctx, json, name, backend } = await openModel(dir, opts.backend);
  const { model, tokenizer, shape } = ctx;
  const promptTokens = tokenizer.encode(config.prompt).length;
  try {
    validateDecode(config, json.config.context, promptTokens);
    await warmUp(ctx, config);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    info: { backend, model: { name, dir, fixture, shape, params: model.numParams, precision: LOCAL_PRECISION }, promptTokens, config },
    ar: () => autoregressive(ctx, config),
    diffusion: () => diffusion(ctx, config),
    decode: (ids) => tokenizer.decode(ids),
    dispose: () => model.dispose(),
  };
}
