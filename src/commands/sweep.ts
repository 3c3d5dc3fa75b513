// `dlm-watch sweep "prompt"`: every lane at several settings, each run's speed as tokens per forward pass (TPF) beside
// the quality of its text and what its pass schedule costs on the projection target: a speed-quality curve per lane
// and its area (AUP), on either model family (--model austen | code).
//
// Runs: every registered lane (src/engine/lanes.ts) at the base config, or at the configs its sweepConfigs gives: AR
// once; speculative AR at each --draft-tokens γ; full-canvas diffusion with a fixed-k strategy at each --steps count
// (default L, L/2 … L/16 that the blocks divide) and the threshold strategy at each --thresholds τ; block diffusion
// at each τ. TPF = generated tokens / passes of the lane's own model (a draft's passes read a smaller model).
// Quality (src/engine/quality.ts): generative perplexity under the AR lane's model, adjusted for repetition
// (× e^{ln 20·(1 − distinct-3)}: loops, which the judge finds likely, lose; word salad, which it finds unlikely,
// loses too) and its plain word; relative = min(1, AR's adjusted / the run's), the y of the curve. On the code family
// also whether the prompt plus the text parses as Python (python3's tokenize and ast; "–" without python3).
// AUP per lane (d3LLM): the area under relative quality (%) against TPF, penalised where quality drops (quality.ts
// aup). Cost: the run's pass schedule priced on the target (src/engine/price/project.ts); AR's time is calc's.
//
// --json prints one object (schema "dlm-watch/sweep@2"); SI base units (bytes, FLOP, seconds):
//   schema, prompt, promptTokens, model { family, dir, name, fixture }, backend,
//   decode { length, block, cache, temperature, topK, seed, strategy },
//   target { model, dtype, kvDtype, hardware, efficiency { compute, memory } },
//   ar { seconds, tokensPerSecond, timeSource }, breakEven { ar, speculative { factor, passes } },
//   lanes: [{ lane, label, aup: number|null, points: [{ id, tpf, quality }] }],
//   runs: [{ id, lane, strategy, steps: number|null, threshold: number|null, draftTokens: number|null, passes,
//            tokensPerPass, perplexity, distinct3: number|null, adjusted, word, relative: number|null,
//            parses: boolean|null, realUnitShare: number|null, words, text,
//            local { bytes, flops, wallMs }, projected { bytes, flops, seconds }, speedup { ar, speculative } }]
import { resolve } from 'node:path';
import { BACKENDS, type BackendName } from '../engine/model/backends.js';
import { DEFAULT_DECODE, UsageError, validateDecode, type DecodeConfig } from '../engine/config.js';
import type { LaneId } from '../engine/decode/events.js';
import type { SweepVariant } from '../engine/lanes.js';
import {
  CACHE_MODES,
  laneSpec,
  lanes,
  MAX_DRAFT_TOKENS,
  projectLane,
  STRATEGIES,
  targetPasses,
  tokensPerPass,
  type CacheMode,
  type Strategy,
} from '../engine/lanes.js';
import { DEFAULT_FAMILY, FAMILIES, family, familyOfDir } from '../engine/families.js';
import { priceGeneration, selectTarget, type GenerationPrice, type ProjectionTarget } from '../engine/price/project.js';
import type { Generation } from '../engine/quality.js';
import { adjustedPerplexity, aup, qualityWord, relativeQuality } from '../engine/scores.js';
import type { OpenModel } from '../engine/run.js';
import { jsonSafeText, safeJson } from '../engine/io/sanitize.js';
import { formatBytes, formatFlops, formatMs } from '../render/format.js';
import { parseArgs, projectionFlags, projectionHelp, shapeFlags, targetOptions } from './args.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';
import { progress } from './progress.js';

/** sweep's default length: shorter than a watch run's, because a sweep runs every lane at several pass counts. */
export const SWEEP_LENGTH = 64;

export const SWEEP_SCHEMA = 'dlm-watch/sweep@2';
/** τ from the field's range (Fast-dLLM 0.9, SDAR 0.95) down to where text falls apart */
export const DEFAULT_THRESHOLDS = [0.95, 0.9, 0.7, 0.5];
/** γ: the shipped draft's sweet spot and either side of it */
export const DEFAULT_DRAFT_TOKENS = [2, 4, 8];
const FIXED_K = STRATEGIES.filter((s: Strategy) => s !== 'threshold');

const help = `
  Usage
    $ dlm-watch sweep ["prompt"] [flags]

  Runs every lane at several settings and puts each run's speed, as tokens per forward pass (TPF), beside the
  quality of its text and what its passes cost on the projection target: a speed-quality curve per lane, and its
  area (AUP, d3LLM's accuracy under parallelism). Quality: perplexity of the text under the AR lane's model,
  adjusted for repetition (loops and word salad both score badly), and relative to AR's text (100 % = as good);
  on the code model also whether the text parses as Python.

  Sweep
    --model NAME        ${FAMILIES.map((f) => f.id).join(' | ')}                             (default ${DEFAULT_FAMILY.id})
    --length N          tokens to generate (L)                    (default ${SWEEP_LENGTH})
    --steps LIST        full-canvas pass counts, e.g. 64,32,16    (default L, L/2, L/4, L/8, L/16)
    --strategy S        fixed-k strategy: ${FIXED_K.join(' | ')}   (default low-confidence)
    --thresholds LIST   τ for threshold decoding, in (0, 1]; "" for none  (default ${DEFAULT_THRESHOLDS.join(',')})
    --draft-tokens LIST speculative γ values, 1–${MAX_DRAFT_TOKENS}                (default ${DEFAULT_DRAFT_TOKENS.join(',')})
    --block N           full-canvas diffusion block length        (default = length: one block)
    --cache C           full-canvas KV cache: ${CACHE_MODES.join(' | ')}   (default none)
    --temperature T     0 = greedy                                (default: the model's, ${FAMILIES.map((f) => `${f.id} ${f.temperature}`).join(', ')})
    --top-k K           0 = off                                   (default: the model's)
    --seed N                                                      (default 0)
    --speculative S     speculative AR speed-up to compare with   (default 3)
    --ar-tokens-per-second X   measured AR speed on the target (default: calc's)
    --ar-roofline       AR time from the roofline even where a measurement is known
    --backend B         ${BACKENDS.join(' | ')}
    --model-dir DIR     model.json, weights and tokenizer.json    (default: --model's)
                        its ar/ copy runs the AR lanes (else the model itself); draft/ the draft
    --json              one JSON object (schema in src/commands/sweep.ts)
${projectionHelp}
${EXIT_CODES_HELP}
`;

const flags = {
  ...projectionFlags,
  ...shapeFlags,
  model: { type: 'string' },
  length: { type: 'number', default: SWEEP_LENGTH },
  steps: { type: 'string', allowEmpty: true },
  strategy: { type: 'string', default: 'low-confidence' },
  thresholds: { type: 'string', allowEmpty: true },
  draftTokens: { type: 'string', allowEmpty: true },
  block: { type: 'number' },
  cache: { type: 'string', default: 'none' },
  temperature: { type: 'number' },
  topK: { type: 'number' },
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
  /** the strategy ("γ 4" for speculative; the lane's id for a lane run once) */
  strategy: string;
  steps: number | null;
  threshold: number | null;
  draftTokens: number | null;
  passes: number;
  /** generated tokens / passes of the lane's own model (TPF) */
  tokensPerPass: number;
  perplexity: number;
  distinct3: number | null;
  /** perplexity adjusted for repetition (quality.ts adjustedPerplexity): what the table ranks by */
  adjusted: number;
  word: ReturnType<typeof qualityWord>;
  /** min(1, AR's adjusted / this one's): the curve's y */
  relative: number | null;
  /** code family: prompt + text parse as Python (null: not code, or no python3) */
  parses: boolean | null;
  /** of the units (words and punctuation marks) */
  realUnitShare: number | null;
  words: number;
  text: string;
  local: { bytes: number; flops: number; wallMs: number };
  projected: { bytes: number; flops: number; seconds: number };
  speedup: { ar: number; speculative: number };
}

/** One lane's speed-quality curve: its runs as (TPF, relative quality) and the area under them. */
export interface SweepCurve {
  lane: LaneId;
  label: string;
  aup: number | null;
  points: { id: string; tpf: number; quality: number }[];
}

export interface SweepResult {
  prompt: string;
  promptTokens: number;
  model: { family: string | null; dir: string; name: string; fixture: boolean };
  backend: BackendName;
  decode: Pick<DecodeConfig, 'length' | 'temperature' | 'topK' | 'seed'> & {
    block: number;
    cache: CacheMode;
    strategy: Strategy;
  };
  target: ProjectionTarget;
  price: GenerationPrice;
  curves: SweepCurve[];
  runs: SweepRun[];
}

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
    passes: targetPasses(g.events),
    local,
    projected: { bytes: proj.bytes, flops: proj.flops, seconds },
    speedup: { ar: price.ar.seconds / seconds, speculative: price.ar.seconds / speculative / seconds },
  };
}

export async function sweep(argv: string[], progress?: (s: string) => void): Promise<{ code: number; text: string }> {
  const a = parseArgs('sweep', help, argv, flags, import.meta);
  if (a.help !== null) return { code: 0, text: a.help + '\n' };
  const f = a.flags;
  if (a.input.length > 1)
    throw new UsageError(`sweep takes one prompt (got ${a.input.length} arguments: quote the prompt)`);
  if (f.model !== undefined && f.modelDir !== undefined)
    throw new UsageError('--model picks a shipped model, --model-dir a folder: pick one');
  const modelDirFlag = (f.model !== undefined ? family(f.model as string).dir : f.modelDir) as string | undefined;
  const fam = modelDirFlag === undefined ? DEFAULT_FAMILY : familyOfDir(modelDirFlag);
  const prompt = a.input[0] ?? (fam ?? DEFAULT_FAMILY).prompt;
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
  const draftTokens =
    f.draftTokens === undefined ? DEFAULT_DRAFT_TOKENS : numberList(f.draftTokens as string, '--draft-tokens');
  for (const g of draftTokens)
    if (!(Number.isInteger(g) && g >= 1 && g <= MAX_DRAFT_TOKENS))
      throw new UsageError(`--draft-tokens values must be integers from 1 to ${MAX_DRAFT_TOKENS}, got ${g}`);
  // projection first: a bad --hardware should not wait for the model
  const target = await selectTarget({ ...targetOptions(f), ...(modelDirFlag ? { modelDir: modelDirFlag } : {}) });

  // sweep's --block, --strategy and --cache are the full-canvas lane's options (its passes are what sweep varies)
  const cache = f.cache as CacheMode;
  const base: DecodeConfig = {
    ...DEFAULT_DECODE,
    prompt,
    length,
    temperature: (f.temperature as number | undefined) ?? fam?.temperature ?? DEFAULT_DECODE.temperature,
    topK: (f.topK as number | undefined) ?? fam?.topK ?? DEFAULT_DECODE.topK,
    seed: f.seed as number,
    lanes: { diffusion: { block, strategy, cache, steps: length } },
  };
  // the engine (and tfjs with it) loads only now: --help and bad flags stay fast
  const { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR, openLaneModels } = await import('../engine/run.js');
  const { measureGeneration, openModel, loadLexicon } = await import('../engine/quality.js');
  let dir = modelDirFlag ? resolve(modelDirFlag) : DEFAULT_MODEL_DIR;
  const { existsSync } = await import('node:fs');
  if (!modelDirFlag && !existsSync(resolve(dir, 'model.json'))) dir = FIXTURE_MODEL_DIR;
  const code = familyOfDir(dir)?.id === 'code';
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
      const variants = l.sweepConfigs?.(base, { steps, thresholds, draftTokens });
      if (!variants?.length)
        configs.push({ id: l.arBaseline ? 'A' : '', lane: l.id, cfg: base, once: true, variant: null });
      for (const v of variants ?? []) configs.push({ id: '', lane: l.id, cfg: v.config, once: false, variant: v });
    }
    configs.forEach((c, i) => (c.id ||= String(configs.slice(0, i).filter((x) => x.id !== 'A').length + 1)));
    if (configs.every((c) => c.once))
      throw new UsageError('nothing to sweep: give --steps, --thresholds or --draft-tokens');
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
    const gens: { c: (typeof configs)[number]; g: Generation }[] = [];
    for (const [i, c] of configs.entries()) {
      progress?.(`sweep: run ${i + 1}/${configs.length}`);
      await new Promise((r) => setImmediate(r)); // runs are synchronous: let a signal (Ctrl-C) in between them
      gens.push({ c, g: await measureGeneration(m, c.lane, c.cfg, lexicon, laneModels.models) });
    }
    const parses = code ? await parseAll(gens.map(({ g }) => prompt + g.text)) : null; // complete lines only (parseAll)
    const adjustedOf = (g: Generation) => adjustedPerplexity(g.perplexity, g.distinct[2] ?? null);
    const ar = gens.find(({ c }) => laneSpec(c.lane).arBaseline);
    const runs: SweepRun[] = gens.map(({ c, g }, i) => {
      const cost = costOf(g, target, price, speculative);
      const adjusted = adjustedOf(g);
      return {
        id: c.id,
        lane: c.lane,
        strategy: c.variant?.strategy ?? c.lane,
        steps: c.variant ? c.variant.steps : cost.passes,
        threshold: c.variant?.threshold ?? null,
        draftTokens: c.variant ? ((c.variant.config.lanes[c.lane]?.draftTokens as number | undefined) ?? null) : null,
        tokensPerPass: tokensPerPass(g.tokens.length, targetPasses(g.events)),
        perplexity: g.perplexity,
        distinct3: g.distinct[2] ?? null,
        adjusted,
        word: qualityWord(adjusted, g.distinct[2] ?? null),
        relative: ar ? relativeQuality(adjusted, adjustedOf(ar.g)) : null,
        parses: parses?.[i] ?? null,
        realUnitShare: g.realUnitShare,
        words: g.words.length,
        text: g.text,
        ...cost,
      };
    });
    const result: SweepResult = {
      prompt,
      promptTokens: P,
      model: { family: familyOfDir(dir)?.id ?? null, dir, name: m.name, fixture: resolve(dir) === FIXTURE_MODEL_DIR },
      backend: m.backend,
      decode: {
        length,
        block,
        cache,
        temperature: base.temperature,
        topK: base.topK,
        seed: base.seed,
        strategy,
      },
      target,
      price,
      curves: curves(runs),
      runs,
    };
    return { code: 0, text: f.json ? safeJson(sweepJson(result), 2) + '\n' : jsonSafeText(sweepText(result)) };
  } finally {
    for (const x of [m, ...others]) x.ctx.model.dispose();
  }
}

/** Whether each snippet parses as Python, or null for all when python3 cannot be run (the tool never needs it). */
async function parseAll(snippets: string[]): Promise<(boolean | null)[]> {
  const { completeLines, pythonParses } = await import('../engine/io/python-parse.js');
  try {
    return pythonParses(snippets.map(completeLines));
  } catch {
    return snippets.map(() => null);
  }
}

/** Each lane's speed-quality curve: (TPF, relative quality in %) per run, and its AUP (quality.ts aup, y_max 100). */
export function curves(runs: readonly SweepRun[]): SweepCurve[] {
  const ids = [...new Set(runs.map((r) => r.lane))];
  return ids.map((lane) => {
    const points = runs
      .filter((r) => r.lane === lane && r.relative !== null)
      .map((r) => ({ id: r.id, tpf: r.tokensPerPass, quality: r.relative! * 100 }));
    return {
      lane,
      label: laneSpec(lane).label,
      aup: aup(
        points.map((p) => ({ tpf: p.tpf, accuracy: p.quality })),
        100,
      ),
      points,
    };
  });
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
    lanes: r.curves,
    runs: r.runs,
  };
}

// ---- text: a table and a chart (numbers come from the engine; these only print them) ----

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)} %`);
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toPrecision(2)}×`;
const ppl = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');

function setting(r: SweepRun): string {
  if (r.strategy === r.lane) return '';
  return r.threshold !== null
    ? `τ ${r.threshold}`
    : r.steps !== null
      ? `${r.strategy}, ${r.steps} pass${r.steps === 1 ? '' : 'es'}`
      : r.strategy;
}

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((c, i) => (i <= 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

export function sweepText(r: SweepResult): string {
  const t = r.target;
  const out: string[] = [];
  const L = r.decode.length;
  const code = r.runs.some((x) => x.parses !== null);
  out.push(
    `dlm-watch sweep: ${JSON.stringify(r.prompt)} (${r.promptTokens} tokens) + ${L} generated; model ${r.model.name}${r.model.fixture && !/untrained/.test(r.model.name) ? ' (untrained fixture)' : ''}, backend ${r.backend}`,
  );
  out.push(
    `decode: temperature ${r.decode.temperature}, top-k ${r.decode.topK}, seed ${r.decode.seed}; full-canvas block ${r.decode.block}, cache ${r.decode.cache}`,
  );
  out.push(
    `TPF: generated tokens per pass of the lane's own model. quality: perplexity under the AR model × 20 for pure repetition (lower is better; plausible < 40); vs AR: AR's / this${code ? '; parses: prompt + text, by python3' : ''}`,
  );
  out.push(
    `cost: each run's pass schedule on ${t.model.shape.name} · ${t.dtype} · ${t.roofline.name} (${Math.round(t.eff.compute * 100)} % compute${t.eff.rowsHalf === undefined ? '' : `·n/(n+${t.eff.rowsHalf})`}, ${Math.round(t.eff.memory * 100)} % memory); AR: ${formatMs(r.price.ar.seconds * 1e3)} for ${L} tokens (${r.price.ar.timeSource === 'measured' ? `${r.price.ar.tokensPerSecond.toPrecision(3)} tok/s ${r.price.ar.measured?.source.startsWith('--') ? 'as given' : 'as published'}` : 'roofline'})`,
  );
  out.push('');
  out.push(
    ...table([
      [
        '#',
        'lane',
        'setting',
        'passes',
        'TPF',
        'distinct-3',
        'quality',
        '',
        'vs AR',
        ...(code ? ['parses'] : []),
        'bytes',
        'FLOPs',
        'time',
        '× AR',
      ],
      ...r.runs.map((x) => [
        x.id,
        laneSpec(x.lane).label,
        setting(x),
        String(x.passes),
        x.tokensPerPass.toFixed(2),
        pct(x.distinct3),
        ppl(x.adjusted),
        x.word,
        pct(x.relative),
        ...(code ? [x.parses === null ? '–' : x.parses ? 'yes' : 'no'] : []),
        formatBytes(x.projected.bytes),
        formatFlops(x.projected.flops),
        formatMs(x.projected.seconds * 1e3),
        times(x.speedup.ar),
      ]),
    ]),
  );
  out.push('');
  out.push(
    'speed-quality per lane: AUP = area under quality vs AR (%) against TPF, penalised where quality drops (d3LLM; AR alone scores 100)',
  );
  for (const c of r.curves)
    out.push(
      `  ${c.label.padEnd(16)} AUP ${c.aup === null ? '–' : c.aup.toFixed(0).padStart(5)}   ${c.points.map((p) => `${p.tpf.toFixed(2)} TPF → ${p.quality.toFixed(0)} %`).join(', ')}`,
    );
  out.push('');
  out.push(...plot(r));
  out.push('');
  out.push('outputs');
  for (const x of r.runs) out.push(`  ${x.id.padStart(2)} ${JSON.stringify(x.text)}`);
  return out.join('\n') + '\n';
}

/** One letter per lane for the chart: the first of its label not taken, upper case (digits if all are). */
function laneLetters(curves: readonly SweepCurve[]): Map<LaneId, string> {
  const used = new Set<string>();
  const out = new Map<LaneId, string>();
  for (const c of curves) {
    const letter =
      [...c.label.toUpperCase()].find((ch) => /[A-Z]/.test(ch) && !used.has(ch)) ?? String([...out.keys()].length + 1);
    used.add(letter);
    out.set(c.lane, letter);
  }
  return out;
}

/** Quality vs AR (0–100 %, up) against TPF (log scale, right), one letter per lane: the further right and higher,
 * the better; a lane that buys speed with garbled text falls to the bottom right. */
export function plot(r: SweepResult, width = 60, height = 12): string[] {
  const letters = laneLetters(r.curves);
  const pts = r.curves.flatMap((c) => c.points.map((p) => ({ ...p, ch: letters.get(c.lane)! })));
  if (pts.length === 0) return ['(no run has text to judge)'];
  const xs = pts.map((p) => p.tpf).filter((x) => x > 0 && Number.isFinite(x));
  const x0 = Math.log2(Math.min(1, ...xs) / 1.1),
    x1 = Math.log2(Math.max(2, ...xs) * 1.1);
  const col = (x: number) => Math.round(((Math.log2(x) - x0) / (x1 - x0)) * (width - 1));
  const rowOf = (y: number) => Math.round((1 - y / 100) * (height - 1)); // 100 % on the top row, 0 % on the bottom
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  for (const p of pts) {
    const c = Math.min(width - 1, Math.max(0, col(p.tpf))),
      rr = rowOf(Math.min(100, Math.max(0, p.quality)));
    grid[rr]![c] = grid[rr]![c] === ' ' || grid[rr]![c] === p.ch ? p.ch : '*';
  }
  const out = ['quality vs AR against tokens per forward pass (log): the further right and higher, the better'];
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
  out.push(ticks.join('').trimEnd() + '  TPF');
  out.push(`  ${r.curves.map((c) => `${letters.get(c.lane)} ${c.label}`).join(' · ')} · * several`);
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
