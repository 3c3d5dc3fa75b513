// One run: load backend, models and tokenizer once; hand out every registered lane as fresh step-event streams.
// This is the engine's single entry point for every front end (live view, plain, NDJSON, cast, sweep).
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from './model/backends.js';
import { fitDefaults, validateDecode, type DecodeConfig, type EngineOptions } from './config.js';
import type { DecodeContext } from './decode/context.js';
import type { ModelJson } from './model/weights.js';
import { warmUp } from './decode/warmup.js';
import type { LaneId, StepEvent } from './decode/events.js';
import { InputError, UsageError } from './io/errors.js';
import type { Quality } from './quality.js';
import {
  arContext,
  laneInfo,
  lanes as registeredLanes,
  MAIN_MODEL,
  type LaneInfo,
  type LaneModels,
  type LaneSpec,
} from './lanes.js';
import { modelShape, type GPTConfig } from './price/model-config.js';
import type { ModelShape, Precision } from './price/shape.js';
import { Tokenizer } from './model/tokenizer.js';
import { fileInFolder } from './model/model-folder.js';
import { readJsonFile } from './io/read-file.js';
import { visible, visibleName } from './io/sanitize.js';
import { readModelFile } from './model/model-file.js';

// tfjs loads with the first model opened, not with this module: a front end can plan a run (planRun) and draw it first
const backendModule = () => import('./model/backend.js');
const weightsModule = () => import('./model/weights.js');
const passModule = () => import('./model/fast/pass.js');

export interface RunInfo {
  /** null in a plan's info (planRun): the models are still loading */
  backend: BackendName | null;
  model: {
    name: string;
    dir: string;
    /** true when running the tiny untrained fixture model rather than the shipped weights */
    fixture: boolean;
    shape: ModelShape;
    /** null in a plan's info (planRun): counted on the loaded weights */
    params: number | null;
    /** how the local passes are priced: the tfjs weights run in fp32 */
    precision: Precision;
    /** adapted copies of the model (same shape) that serve some lanes: the AR lanes' ar/ copy */
    copies: { role: string; name: string }[];
  };
  promptTokens: number;
  config: DecodeConfig;
  /** the lanes this run decodes, in display order (src/engine/lanes.ts) */
  lanes: LaneInfo[];
  /** threads the multi-row passes run on (model/fast/pass.ts): 2 where a second core is free, DLM_WATCH_THREADS=N */
  threads?: number;
}

export interface Run {
  info: RunInfo;
  /** resolves when every lane has been warmed up or failed to (decode/warmup.ts; a lane's failure is thrown by its own
   *  stream), which starts with the first pull of a stream (or this property); each stream waits for it before its
   *  first pass, so a front end can draw its first frame first */
  ready: Promise<void>;
  /** a fresh stream of one lane's passes (call again to restart) */
  stream(lane: LaneId): AsyncGenerator<StepEvent>;
  /** decode a whole token sequence (final texts) */
  decode(ids: number[]): string;
  /** a lane's final text judged by the AR lanes' model (quality.ts judgeText); absent in fakes */
  judge?(last: StepEvent): Promise<Quality | null>;
  /** the same models and lanes under another decode config (validated; e.g. another --steps); shares dispose */
  withConfig?(config: DecodeConfig): Run;
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

/** A model folder's head, read and checked without tfjs or the weights: manifest, tokenizer, name. */
export interface ModelHead {
  json: ModelJson;
  tokenizer: Tokenizer;
  name: string;
}

/** A model folder read and checked, before any tfjs backend starts: its head and the weights bytes. */
export interface ModelFiles extends ModelHead {
  data: Uint8Array;
}

/** model.json and a tokenizer that matches it (milliseconds: the weights are not read). */
export function readModelHead(dir: string, json: ModelJson = readModelFile(dir)): ModelHead {
  // the tokenizer's path is checked like the weights': inside the folder, a regular file, a bounded size
  const tokPath = fileInFolder(dir, json.tokenizer, 'tokenizer');
  const tokenizer = Tokenizer.fromJSON(readJsonFile(tokPath, 'tokenizer'));
  if (tokenizer.vocabSize !== json.config.vocab || tokenizer.maskId !== json.config.maskId)
    throw new InputError(
      `tokenizer ${visible(join(dir, json.tokenizer))} does not match the model (vocab ${tokenizer.vocabSize} vs ${json.config.vocab})`,
    );
  // a name from the file is shown in every header: visible, one line, bounded
  const given = json.meta?.name;
  const name =
    typeof given === 'string' && given.trim()
      ? visibleName(given)
      : resolve(dir) === FIXTURE_MODEL_DIR
        ? 'fixture (untrained)'
        : 'dlm-watch';
  return { json, tokenizer, name };
}

/** Read a model folder: checksummed weights and a tokenizer that matches them (a bad folder fails in
 * milliseconds, without starting tfjs). */
export async function readModelFolder(dir: string): Promise<ModelFiles> {
  const json = readModelFile(dir);
  const data = (await weightsModule()).readWeights(dir, json);
  return { ...readModelHead(dir, json), data };
}

/** Load a model folder: backend, checksummed weights, a tokenizer that matches them. */
export async function openModel(dir: string, backend?: BackendName, given?: ModelFiles): Promise<OpenModel> {
  const files = given ?? (await readModelFolder(dir));
  const b = await (await backendModule()).initBackend(backend);
  const { model, json } = (await weightsModule()).buildModel(files, dir);
  const { tokenizer, name } = files;
  return {
    ctx: { model, tokenizer, shape: modelShape(json.config, name), precision: LOCAL_PRECISION },
    json,
    dir,
    name,
    backend: b,
  };
}

/** The lanes of a run: the ones asked for (EngineOptions.lanes), else every registered lane shown by default. */
function selectLanes(ids?: readonly LaneId[]): LaneSpec[] {
  const all = registeredLanes();
  if (!ids) return all.filter((l) => l.byDefault !== false);
  return ids.map((id) => {
    const l = all.find((x) => x.id === id);
    if (!l) throw new InputError(`no lane "${id}": the lanes are ${all.map((x) => x.id).join(', ')}`);
    return l;
  });
}

/** Text whose tokens two tokenizers must agree on to share ids (letters, digits, punctuation, non-ASCII). */
const TOKENIZER_PROBE = 'It is a truth universally acknowledged, that 1811’s “Mr. Darcy” — naïve? 🙂\n\nYes!';

/** A draft proposes token ids for the main model to check: both must read text the same way (InputError if not). */
export function checkSameTokenizer(main: OpenModel, other: OpenModel, role: string): void {
  if (
    other.json.config.vocab !== main.json.config.vocab ||
    other.ctx.tokenizer.encode(TOKENIZER_PROBE).join() !== main.ctx.tokenizer.encode(TOKENIZER_PROBE).join()
  )
    throw new InputError(`the ${role} model in ${other.dir} has another tokenizer than the model in ${main.dir}`);
}

/** An adapted copy (ar/) must have main's shape: every lane then loads the same bytes and runs the same FLOPs per
 *  pass, and the header's one model shape holds for all of them (InputError if not). */
export function checkSameShape(main: OpenModel, other: OpenModel, role: string): void {
  const keys = [
    'vocab',
    'context',
    'd',
    'layers',
    'heads',
    'mlp',
    'maskId',
    'positions',
    'ropeBase',
  ] as const satisfies readonly (keyof GPTConfig)[];
  const diff = keys.filter((k) => other.json.config[k] !== main.json.config[k]);
  if (diff.length)
    throw new InputError(
      `the ${role} model in ${visible(other.dir)} has another shape than the model in ${visible(main.dir)} (${diff.join(', ')} differ): an adapted copy keeps the main model's shape`,
    );
}

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

const isInside = (p: string, root: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/** The models a set of lanes runs besides main (e.g. a draft in <main dir>/draft/), opened on main's backend. */
export async function openLaneModels(
  main: OpenModel,
  specs: readonly LaneSpec[],
): Promise<{ models: LaneModels; opened: OpenModel[]; copies: { role: string; name: string }[] }> {
  const models: Record<string, DecodeContext> = { [MAIN_MODEL]: main.ctx };
  const opened: OpenModel[] = [];
  const copies: { role: string; name: string }[] = [];
  try {
    for (const role of new Set(specs.flatMap((l) => l.models))) {
      if (role in models) continue;
      const sub = join(main.dir, role);
      const optional = specs.every((l) => !l.models.includes(role) || l.optionalModels?.includes(role));
      // absent means nothing there at all: a dangling link is a broken folder, said as such below
      if (optional && !existsSync(sub) && !isLink(sub)) {
        models[role] = main.ctx; // no adapted copy: main's own weights serve this role
        continue;
      }
      // a model folder is not trusted: its role folders (draft/) may not lead out of it by a symbolic link
      if (existsSync(sub) && !isInside(realpathSync(sub), realpathSync(main.dir)))
        throw new InputError(
          `the ${role} folder in ${visible(main.dir)} leads outside the model folder: only folders inside it are read`,
        );
      const m = await openModel(sub, main.backend);
      opened.push(m);
      checkSameTokenizer(main, m, role);
      if (optional) {
        checkSameShape(main, m, role);
        copies.push({ role, name: m.name });
      }
      models[role] = m.ctx;
    }
  } catch (e) {
    for (const m of opened) m.ctx.model.dispose();
    throw e;
  }
  return { models: models as LaneModels, opened, copies };
}

/** The thread count asked for in the environment (DLM_WATCH_THREADS; 1 forces one thread), or undefined: decide.
 *  A bad value is a usage error (exit 2), as a bad flag. */
function threadsAsked(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.DLM_WATCH_THREADS;
  if (v === undefined || v === '') return undefined;
  if (!/^[1-9][0-9]{0,2}$/.test(v))
    throw new UsageError(`DLM_WATCH_THREADS must be a whole number of threads, got ${visible(v)}`);
  return Number(v);
}

/** A run laid out before any weights load: the folder's head read, the config fitted to the model and checked, the
 *  lanes chosen. Its info is the run's but for what needs the weights (backend, parameters: null). */
export interface RunPlan {
  dir: string;
  head: ModelHead;
  specs: readonly LaneSpec[];
  config: DecodeConfig;
  promptTokens: number;
  info: RunInfo;
  /** threads asked for the multi-row passes (EngineOptions.threads, else DLM_WATCH_THREADS; undefined: decide) */
  threads?: number;
}

/** The model folder a run reads: --model-dir, else the shipped weights, else (none shipped) the fixture. */
function modelDirOf(modelDir?: string): string {
  const dir = modelDir ? resolve(modelDir) : DEFAULT_MODEL_DIR;
  return !modelDir && !existsSync(join(dir, 'model.json')) ? FIXTURE_MODEL_DIR : dir;
}

function planFrom(
  dir: string,
  head: ModelHead,
  specs: readonly LaneSpec[],
  asked: DecodeConfig,
  opts: EngineOptions,
): RunPlan {
  const { json, tokenizer, name } = head;
  const promptTokens = tokenizer.encode(asked.prompt).length;
  const config = fitDefaults(asked, opts.defaults, json.config.context, promptTokens);
  validateDecode(config, json.config.context, promptTokens, json.config);
  const info: RunInfo = {
    backend: null,
    model: {
      name,
      dir,
      fixture: resolve(dir) === FIXTURE_MODEL_DIR,
      shape: modelShape(json.config, name),
      params: null,
      precision: LOCAL_PRECISION,
      copies: [],
    },
    promptTokens,
    config,
    lanes: specs.map((l) => laneInfo(l, config)),
  };
  return { dir, head, specs, config, promptTokens, info, threads: opts.threads ?? threadsAsked(process.env) };
}

/** Plan a run without tfjs and without reading the weights (milliseconds): a bad folder or flag fails here. */
export function planRun(config: DecodeConfig, opts: EngineOptions & { lanes?: readonly LaneId[] } = {}): RunPlan {
  const dir = modelDirOf(opts.modelDir);
  const specs = selectLanes(opts.lanes);
  return planFrom(dir, readModelHead(dir), specs, config, opts);
}

export async function createRun(
  config: DecodeConfig,
  opts: EngineOptions & { lanes?: readonly LaneId[] } = {},
): Promise<Run> {
  const dir = modelDirOf(opts.modelDir);
  const specs = selectLanes(opts.lanes);
  // the folder first: a bad one fails in milliseconds, before tfjs starts; then the backend (a --backend that cannot
  // start is said before the decoding flags, as it always was), then the flags against the model
  const files = await readModelFolder(dir);
  await (await backendModule()).initBackend(opts.backend);
  return openPlan(planFrom(dir, files, specs, config, opts), opts, files.data);
}

/** Open a planned run: read the weights (unless given), start the backend, build every model its lanes run. */
export async function openPlan(plan: RunPlan, opts: EngineOptions = {}, data?: Uint8Array): Promise<Run> {
  const { dir, specs, promptTokens, info: planned, threads: asked } = plan;
  const config = plan.config;
  const main = await openModel(dir, opts.backend, {
    ...plan.head,
    data: data ?? (await weightsModule()).readWeights(dir, plan.head.json),
  });
  const { ctx, json, backend } = main;
  const { startPassThreads, stopPassThreads } = await passModule();
  const opened: OpenModel[] = [main];
  const dispose = () => {
    stopPassThreads(ctx.model);
    for (const m of opened) m.ctx.model.dispose();
  };
  let models: LaneModels;
  let copies: { role: string; name: string }[];
  let threads: number;
  try {
    const lanesModels = await openLaneModels(main, specs);
    opened.push(...lanesModels.opened);
    models = lanesModels.models;
    copies = lanesModels.copies;
    threads = await startPassThreads(ctx.model, asked);
  } catch (e) {
    dispose();
    throw e;
  }
  // the warm-up starts with the first pull of any stream (or run.ready), one turn of the event loop later: a live view
  // draws its first frame before it; every stream's first pass waits for every lane's warm-up, so no measured pass is
  // cold, and a lane whose warm-up failed (decode/warmup.ts) fails in its own stream only
  let warming: Promise<Map<LaneId, unknown>> | null = null;
  const warm = (): Promise<Map<LaneId, unknown>> => {
    warming ??= new Promise<void>((res) => setImmediate(res))
      .then(() => warmUp(specs, models, config))
      .then(async (failed) => {
        // the judge's fast path laid out too (the AR lanes' model; without an AR lane the main model, whose lanes ran
        // on the multi-row kernels only): then every fast path the run uses holds its own copy of the weights
        const judge = arContext(models).model;
        const { fastStepFits, fastWeights } = await import('./model/fast/decoder.js');
        if (fastStepFits(judge.config)) fastWeights(judge);
        for (const m of opened) m.ctx.model.releaseStored();
        return failed;
      });
    return warming;
  };
  async function* afterWarmUp(id: LaneId, open: () => AsyncGenerator<StepEvent>): AsyncGenerator<StepEvent> {
    const failed = await warm();
    if (failed.has(id)) throw failed.get(id);
    yield* open();
  }
  const byId = new Map(specs.map((l) => [l.id, l]));
  const make = (config: DecodeConfig): Run => ({
    info: {
      backend,
      model: { ...planned.model, shape: ctx.shape, params: ctx.model.numParams, copies },
      promptTokens,
      config,
      lanes: specs.map((l) => laneInfo(l, config)),
      threads,
    },
    get ready() {
      return warm().then(() => {});
    },
    stream: (id) => {
      const l = byId.get(id);
      if (!l) throw new Error(`this run has no lane "${id}"`);
      return afterWarmUp(id, () => l.decode(models, config));
    },
    decode: (ids) => ctx.tokenizer.decode(ids),
    // quality.ts loads on the first judgement (it imports this module for openModel)
    judge: async (last) => (await import('./quality.js')).judgeText(arContext(models).model, ctx.tokenizer, last),
    withConfig: (c) => {
      validateDecode(c, json.config.context, ctx.tokenizer.encode(c.prompt).length, json.config);
      return make(c);
    },
    dispose,
  });
  return make(config);
}
