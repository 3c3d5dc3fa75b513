// `dlm-watch sweep "prompt"`: decode one prompt with masked diffusion at several pass counts and strategies, and
// put the quality each reaches beside what its pass schedule costs on the projection target, against AR.
//
// Runs: every registered lane (src/engine/lanes.ts) at the base config, or at the configs its sweepConfigs gives:
// AR once (one pass per token); diffusion with a fixed-k strategy at each --steps count (default L, L/2, L/4, L/8,
// L/16, those the blocks divide), and the threshold strategy at each --thresholds value (data-driven pass count).
// Quality (src/engine/quality.ts): generative perplexity of the output under the AR lane's model (the ar/ copy,
// else the model's own AR mode), which loops fool (a loop is what the model finds likely); distinct-2, the share of
// the output's pairs of units (words and punctuation marks) that are distinct, which loops pull down; the share of
// its units that are words of the training
// text ("real words": punctuation junk pulls it down); and the judged quality, real words × distinct-2, which the
// plot ranks by. Cost: the run's own pass schedule (one PassShape per
// forward pass) priced on the target (src/engine/price/project.ts): bytes, FLOPs and roofline seconds; AR's time is
// calc's (a known measurement for the setup, else the roofline), and speed-up = AR seconds / diffusion seconds
// (÷ --speculative against speculative AR). The break-even lines are calc's: AR seconds over the time of one
// full no-cache diffusion pass (prompt + L tokens, logits everywhere).
//
// --json prints one object (schema "dlm-watch/sweep@1"); SI base units (bytes, FLOP, seconds):
//   schema, prompt, promptTokens, model { dir, name, fixture }, backend,
//   decode { length, block, cache, temperature, seed, strategy },
//   target { model, dtype, kvDtype, hardware, efficiency { compute, memory } },
//   ar { seconds, tokensPerSecond, timeSource }, breakEven { ar, speculative { factor, passes } },
//   runs: [{ id, lane, strategy (the lane id for a lane run once), steps: number|null (its passes for a lane run
//            once), threshold: number|null, passes, tokensPerPass,
//            perplexity, realWordShare: number|null (of the words), realUnitShare: number|null (of the units, the
//            "real words" column), distinct2: number|null, judged: number|null (realUnitShare × distinct2), words, text,
//            local { bytes, flops, wallMs }, projected { bytes, flops, seconds },
//            speedup { ar, speculative } }]
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BACKENDS, type BackendName } from '../engine/model/backends.js';
import { DEFAULT_DECODE, UsageError, validateDecode, type DecodeConfig } from '../engine/config.js';
import type { LaneId } from '../engine/decode/events.js';
import type { SweepVariant } from '../engine/lanes.js';
import {
  CACHE_MODES,
  laneSpec,
  lanes,
  projectLane,
  STRATEGIES,
  type CacheMode,
  type Strategy,
} from '../engine/lanes.js';
import { priceGeneration, selectTarget, type GenerationPrice, type ProjectionTarget } from '../engine/price/project.js';
import type { Generation } from '../engine/quality.js';
import type { OpenModel } from '../engine/run.js';
import { jsonSafeText, safeJson } from '../engine/io/sanitize.js';
import { formatBytes, formatFlops, formatMs } from '../render/format.js';
import { parseArgs, projectionFlags, projectionHelp, shapeFlags, targetOptions } from './args.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';
import { progress } from './progress.js';

/** sweep's default length: shorter than a watch run's, because a sweep runs every lane at several pass counts. */
export const SWEEP_LENGTH = 64;

export const SWEEP_SCHEMA = 'dlm-watch/sweep@1';
export const DEFAULT_THRESHOLDS = [0.9, 0.7, 0.5];
const FIXED_K = STRATEGIES.filter((s: Strategy) => s !== 'threshold');

const help = `
  Usage
    $ dlm-watch sweep "prompt" [flags]

  Decodes the prompt with masked diffusion at several pass counts and strategies, measures the quality of each
  output and prices each run's pass schedule on the projection target against autoregressive decoding. Quality:
  generative perplexity under the AR lane's model (loops look likely to it), distinct-2 (share of distinct
  pairs of words and punctuation marks: loops score low), real words (share of words and punctuation marks that
  are words of the training text: punctuation junk scores low), and judged = real words × distinct-2, which the
  plot ranks by.

  Sweep
    --length N          tokens to generate (L)                    (default ${SWEEP_LENGTH})
    --steps LIST        fixed-k pass counts, e.g. 64,32,16        (default L, L/2, L/4, L/8, L/16)
    --strategy S        fixed-k strategy: ${FIXED_K.join(' | ')}   (default low-confidence)
    --thresholds LIST   threshold strategy values in (0, 1]; "" for none   (default ${DEFAULT_THRESHOLDS.join(',')})
    --block N           diffusion block length                    (default = length: one block)
    --cache C           diffusion KV cache: ${CACHE_MODES.join(' | ')}    (default none)
    --temperature T     0 = greedy                                (default 0)
    --seed N                                                      (default 0)
    --speculative S     speculative AR speed-up to compare with   (default 3)
    --ar-tokens-per-second X   measured AR speed on the target (default: calc's)
    --ar-roofline       AR time from the roofline even where a measurement is known
    --backend B         ${BACKENDS.join(' | ')}
    --model-dir DIR     model.json, weights and tokenizer.json    (default: the shipped models)
                        its ar/ copy runs the AR lanes (else the model itself); draft/ the draft
    --json              one JSON object (schema in src/commands/sweep.ts)
${projectionHelp}
${EXIT_CODES_HELP}
`;

const flags = {
  ...projectionFlags,
  ...shapeFlags,
  length: { type: 'number', default: SWEEP_LENGTH },
  steps: { type: 'string', allowEmpty: true },
  strategy: { type: 'string', default: 'low-confidence' },
  thresholds: { type: 'string', allowEmpty: true },
  block: { type: 'number' },
  cache: { type: 'string', default: 'none' },
  temperature: { type: 'number', default: 0 },
  seed: { type: 'number', default: 0 },
  speculative: { type: 'number', default: 3 },
  arTokensPerSecond: { type: 'number' },
  arRoofline: { type: 'boolean', default: false },
  backend: { type: 'string' },
  modelDir: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export interface SweepRun {
  id: string;
  lane: LaneId;
  /** the diffusion strategy, or the lane's id for a lane run once */
  strategy: string;
  steps: number | null;
  threshold: number | null;
  passes: number;
  tokensPerPass: number;
  perplexity: number;
  /** of the words, as eval reports it */
  realWordShare: number | null;
  /** of the units (words and punctuation marks): the table's "real words" */
  realUnitShare: number | null;
  distinct2: number | null;
  /** realUnitShare × distinct2 */
  judged: number | null;
  words: number;
  text: string;
  local: { bytes: number; flops: number; wallMs: number };
  projected: { bytes: number; flops: number; seconds: number };
  speedup: { ar: number; speculative: number };
}

export interface SweepResult {
  prompt: string;
  promptTokens: number;
  model: { dir: string; name: string; fixture: boolean };
  backend: BackendName;
  decode: Pick<DecodeConfig, 'length' | 'temperature' | 'seed'> & {
    block: number;
    cache: CacheMode;
    strategy: Strategy;
  };
  target: ProjectionTarget;
  price: GenerationPrice;
  runs: SweepRun[];
}

/** L, L/2, L/4, … (L/16 at most), keeping those that are whole and that the number of blocks divides. */
export function defaultSteps(length: number, blocks: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= 16; d *= 2) {
    const s = length / d;
    if (Number.isInteger(s) && s >= blocks && s % blocks === 0) out.push(s);
  }
  return out;
}

/** The most values --steps or --thresholds may list: each is a whole decoding run. */
const MAX_LIST = 32;

function numberList(s: string, flag: string): number[] {
  if (!s.trim()) return [];
  if (s.split(',').length > MAX_LIST) throw new UsageError(`${flag} takes at most ${MAX_LIST} values (each is a run)`);
  return s.split(',').map((x) => {
    const v = Number(x.trim());
    if (!x.trim() || !Number.isFinite(v))
      throw new UsageError(`${flag} must be a comma-separated list of numbers, got "${s}"`);
    return v;
  });
}

/** Passes, bytes, FLOPs and time of a run on the target, and its speed-ups against AR. */
export function costOf(
  g: Generation,
  target: ProjectionTarget,
  price: GenerationPrice,
  speculative: number,
): Pick<SweepRun, 'passes' | 'local' | 'projected' | 'speedup'> {
  const proj = projectLane(g.lane, g.events, target).total;
  const local = g.events.reduce(
    (s, e) => ({
      bytes: s.bytes + e.cost.bytes.total,
      flops: s.flops + e.cost.flops.total,
      wallMs: s.wallMs + e.wallMs,
    }),
    { bytes: 0, flops: 0, wallMs: 0 },
  );
  // the AR baseline's time is calc's (measured when known); its own row therefore has speed-up 1 by construction
  const seconds = laneSpec(g.lane).arBaseline ? price.ar.seconds : proj.seconds;
  return {
    passes: g.events.length,
    local,
    projected: { bytes: proj.bytes, flops: proj.flops, seconds },
    speedup: { ar: price.ar.seconds / seconds, speculative: price.ar.seconds / speculative / seconds },
  };
}

export async function sweep(argv: string[], progress?: (s: string) => void): Promise<{ code: number; text: string }> {
  const a = parseArgs('sweep', help, argv, flags, import.meta);
  if (a.help !== null) return { code: 0, text: a.help + '\n' };
  const f = a.flags;
  if (a.input.length !== 1)
    throw new UsageError(
      a.input.length
        ? `sweep takes one prompt (got ${a.input.length} arguments: quote the prompt)`
        : 'give a prompt, e.g. dlm-watch sweep "It is a truth universally acknowledged"',
    );
  const prompt = a.input[0]!;
  const strategy = f.strategy as Strategy;
  if (!(FIXED_K as readonly string[]).includes(strategy))
    throw new UsageError(
      `--strategy must be one of ${FIXED_K.join(', ')} (thresholds go in --thresholds), got "${f.strategy}"`,
    );
  if (!CACHE_MODES.includes(f.cache as CacheMode))
    throw new UsageError(`--cache must be one of ${CACHE_MODES.join(', ')}, got "${f.cache}"`);
  if (f.backend !== undefined && !BACKENDS.includes(f.backend as BackendName))
    throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got "${f.backend}"`);
  const speculative = f.speculative as number;
  const length = f.length as number;
  const block = (f.block as number | undefined) ?? length;
  const thresholds =
    f.thresholds === undefined ? DEFAULT_THRESHOLDS : numberList(f.thresholds as string, '--thresholds');
  for (const t of thresholds)
    if (!(t > 0 && t <= 1)) throw new UsageError(`--thresholds values must be in (0, 1], got ${t}`);
  // projection first: a bad --hardware should not wait for the model
  const modelDirFlag = f.modelDir as string | undefined;
  const target = await selectTarget({ ...targetOptions(f), ...(modelDirFlag ? { modelDir: modelDirFlag } : {}) });

  // sweep's --block, --strategy and --cache are the diffusion lane's options (its passes are what sweep varies)
  const cache = f.cache as CacheMode;
  const base: DecodeConfig = {
    ...DEFAULT_DECODE,
    prompt,
    length,
    temperature: f.temperature as number,
    seed: f.seed as number,
    lanes: { diffusion: { block, strategy, cache, steps: length } },
  };
  // the engine (and tfjs with it) loads only now: --help and bad flags stay fast
  const { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR, openLaneModels } = await import('../engine/run.js');
  const { loadLexicon, measureGeneration, openModel } = await import('../engine/quality.js');
  let dir = modelDirFlag ? resolve(modelDirFlag) : DEFAULT_MODEL_DIR;
  if (!modelDirFlag && !existsSync(join(dir, 'model.json'))) dir = FIXTURE_MODEL_DIR;
  const m = await openModel(dir, f.backend as BackendName | undefined);
  const specs = lanes();
  let others: OpenModel[] = [];
  try {
    const laneModels = await openLaneModels(m, specs);
    others = laneModels.opened;
    const P = m.ctx.tokenizer.encode(prompt).length;
    validateDecode(base, m.json.config.context, P, m.json.config);
    const blocks = length / block;
    const steps = f.steps === undefined ? defaultSteps(length, blocks) : numberList(f.steps as string, '--steps');
    // every lane: its sweep configs, or the base config once (the AR baseline's row is "A", the others numbered)
    const configs: { id: string; lane: LaneId; cfg: DecodeConfig; once: boolean; variant: SweepVariant | null }[] = [];
    for (const l of specs) {
      const variants = l.sweepConfigs?.(base, { steps, thresholds });
      if (!variants) configs.push({ id: l.arBaseline ? 'A' : '', lane: l.id, cfg: base, once: true, variant: null });
      for (const v of variants ?? []) configs.push({ id: '', lane: l.id, cfg: v.config, once: false, variant: v });
    }
    configs.forEach((c, i) => (c.id ||= String(configs.slice(0, i).filter((x) => x.id !== 'A').length + 1)));
    if (configs.every((c) => c.once)) throw new UsageError('nothing to sweep: give --steps or --thresholds');
    for (const c of configs) validateDecode(c.cfg, m.json.config.context, P, m.json.config); // every run checked before any runs
    const price = priceGeneration(target, {
      tokens: length,
      prompt: P,
      speculative,
      margin: 1,
      arRoofline: f.arRoofline === true,
      ...(typeof f.arTokensPerSecond === 'number' ? { arTokensPerSecond: f.arTokensPerSecond } : {}),
    });
    const lexicon = loadLexicon();
    const runs: SweepRun[] = [];
    for (const [i, c] of configs.entries()) {
      progress?.(`sweep: run ${i + 1}/${configs.length}`);
      await new Promise((r) => setImmediate(r)); // runs are synchronous: let a signal (Ctrl-C) in between them
      const g = await measureGeneration(m, c.lane, c.cfg, lexicon, laneModels.models);
      const cost = costOf(g, target, price, speculative);
      runs.push({
        id: c.id,
        lane: c.lane,
        strategy: c.variant?.strategy ?? c.lane,
        steps: c.variant ? c.variant.steps : cost.passes,
        threshold: c.variant?.threshold ?? null,
        tokensPerPass: length / cost.passes,
        perplexity: g.perplexity,
        realWordShare: g.realWordShare,
        realUnitShare: g.realUnitShare,
        distinct2: g.distinct[1] ?? null,
        judged: g.judged,
        words: g.words.length,
        text: g.text,
        ...cost,
      });
    }
    const result: SweepResult = {
      prompt,
      promptTokens: P,
      model: { dir, name: m.name, fixture: resolve(dir) === FIXTURE_MODEL_DIR },
      backend: m.backend,
      decode: { length, block, cache, temperature: base.temperature, seed: base.seed, strategy },
      target,
      price,
      runs,
    };
    return { code: 0, text: f.json ? safeJson(sweepJson(result), 2) + '\n' : jsonSafeText(sweepText(result)) };
  } finally {
    for (const x of [m, ...others]) x.ctx.model.dispose();
  }
}

export function sweepJson(r: SweepResult): object {
  const t = r.target;
  return {
    schema: SWEEP_SCHEMA,
    prompt: r.prompt,
    promptTokens: r.promptTokens,
    model: r.model,
    backend: r.backend,
    decode: r.decode,
    target: {
      model: { key: t.model.key, name: t.model.shape.name, shape: t.model.shape },
      dtype: t.dtype,
      kvDtype: t.kvDtype,
      hardware: {
        key: t.roofline.hardware,
        name: t.roofline.name,
        peakFlops: t.roofline.peakFlops,
        bandwidth: t.roofline.bandwidth,
      },
      efficiency: t.eff,
    },
    ar: { seconds: r.price.ar.seconds, tokensPerSecond: r.price.ar.tokensPerSecond, timeSource: r.price.ar.timeSource },
    breakEven: { ar: r.price.breakEven.ar, speculative: r.price.breakEven.speculative },
    runs: r.runs,
  };
}

// ---- text: a table and a plot (numbers come from the engine; these only print them) ----

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)} %`);
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toPrecision(2)}×`;
const ppl = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');

function label(r: SweepRun): string {
  if (r.strategy === r.lane) return laneSpec(r.lane).label;
  return r.threshold !== null
    ? `threshold ${r.threshold}`
    : `${r.strategy}, ${r.steps} step${r.steps === 1 ? '' : 's'}`;
}

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((c, i) => (i <= 1 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

export function sweepText(r: SweepResult): string {
  const t = r.target;
  const out: string[] = [];
  const L = r.decode.length;
  out.push(
    `dlm-watch sweep: ${JSON.stringify(r.prompt)} (${r.promptTokens} tokens) + ${L} generated; model ${r.model.name}${r.model.fixture && !/untrained/.test(r.model.name) ? ' (untrained fixture)' : ''}, backend ${r.backend}`,
  );
  out.push(
    `decode: block ${r.decode.block}, cache ${r.decode.cache}, temperature ${r.decode.temperature}, seed ${r.decode.seed}`,
  );
  out.push(
    `quality: gen. ppl under the AR lane's model (loops look likely: low); distinct-2 (loops: low); real words (of words and punctuation marks); judged = real words × distinct-2`,
  );
  out.push(
    `cost: each run's pass schedule on ${t.model.shape.name} · ${t.dtype} · ${t.roofline.name} (${Math.round(t.eff.compute * 100)} % compute, ${Math.round(t.eff.memory * 100)} % memory)`,
  );
  out.push(
    `AR: ${formatMs(r.price.ar.seconds * 1e3)} for ${L} tokens (${r.price.ar.timeSource === 'measured' ? `${r.price.ar.tokensPerSecond.toPrecision(3)} tok/s ${r.price.ar.measured?.source.startsWith('--') ? 'as given' : 'as published'}` : 'roofline'})`,
  );
  out.push('');
  out.push(
    ...table([
      [
        '#',
        'decoder',
        'passes',
        'tok/pass',
        'gen. ppl',
        'distinct-2',
        'real words',
        'judged',
        'bytes',
        'FLOPs',
        'time',
        '× AR',
        `× ${r.price.breakEven.speculative.factor}× spec.`,
      ],
      ...r.runs.map((x) => [
        x.id,
        label(x),
        String(x.passes),
        x.tokensPerPass.toFixed(1),
        ppl(x.perplexity),
        pct(x.distinct2),
        pct(x.realUnitShare),
        pct(x.judged),
        formatBytes(x.projected.bytes),
        formatFlops(x.projected.flops),
        formatMs(x.projected.seconds * 1e3),
        times(x.speedup.ar),
        times(x.speedup.speculative),
      ]),
    ]),
  );
  out.push('');
  out.push(...plot(r));
  out.push('');
  out.push('outputs');
  for (const x of r.runs) out.push(`  ${x.id.padStart(2)} ${JSON.stringify(x.text)}`);
  return out.join('\n') + '\n';
}

/** Judged quality (real words × distinct-2, 0–100 %, up) against passes (log scale, right), with the break-even
 * passes as lines: a run that loops lands low however likely the model finds it. */
export function plot(r: SweepResult, width = 60, height = 14): string[] {
  const pts = r.runs.filter((x): x is SweepRun & { judged: number } => x.judged !== null);
  const be = r.price.breakEven;
  const lines = [
    { x: be.ar, ch: '|', name: `break-even vs AR: ${be.ar.toPrecision(3)} passes` },
    {
      x: be.speculative.passes,
      ch: ':',
      name: `break-even vs ${be.speculative.factor}× speculative AR: ${be.speculative.passes.toPrecision(3)} passes`,
    },
  ];
  if (pts.length === 0) return ['(no run has text to judge)'];
  const xs = [...pts.map((p) => p.passes), ...lines.map((l) => l.x)].filter((x) => x > 0 && Number.isFinite(x));
  const x0 = Math.log2(Math.min(...xs) / 1.15),
    x1 = Math.log2(Math.max(...xs) * 1.15);
  const col = (x: number) => Math.round(((Math.log2(x) - x0) / (x1 - x0)) * (width - 1));
  const rowOf = (y: number) => Math.round((1 - y) * (height - 1)); // 100 % on the top row, 0 % on the bottom
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  for (const l of lines) {
    const c = col(l.x);
    if (c >= 0 && c < width) for (const g of grid) g[c] = l.ch;
  }
  for (const p of pts) {
    const c = col(p.passes),
      rr = rowOf(Math.min(1, Math.max(0, p.judged)));
    const id = p.id.length === 1 ? p.id : p.id.slice(-1);
    grid[rr]![c] = grid[rr]![c] === ' ' || grid[rr]![c] === '|' || grid[rr]![c] === ':' ? id : '*';
  }
  const out = [
    'judged quality (real words × distinct-2) against passes (log): the further left and higher, the better',
  ];
  for (let i = 0; i < height; i++) {
    const tick =
      i === 0 || i === height - 1 || i === Math.floor(height / 2) ? pct(1 - i / (height - 1)).padStart(6) : '      ';
    out.push(`${tick} ┤${grid[i]!.join('')}`);
  }
  out.push(`       └${'─'.repeat(width)}`);
  // x ticks at powers of two inside the range
  const ticks = Array<string>(width + 8).fill(' ');
  for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
    const s = String(2 ** e);
    const c = 8 + col(2 ** e) - Math.floor(s.length / 2);
    if (c >= 8 && c + s.length <= ticks.length && ticks.slice(c - 1, c + s.length + 1).every((ch) => ch === ' '))
      for (let k = 0; k < s.length; k++) ticks[c + k] = s[k]!;
  }
  out.push(ticks.join('').trimEnd() + '  passes');
  out.push(`  A = AR; 1… = the table's rows; * = several`);
  out.push(`  ${lines.map((l) => `${l.ch} ${l.name}`).join('; ')}`);
  out.push(
    `  (break-even = AR time / time of one full no-cache diffusion pass over prompt + ${r.decode.length} tokens)`,
  );
  return out;
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  const tty = io === PROCESS_IO && process.stderr.isTTY && !argv.includes('--json');
  return runCommand(
    'sweep',
    async () => {
      const note = progress(process.stderr, Boolean(tty), 'sweep');
      let result: { code: number; text: string };
      try {
        result = await sweep(argv, tty ? (s) => note.update(s.replace(/^sweep: /, '')) : undefined);
      } finally {
        note.done();
      }
      const { code, text } = result;
      io.out(text);
      return code;
    },
    io,
  );
}
