// The lane registry: every decoder the tool runs side by side, as data. run.ts, the store, every renderer, sweep and
// eval iterate over it; adding a lane is one decoder file (src/engine/decode/) and one entry in BUILTIN_LANES.
// A lane names the models it runs by role ('main' is --model-dir; any other role is a folder inside it, e.g.
// models/draft/ for a draft model), the pass kinds it emits, and how its passes are projected on a target.
// Its passes are priced locally by the decoder, on the model that ran them (decode/context.ts stepEvent).
import type { DecodeConfig } from './config.js';
import type { DecodeContext } from './decode/context.js';
import type { LaneId, PassKind, StepEvent } from './decode/events.js';
import { projectAll, projector, projectShape, type ProjectedPass, type ProjectionTarget, type ScheduledPass, type Totals } from './price/project.js';

/** The run's own model. */
export const MAIN_MODEL = 'main';
/** A copy of main adapted to next-token prediction (Dream's recipe: one shape, two sets of weights), in <model dir>/ar/;
 *  a folder without one serves the AR lanes from main itself. */
export const AR_MODEL = 'ar';

/** The model the AR lanes run: the ar/ copy where openLaneModels found one, else main (also for callers that hand a
 *  lane only { main }). */
export function arContext(m: LaneModels): DecodeContext {
  return m[AR_MODEL] ?? m.main;
}

/** The decode contexts a lane gets, by model role ('main' always). */
export type LaneModels = { readonly main: DecodeContext } & Readonly<Record<string, DecodeContext>>;

/** What a projection needs of a pass: its shape, and its kind (a lane with two models tells them apart by kind). */
export type LanePass = Pick<StepEvent, 'shape' | 'kind'>;

export interface LaneSpec {
  id: LaneId;
  /** short name for tables, summaries and messages: "AR" */
  label: string;
  /** the lane's heading for a decode config: "Masked diffusion · low-confidence · 32 steps · one block" */
  title(c: DecodeConfig): string;
  /** a shorter heading where the title does not fit (default: the title) */
  shortTitle?(c: DecodeConfig): string;
  /** a terminal colour name (the renderers map it; the engine draws nothing) */
  color: string;
  /** model roles the decoder runs, MAIN_MODEL first; any other role loads from <model dir>/<role>/ */
  models: readonly string[];
  /** roles of `models` that are main itself where their folder is absent (AR_MODEL) */
  optionalModels?: readonly string[];
  /** the StepEvent kinds it emits, in the order they first appear */
  passKinds: readonly PassKind[];
  /** a fresh stream of step events, one per forward pass */
  decode(models: LaneModels, c: DecodeConfig): AsyncGenerator<StepEvent>;
  /** its pass on a projection target (default: the pass shape priced on the target's model) */
  project?(pass: LanePass, t: ProjectionTarget): ProjectedPass;
  /** sweep: the configs to run besides none (default: the base config once) */
  sweepConfigs?(base: DecodeConfig, grid: SweepGrid): DecodeConfig[];
  /** calc prices this lane as its AR baseline: sweep reports calc's AR time for it (measured where known) */
  arBaseline?: boolean;
  /** its number of passes is a knob (diffusion's --steps): the verdict prices how many it could take (engine/price/verdict.ts) */
  passesVary?: boolean;
}

/** The values a sweep varies. */
export interface SweepGrid {
  /** fixed-k pass counts */
  steps: readonly number[];
  /** threshold-strategy values */
  thresholds: readonly number[];
}

/** The serialisable part of a lane, as RunInfo carries it to the renderers and the NDJSON run line. */
export interface LaneInfo {
  id: LaneId;
  label: string;
  title: string;
  /** LaneSpec.shortTitle */
  shortTitle: string;
  color: string;
  models: readonly string[];
  passKinds: readonly PassKind[];
  /** LaneSpec.passesVary */
  passesVary: boolean;
}

function diffusionTitle(c: DecodeConfig): string {
  const blocks = c.length / c.block;
  // "p ≥ 0.9", not "τ": the speculative lane's τ is its tokens per verify pass
  const steps = c.strategy === 'threshold' ? `p ≥ ${c.threshold}` : `${c.steps} steps`;
  const block = blocks > 1 ? `block ${c.block}` : 'one block';
  const cache = c.cache === 'none' ? '' : ` · ${c.cache} cache`;
  return `Masked diffusion · ${c.strategy} · ${steps} · ${block}${cache}`;
}

/** A stream whose decoder module loads on the first pull: the registry stays free of tfjs (--help, calc). */
async function* lazy(open: () => Promise<AsyncGenerator<StepEvent>>): AsyncGenerator<StepEvent> {
  yield* await open();
}

/** The speculative lane's passes on a target: draft passes on the target's draft model, the rest on its model; every
 *  one a tfjs forward pass (its dispatch counts on `local`). */
function projectSpeculative(pass: LanePass, t: ProjectionTarget): ProjectedPass {
  return projectShape(pass.shape, pass.kind === 'draft' ? { ...t, model: t.draft } : t, { forward: true });
}

/** The AR lane: the prefill is a tfjs forward pass; a one-token step runs the fast path, whose overhead is inside the
 *  step rate calibrate measured (the local bandwidth), so it pays no term of its own. */
function projectAr(pass: LanePass, t: ProjectionTarget): ProjectedPass {
  return projectShape(pass.shape, t, { forward: pass.kind !== 'decode' });
}

/** The diffusion lane: a tfjs forward pass and the token choice on tensors over its logit rows. */
function projectDiffusion(pass: LanePass, t: ProjectionTarget): ProjectedPass {
  return projectShape(pass.shape, t, { forward: true, choice: true });
}

export const BUILTIN_LANES: readonly LaneSpec[] = [
  {
    id: 'ar',
    label: 'AR',
    title: () => 'Autoregressive (KV cache)',
    color: 'blue',
    models: [MAIN_MODEL, AR_MODEL],
    optionalModels: [AR_MODEL],
    passKinds: ['prefill', 'decode'],
    decode: (m, c) => lazy(async () => (await import('./decode/autoregressive.js')).autoregressive(arContext(m), c)),
    project: projectAr,
    arBaseline: true,
  },
  {
    id: 'diffusion',
    label: 'diffusion',
    title: diffusionTitle,
    shortTitle: (c) => `Masked diffusion · ${c.strategy === 'threshold' ? `p ≥ ${c.threshold}` : `${c.steps} passes`} · block ${c.block}`,
    color: 'magenta',
    models: [MAIN_MODEL],
    passKinds: ['refresh', 'denoise'],
    decode: (m, c) => lazy(async () => (await import('./decode/diffusion.js')).diffusion(m.main, c)),
    passesVary: true,
    project: projectDiffusion,
    // fixed-k at each pass count, then the threshold strategy at each τ
    sweepConfigs: (base, g) => [
      ...g.steps.map((steps) => ({ ...base, steps })),
      ...g.thresholds.map((threshold) => ({ ...base, strategy: 'threshold' as const, threshold })),
    ],
  },
  {
    id: 'speculative',
    label: 'speculative',
    title: (c) => `Speculative AR (draft model proposes ${c.draftTokens}, target verifies in one pass)`,
    shortTitle: (c) => `Speculative AR · draft proposes ${c.draftTokens}`,
    color: 'green',
    // the target is the AR lane's model, so greedy speculative decoding writes AR's text
    models: [MAIN_MODEL, AR_MODEL, 'draft'],
    optionalModels: [AR_MODEL],
    passKinds: ['prefill', 'draft', 'verify'],
    decode: (m, c) => lazy(async () => (await import('./decode/speculative.js')).speculative(arContext(m), m.draft!, c)),
    project: projectSpeculative,
  },
];

const registry: LaneSpec[] = [...BUILTIN_LANES];

/** Every registered lane, in display order. */
export function lanes(): readonly LaneSpec[] {
  return registry;
}

/** Add a lane (after the others); returns a function that removes it again (tests). */
export function registerLane(spec: LaneSpec): () => void {
  if (registry.some((l) => l.id === spec.id)) throw new Error(`lane "${spec.id}" is registered already`);
  if (spec.models[0] !== MAIN_MODEL) throw new Error(`lane "${spec.id}": models must start with "${MAIN_MODEL}"`);
  registry.push(spec);
  return () => {
    const i = registry.indexOf(spec);
    if (i >= 0) registry.splice(i, 1);
  };
}

/** The lane registered as id (throws for an unknown one: a bug, not a user error). */
export function laneSpec(id: LaneId): LaneSpec {
  const l = registry.find((x) => x.id === id);
  if (!l) throw new Error(`no lane "${id}" is registered`);
  return l;
}

export function laneInfo(l: LaneSpec, c: DecodeConfig): LaneInfo {
  return { id: l.id, label: l.label, title: l.title(c), shortTitle: l.shortTitle?.(c) ?? l.title(c), color: l.color, models: l.models, passKinds: l.passKinds, passesVary: l.passesVary ?? false };
}

/** A lane's pass on the target: its own projection, else the shape priced on the target's model at its batch. */
export function projectLanePass(id: LaneId, pass: LanePass, t: ProjectionTarget): ProjectedPass {
  const spec = registry.find((x) => x.id === id);
  // a lane without its own projection runs its passes through the tfjs forward pass (decode/context.ts runPass)
  return spec?.project ? spec.project(pass, t) : projectShape(pass.shape, t, { forward: true });
}

/** A running projection of a lane, one pass at a time, with totals (plain, NDJSON and the live view feed it). */
export function laneProjector(id: LaneId, t: ProjectionTarget) {
  return projector((pass: LanePass) => projectLanePass(id, pass, t));
}

/** A lane's whole schedule on the target, with running totals. */
export function projectLane(id: LaneId, passes: readonly LanePass[], t: ProjectionTarget): { passes: ScheduledPass[]; total: Totals } {
  return projectAll(passes, (pass) => projectLanePass(id, pass, t));
}
