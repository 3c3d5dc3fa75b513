// The lane registry: every decoder the tool runs side by side, as data. run.ts, the store, every renderer, sweep and
// eval iterate over it; adding a lane is one decoder file (src/engine/decode/) and one entry in BUILTIN_LANES.
// A lane carries its own knobs and words: its flags (they appear in --help and are parsed by the one flag table),
// its options (under its id in DecodeConfig.lanes, with their defaults and checks), and how its passes read
// (caption, marker, block, summary figures). Renderers ask the lane; none names a lane's pass kinds.
// A lane names the models it runs by role ('main' is --model-dir; any other role is a folder inside it, e.g.
// models/draft/ for a draft model), the pass kinds it emits, and how its passes are projected on a target.
// Its passes are priced locally by the decoder, on the model that ran them (decode/context.ts stepEvent).
import { checkInt, laneOptions, type DecodeConfig, type LaneOptionValues } from './config.js';
import type { DecodeContext } from './decode/context.js';
import type { LaneId, PassKind, StepEvent } from './decode/events.js';
import { acceptanceRate, speculationOf, tokensPerVerify } from './decode/speculation.js';
import { UsageError } from './io/errors.js';
import { passWidthsFit, stepWidthsFit } from './model/fast/fits.js';
import { readsLaneModel } from './price/totals.js';
import {
  projectAll,
  projector,
  projectShape,
  type ProjectedPass,
  type ProjectionTarget,
  type ScheduledPass,
  type Totals,
} from './price/project.js';

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

/** One knob of a lane: a command-line flag that sets the option of the same name (the flag table, commands/args.ts,
 *  parses it; --help prints it under the lane's label). Two lanes that declare a flag alike (name and type) share it:
 *  one value sets both, and each keeps its own default (a block-diffusion lane's --threshold beside diffusion's). */
export interface LaneFlag {
  /** camelCase, as meow spells it: draftTokens is --draft-tokens, and the option draftTokens */
  name: string;
  type: 'number' | 'string';
  /** the value's placeholder in --help: "N" */
  arg: string;
  /** one line for --help */
  help: string;
  /** the option's value when the flag is not given (else the lane's options() computes it) */
  default?: number | string;
  /** the default as --help states it, where it is computed: "min(32, length)" */
  defaultHelp?: string;
  /** the values a string flag takes (checked as the flag is read) */
  choices?: readonly string[];
}

/** A running figure of a lane, for summaries and totals: α 0.49. */
export interface SummaryField {
  /** the NDJSON key: "acceptanceRate" */
  key: string;
  /** the short name on screen: "α" */
  symbol: string;
  value: number | null;
  /** decimals on screen */
  digits: number;
}

/** What a pass did, in words: who ran it, and what it did ("to commit 3 tokens"). */
export interface PassWords {
  who: string;
  did: string;
}

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
  /** false: runs only when --lanes names it (default: every run shows it) */
  byDefault?: boolean;
  // ---- knobs
  /** its flags (--help, the flag table); each sets the option of its name under DecodeConfig.lanes[id] */
  flags?: readonly LaneFlag[];
  /** its options from those given (flag defaults applied) and the shared config: the defaults that follow other
   *  values (diffusion's block follows the length) filled in (default: as given) */
  options?(given: LaneOptionValues, c: DecodeConfig): LaneOptionValues;
  /** check its options against the config; throw a one-line UsageError */
  validate?(o: LaneOptionValues, c: DecodeConfig): void;
  /** the live view's `s` key: the config with this lane's next setting, and what to say of it */
  cycle?: { next(c: DecodeConfig): DecodeConfig; said(c: DecodeConfig): string; help: string };
  // ---- words (the renderers ask; default: the lane's label committing its tokens)
  /** --explain's caption of one of its passes: who ran it and what it did */
  caption?(e: StepEvent, label: string): PassWords;
  /** the caption in few words, for narrow lanes (default: the caption) */
  shortCaption?(e: StepEvent, label: string): PassWords;
  /** a recording's marker where this pass starts something worth jumping to (asciinema play), else null */
  marker?(e: StepEvent, before: StepEvent | null, label: string): string | null;
  /** the block the pass works in (plain's block column, the pass line) */
  block?(e: StepEvent): { index: number; count: number } | null;
  /** its running figures after a pass (pass line, summaries, totals), and the long sentence plain text ends with */
  summary?(e: StepEvent): { fields: SummaryField[]; long: string } | null;
  // ---- price
  /** its pass on a projection target (default: the pass shape priced on the target's model) */
  project?(pass: LanePass, t: ProjectionTarget): ProjectedPass;
  /** sweep: the variants to run besides none (default: the base config once) */
  sweepConfigs?(base: DecodeConfig, grid: SweepGrid): SweepVariant[];
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
  /** tokens a speculative draft proposes per round (γ) */
  draftTokens: readonly number[];
}

/** One sweep run of a lane: its config, and how sweep's table and JSON name it. */
export interface SweepVariant {
  config: DecodeConfig;
  /** the strategy (a lane run once: its id) */
  strategy: string;
  /** its planned passes (null: data-driven) */
  steps: number | null;
  threshold: number | null;
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

// ---- the diffusion lane's knobs

export const STRATEGIES = ['low-confidence', 'random', 'margin', 'entropy', 'threshold'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const CACHE_MODES = ['none', 'prefix', 'dual'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export interface DiffusionOptions {
  /** diffusion passes (fixed-k strategies; split evenly over blocks) */
  steps: number;
  /** semi-autoregressive block length (= length for one block) */
  block: number;
  strategy: Strategy;
  /** threshold strategy: commit every position with p ≥ τ (at least one) */
  threshold: number;
  cache: CacheMode;
}

export const DIFFUSION_DEFAULTS = {
  // chosen by measurement (models/README.md, "Decoding defaults"): 64 passes over 8 blocks (4 tokens per pass) gave
  // prose AR-judged perplexity 1.6× AR's with distinct-3 0.87 over four seeds; 32 passes read as word salad (3.3×)
  steps: 64,
  // chosen by measurement (models/README.md, "Decoding defaults"): in one block the small denoiser loops; blocks of
  // 32 gave the diffusion lane its lowest perplexity with distinct-3 above 0.9 over four seeds
  block: 32,
  strategy: 'low-confidence',
  threshold: 0.9,
  cache: 'none',
} as const satisfies DiffusionOptions;

/** The diffusion lane's pass data (StepEvent.detail): the current block, half-open [start, end) in positions. */
export interface DiffusionDetail {
  block: { index: number; count: number; start: number; end: number };
}

/** The block length when --block is not given: DIFFUSION_DEFAULTS.block where it divides the length, else one block. */
export function defaultBlock(length: number): number {
  return length % DIFFUSION_DEFAULTS.block === 0 ? DIFFUSION_DEFAULTS.block : length;
}

/** The diffusion passes when --steps is not given: min(DIFFUSION_DEFAULTS.steps, length), rounded down to a multiple
 *  of the block count so that the default always validates. */
export function defaultSteps(length: number, block: number): number {
  // at least one block: --length 0 is refused later by validateDecode, with a finite value to refuse (0 / 0 is NaN)
  const blocks = length > 0 && block > 0 && Number.isInteger(length / block) ? length / block : 1;
  return Math.max(blocks, Math.floor(Math.min(DIFFUSION_DEFAULTS.steps, length) / blocks) * blocks);
}

/** The `s` key's next diffusion pass count: the blocks count doubled (blocks, 2·blocks, 4·blocks … ≤ length), wrapping. */
export function nextSteps(c: { length: number; block: number; steps: number }): number {
  const blocks = c.length / c.block;
  const cycle: number[] = [];
  for (let s = blocks; s <= c.length; s *= 2) cycle.push(s);
  return cycle.find((s) => s > c.steps) ?? cycle[0]!;
}

function diffusionOptions(c: DecodeConfig): DiffusionOptions {
  return laneOptions<DiffusionOptions>(c, laneSpec('diffusion'));
}

function diffusionTitle(c: DecodeConfig): string {
  const o = diffusionOptions(c);
  const blocks = c.length / o.block;
  // "p ≥ 0.9", not "τ": the speculative lane's τ is its tokens per verify pass
  const steps = o.strategy === 'threshold' ? `p ≥ ${o.threshold}` : `${o.steps} steps`;
  const block = blocks > 1 ? `block ${o.block}` : 'one block';
  const cache = o.cache === 'none' ? '' : ` · ${o.cache} cache`;
  return `Masked diffusion · ${o.strategy} · ${steps} · ${block}${cache}`;
}

/** --threshold, shared by both diffusion lanes: a probability in (0, 1] */
function checkThreshold(t: number): void {
  if (!(t > 0 && t <= 1)) throw new UsageError(`--threshold must be in (0, 1], got ${t}`);
}

function validateDiffusion(x: LaneOptionValues, c: DecodeConfig): void {
  const o = x as unknown as DiffusionOptions;
  checkInt('steps', o.steps, 1, c.length);
  checkInt('block', o.block, 1, c.length);
  if (!STRATEGIES.includes(o.strategy))
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${o.strategy}"`);
  if (!CACHE_MODES.includes(o.cache))
    throw new UsageError(`--cache must be one of ${CACHE_MODES.join(', ')}, got "${o.cache}"`);
  if (c.length % o.block !== 0)
    throw new UsageError(`--length (${c.length}) must be a multiple of --block (${o.block})`);
  const blocks = c.length / o.block;
  if (o.strategy !== 'threshold' && o.steps % blocks !== 0)
    throw new UsageError(
      `--steps (${o.steps}) must be a multiple of the number of blocks (${blocks} = length ${c.length} / block ${o.block})`,
    );
  checkThreshold(o.threshold);
}

/** A config with some of a lane's options replaced. */
export function withLaneOptions(c: DecodeConfig, id: LaneId, o: LaneOptionValues): DecodeConfig {
  return { ...c, lanes: { ...c.lanes, [id]: { ...c.lanes?.[id], ...o } } };
}

// ---- the speculative lane's knob

/** γ above this proposes more than any draft keeps (τ ≤ γ + 1) and only slows the round. */
export const MAX_DRAFT_TOKENS = 16;

export interface SpeculativeOptions {
  /** γ, tokens the draft proposes per round */
  draftTokens: number;
}

export const SPECULATIVE_DEFAULTS = { draftTokens: 4 } as const satisfies SpeculativeOptions;

// ---- the block-diffusion lane's knobs

export interface BlockOptions {
  /** tokens per block (the cache grows a block at a time) */
  block: number;
  /** commit every masked token with p ≥ threshold, at least one per pass */
  threshold: number;
}

export const BLOCK_DEFAULTS = { block: 32, threshold: 0.9 } as const satisfies BlockOptions;

function blockOptions(c: DecodeConfig): BlockOptions {
  return laneOptions<BlockOptions>(c, laneSpec('block'));
}

/** Tokens per forward pass, the field's speed unit (AR 1, speculative τ-ish, diffusion its commits):
 *  TPF = tokens committed / forward passes (0 before any pass). */
export function tokensPerPass(tokens: number, passes: number): number {
  return passes > 0 ? tokens / passes : 0;
}

/** A lane's TPF after one of its passes: the positions committed so far over its passes so far (e.step + 1). */
export function tokensPerPassAt(e: StepEvent): number {
  return tokensPerPass(
    e.positions.reduce((n, p) => n + (p.state === 'committed' ? 1 : 0), 0),
    e.step + 1,
  );
}

/** A stream whose decoder module loads on the first pull: the registry stays free of tfjs (--help, calc). */
async function* lazy(open: () => Promise<AsyncGenerator<StepEvent>>): AsyncGenerator<StepEvent> {
  yield* await open();
}

/** The passes that read the lane's own model (the big one on a target): a draft's passes read a smaller model's
 *  weights, and the field counts TPF per pass of the target model (speculative decoding's τ, with its prefill). */
export function targetPasses(events: readonly StepEvent[]): number {
  return events.filter((e) => readsLaneModel(e.kind)).length;
}

/** Whether a pass of the main model runs tfjs's forward pass, whose kernel dispatch `local` prices (price/overhead.ts):
 *  only where the fast multi-row pass (model/fast/pass.ts) cannot run the model's widths; its own overheads are inside
 *  the rate calibrate measures. */
const mainOnTfjs = (t: ProjectionTarget): boolean => !passWidthsFit(t.model.shape);

/** The same for the AR copy and the draft: every pass in a fast session (decode/cached-passes.ts) where its kernels
 *  run the model's widths, else on tfjs. */
const cachedOnTfjs = (t: ProjectionTarget): boolean => !stepWidthsFit(t.model.shape);

/** The speculative lane's passes on a target: draft passes on the target's draft model, the rest on its model. */
function projectSpeculative(pass: LanePass, t: ProjectionTarget): ProjectedPass {
  const on = speculativeTarget(pass, t);
  return projectShape(pass.shape, on, { forward: cachedOnTfjs(on) });
}

/** the target a speculative pass runs on there: a draft pass on the target's draft model */
function speculativeTarget(pass: LanePass, t: ProjectionTarget): ProjectionTarget {
  return pass.kind === 'draft' ? { ...t, model: t.draft } : t;
}

/** The AR lane: the prefill and the one-token steps run in a fast session, whose overhead is inside the step rate
 *  calibrate measured (the local bandwidth), so they pay no term of their own (unless the model runs on tfjs). */
function projectAr(pass: LanePass, t: ProjectionTarget): ProjectedPass {
  return projectShape(pass.shape, t, { forward: cachedOnTfjs(t) });
}

/** The diffusion lane: a fast multi-row pass and the token choice on tensors over its logit rows. */
function projectDiffusion(pass: LanePass, t: ProjectionTarget): ProjectedPass {
  return projectShape(pass.shape, t, { forward: mainOnTfjs(t), choice: true });
}

const count = (n: number, one: string, many: string) => (n === 1 ? `one ${one}` : `${n} ${many}`);
/** the default words of a pass: the lane committed its tokens */
const commits = (e: StepEvent, label: string): PassWords => ({
  who: label,
  did: `to commit ${count(e.committed.length, 'token', 'tokens')}`,
});
const blockOf = (e: StepEvent) => (e.detail as DiffusionDetail | undefined)?.block ?? null;
/** a recording's marker where a pass starts a new block (both diffusion lanes) */
const blockMarker = (e: StepEvent, before: StepEvent | null, label: string): string | null => {
  const b = blockOf(e);
  const was = before ? blockOf(before) : null;
  return b && b.count > 1 && (!was || was.index !== b.index) ? `${label}: block ${b.index + 1}/${b.count}` : null;
};

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
    shortTitle: (c) => {
      const o = diffusionOptions(c);
      return `Masked diffusion · ${o.strategy === 'threshold' ? `p ≥ ${o.threshold}` : `${o.steps} passes`} · block ${o.block}`;
    },
    color: 'magenta',
    models: [MAIN_MODEL],
    passKinds: ['refresh', 'denoise'],
    decode: (m, c) => lazy(async () => (await import('./decode/diffusion.js')).diffusion(m.main, c)),
    flags: [
      {
        name: 'steps',
        type: 'number',
        arg: 'N',
        help: 'diffusion passes',
        defaultHelp: `min(${DIFFUSION_DEFAULTS.steps}, length)`,
      },
      {
        name: 'block',
        type: 'number',
        arg: 'N',
        help: 'block length (both diffusion lanes; block diffusion: default 32)',
        defaultHelp: `${DIFFUSION_DEFAULTS.block} where it divides the length, else one block`,
      },
      {
        name: 'strategy',
        type: 'string',
        arg: 'S',
        help: STRATEGIES.join(' | '),
        default: DIFFUSION_DEFAULTS.strategy,
        choices: STRATEGIES,
      },
      {
        name: 'threshold',
        type: 'number',
        arg: 'P',
        help: 'commit every p >= P (threshold strategy; block diffusion)',
        default: DIFFUSION_DEFAULTS.threshold,
      },
      {
        name: 'cache',
        type: 'string',
        arg: 'C',
        help: `diffusion KV cache: ${CACHE_MODES.join(' | ')}`,
        default: DIFFUSION_DEFAULTS.cache,
        choices: CACHE_MODES,
      },
    ],
    options: (o, c) => {
      const block = (o.block as number | undefined) ?? defaultBlock(c.length);
      return { ...o, block, steps: (o.steps as number | undefined) ?? defaultSteps(c.length, block) };
    },
    validate: validateDiffusion,
    cycle: {
      next: (c) => withLaneOptions(c, 'diffusion', { steps: nextSteps({ length: c.length, ...diffusionOptions(c) }) }),
      said: (c) => `diffusion: ${diffusionOptions(c).steps} passes (restarted)`,
      help: 'next number of diffusion passes (restarts): walk past the break-even',
    },
    block: (e) => blockOf(e),
    marker: blockMarker,
    passesVary: true,
    project: projectDiffusion,
    // fixed-k at each pass count, then the threshold strategy at each τ
    sweepConfigs: (base, g) => {
      const o = diffusionOptions(base);
      return [
        ...g.steps.map((steps) => ({
          config: withLaneOptions(base, 'diffusion', { steps }),
          strategy: o.strategy,
          steps,
          threshold: null,
        })),
        ...g.thresholds.map((threshold) => ({
          config: withLaneOptions(base, 'diffusion', { strategy: 'threshold', threshold }),
          strategy: 'threshold',
          steps: null,
          threshold,
        })),
      ];
    },
  },
  {
    // today's production dLLMs (LLaDA 2.x, SDAR, Fast-dLLM v2): one block against an exact cache, memory-bound on a
    // GPU; its speed is tokens per forward pass. Off by default until the shipped weights are block-trained (issue 19):
    // the prose model commits ~1 token per pass at p ≥ 0.9.
    id: 'block',
    label: 'block diffusion',
    title: (c) => {
      const o = blockOptions(c);
      return `Block diffusion · p ≥ ${o.threshold} · blocks of ${o.block} · exact cache`;
    },
    shortTitle: (c) => `Block diffusion · p ≥ ${blockOptions(c).threshold} · block ${blockOptions(c).block}`,
    color: 'yellow',
    models: [MAIN_MODEL],
    passKinds: ['denoise'],
    byDefault: false,
    decode: (m, c) => lazy(async () => (await import('./decode/block.js')).blockDiffusion(m.main, c, blockOptions(c))),
    flags: [
      {
        name: 'block',
        type: 'number',
        arg: 'N',
        help: 'block diffusion: tokens per block',
        defaultHelp: `min(${BLOCK_DEFAULTS.block}, length)`,
      },
      {
        name: 'threshold',
        type: 'number',
        arg: 'P',
        help: 'block diffusion: commit every p >= P (at least one per pass)',
        default: BLOCK_DEFAULTS.threshold,
      },
    ],
    // the block follows the length where not given (a short run is one block)
    options: (o, c) => ({ ...o, block: (o.block as number | undefined) ?? Math.min(BLOCK_DEFAULTS.block, c.length) }),
    validate: (x, c) => {
      const o = x as unknown as BlockOptions;
      checkInt('block', o.block, 1, c.length);
      checkThreshold(o.threshold);
    },
    caption: (e, label) => {
      const b = blockOf(e);
      const where = b ? ` in block ${b.index + 1}/${b.count}` : '';
      return {
        who: label,
        did: `to commit ${count(e.committed.length, 'token', 'tokens')}${where} (the model was sure of ${e.committed.length > 1 ? 'them' : 'at most one'})`,
      };
    },
    shortCaption: commits,
    block: (e) => blockOf(e),
    marker: blockMarker,
    summary: (e) => {
      const tpf = tokensPerPassAt(e);
      return {
        fields: [{ key: 'tokensPerPass', symbol: 'TPF', value: tpf, digits: 2 }],
        long: `${tpf.toFixed(2)} tokens per forward pass over ${e.step + 1} passes`,
      };
    },
    // one block against the cached prefix: its rows computed, the prefix's keys and values read
    project: projectDiffusion,
    // the speed-quality curve: one run per threshold (sweep --thresholds; none without thresholds)
    sweepConfigs: (base, g) =>
      g.thresholds.map((threshold) => ({
        config: withLaneOptions(base, 'block', { threshold }),
        strategy: 'threshold',
        steps: null,
        threshold,
      })),
  },
  {
    id: 'speculative',
    label: 'speculative',
    title: (c) =>
      `Speculative AR (draft model proposes ${laneOptions<SpeculativeOptions>(c, laneSpec('speculative')).draftTokens}, target verifies in one pass)`,
    shortTitle: (c) =>
      `Speculative AR · draft proposes ${laneOptions<SpeculativeOptions>(c, laneSpec('speculative')).draftTokens}`,
    color: 'green',
    // the target is the AR lane's model, so greedy speculative decoding writes AR's text
    models: [MAIN_MODEL, AR_MODEL, 'draft'],
    optionalModels: [AR_MODEL],
    passKinds: ['prefill', 'draft', 'verify'],
    decode: (m, c) =>
      lazy(async () => (await import('./decode/speculative.js')).speculative(arContext(m), m.draft!, c)),
    flags: [
      {
        name: 'draftTokens',
        type: 'number',
        arg: 'N',
        help: `speculative: tokens the draft proposes per round, 1–${MAX_DRAFT_TOKENS}`,
        default: SPECULATIVE_DEFAULTS.draftTokens,
      },
    ],
    validate: (o) => checkInt('draft-tokens', o.draftTokens as number, 1, MAX_DRAFT_TOKENS),
    caption: (e, label) => {
      const s = speculationOf(e);
      if (e.kind === 'draft') return { who: `${label}'s draft model`, did: 'to propose one draft token' };
      if (s && e.kind === 'verify')
        return {
          who: label,
          did: `to check ${count(s.proposed.length, 'draft token', 'draft tokens')} and commit ${count(e.committed.length, 'token', 'tokens')}`,
        };
      return commits(e, label);
    },
    shortCaption: (e, label) =>
      e.kind === 'draft' ? { who: `${label}'s draft`, did: 'to propose one draft token' } : commits(e, label),
    marker: (e, _before, label) => {
      const s = speculationOf(e);
      return e.kind === 'verify' && s
        ? `${label}: verify round ${s.rounds}, kept ${s.kept ?? 0} of ${s.proposed.length}`
        : null;
    },
    summary: (e) => {
      const s = speculationOf(e);
      if (!s) return null;
      const a = acceptanceRate(s),
        t = tokensPerVerify(s);
      const f = (x: number | null, d: number) => (x === null ? '–' : x.toFixed(d));
      return {
        fields: [
          { key: 'acceptanceRate', symbol: 'α', value: a, digits: 2 },
          { key: 'tokensPerVerify', symbol: 'τ', value: t, digits: 2 },
        ],
        long: `α ${f(a, 3)} (${s.keptTotal} of ${s.proposedTotal} draft tokens kept), τ ${f(t, 2)} tokens per verify pass over ${s.rounds} rounds`,
      };
    },
    project: projectSpeculative,
    // the speed-quality curve: one run per γ (sweep --draft-tokens)
    sweepConfigs: (base, g) =>
      g.draftTokens.map((draftTokens) => ({
        config: withLaneOptions(base, 'speculative', { draftTokens }),
        strategy: `γ ${draftTokens}`,
        steps: null,
        threshold: null,
      })),
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
  return {
    id: l.id,
    label: l.label,
    title: l.title(c),
    shortTitle: l.shortTitle?.(c) ?? l.title(c),
    color: l.color,
    models: l.models,
    passKinds: l.passKinds,
    passesVary: l.passesVary ?? false,
  };
}

// ---- a pass in words, as its lane tells it (renderers call these; a lane not registered gets the defaults)

const specOf = (e: StepEvent) => registry.find((x) => x.id === e.lane);

/** --explain's caption of a pass (long), or its few-words form (short). */
export function passWords(e: StepEvent, label: string, short = false): PassWords {
  const s = specOf(e);
  const words = short ? (s?.shortCaption ?? s?.caption) : s?.caption;
  return words ? words(e, label) : commits(e, label);
}

/** The recording's marker for a pass, or null. */
export function passMarker(e: StepEvent, before: StepEvent | null, label: string): string | null {
  return specOf(e)?.marker?.(e, before, label) ?? null;
}

/** The block a pass works in, or null. */
export function passBlock(e: StepEvent): { index: number; count: number } | null {
  return specOf(e)?.block?.(e) ?? null;
}

/** The lane's running figures after a pass, or null. */
export function passSummary(e: StepEvent): { fields: SummaryField[]; long: string } | null {
  return specOf(e)?.summary?.(e) ?? null;
}

/** "α 0.49 · τ 2.86": running figures in short. */
export function fieldsLine(fields: readonly SummaryField[]): string {
  return fields.map((f) => `${f.symbol} ${f.value === null ? '–' : f.value.toFixed(f.digits)}`).join(' · ');
}

/** The first lane of a run with a `s` key setting (the config it cycles), or null. */
export function cyclingLane(ids: readonly LaneId[]): LaneSpec | null {
  return ids.map((id) => registry.find((x) => x.id === id)).find((s) => s?.cycle) ?? null;
}

/** A lane's pass on the target: its own projection, else the shape priced on the target's model at its batch. */
export function projectLanePass(id: LaneId, pass: LanePass, t: ProjectionTarget): ProjectedPass {
  const spec = registry.find((x) => x.id === id);
  // a lane without its own projection runs its passes through decode/context.ts runPass
  return spec?.project ? spec.project(pass, t) : projectShape(pass.shape, t, { forward: mainOnTfjs(t) });
}

/** A running projection of a lane, one pass at a time, with totals (plain, NDJSON and the live view feed it). */
export function laneProjector(id: LaneId, t: ProjectionTarget) {
  return projector((pass: LanePass) => projectLanePass(id, pass, t));
}

/** A lane's whole schedule on the target, with running totals. */
export function projectLane(
  id: LaneId,
  passes: readonly LanePass[],
  t: ProjectionTarget,
): { passes: ScheduledPass[]; total: Totals } {
  return projectAll(passes, (pass) => projectLanePass(id, pass, t));
}
