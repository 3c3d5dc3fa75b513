// The default command's flags: parseArgs (args.ts, the parser every command uses) reads them, this file turns them
// into a DecodeConfig plus the renderer options. Errors are UsageErrors (one line, exit 2). Decoder values are
// checked again by validateDecode once the model is known.
import { BACKENDS, type BackendName } from '../engine/model/backends.js';
import { CACHE_MODES, DEFAULT_DECODE, defaultBlock, defaultSteps, MAX_DRAFT_TOKENS, STRATEGIES, UsageError, type CacheMode, type DecodeConfig, type Strategy } from '../engine/config.js';
import type { TargetOptions } from '../engine/price/project.js';
import { PACES, type Pace } from '../render/store.js';
import { parseArgs, projectionFlags, projectionHelp, shapeFlags, targetOptions, type FlagSpecs } from './args.js';
import { EXIT_CODES_HELP } from './errors.js';


export const DEFAULT_PROMPT = 'It is a truth universally acknowledged';
/** screen ms per step: the default run (256 tokens; the speculative lane's ~430 passes) lasts about 20 s */
export const DEFAULT_DELAY_MS = 30;

export const HELP = `
  Usage
    $ dlm-watch [prompt] [flags]
    $ dlm-watch calc|calibrate|sweep ...      (see dlm-watch <command> --help)

  Watch an autoregressive decoder (KV cache), a masked-diffusion decoder and speculative decoding generate from
  the same prompt, pass by pass, with the bytes, FLOPs and bytes-per-FLOP of every forward pass.

  Decoding (every lane)
    --length N          tokens to generate                       (default ${DEFAULT_DECODE.length})
    --steps N           diffusion passes                         (default min(${DEFAULT_DECODE.steps}, length))
    --block N           diffusion block length                   (default ${DEFAULT_DECODE.block} where it divides the length, else one block)
    --strategy S        ${STRATEGIES.join(' | ')}  (default ${DEFAULT_DECODE.strategy})
    --threshold P       threshold strategy: commit every p >= P  (default ${DEFAULT_DECODE.threshold})
    --cache C           diffusion KV cache: ${CACHE_MODES.join(' | ')}   (default ${DEFAULT_DECODE.cache})
    --temperature T     0 = greedy                               (default ${DEFAULT_DECODE.temperature})
    --top-k K           sampling filter, 0 = off (all lanes)     (default ${DEFAULT_DECODE.topK})
    --draft-tokens N    speculative: tokens the draft proposes per round, 1–${MAX_DRAFT_TOKENS}  (default ${DEFAULT_DECODE.draftTokens})
    --seed N                                                     (default ${DEFAULT_DECODE.seed})
    --backend B         ${BACKENDS.join(' | ')}             (default: fastest available)
    --model-dir DIR     model.json, weights and tokenizer.json   (default: the shipped models)
                        its ar/ copy runs the AR lanes (else the model itself); draft/ the draft

  View
    --pace step|time    step: each tick advances each lane one pass; time: lanes race by pass time (default step)
    --delay MS          screen milliseconds per step              (default ${DEFAULT_DELAY_MS})
    --fps N             frames per second                         (default 30)
    --exit              quit 2 s after every lane finishes (default when stdin is not a terminal)
    --plain             plain text, no escape codes (default when stdout is not a terminal)
    --json              NDJSON: one object per pass (see README)
    --record FILE       write an asciicast v2 recording: same flags, same bytes (measured ms hidden);
                        play it with asciinema play FILE
    --cols N --rows N   recording size                            (default 100×30)
    --explain           a plain-language caption per pass (live view, recordings, plain text)
    --ascii             draw the roofline with ASCII instead of braille dots
    --no-color          also NO_COLOR=1; FORCE_COLOR=1 forces colour (also when piped)
    --no-projection     show only this machine's figures
${projectionHelp}

  Keys
    q quit · space pause · → or n one pass · s next diffusion pass count (restarts) · + / - speed · r restart
    g guesses · h hardware · b batch · ? help (Esc closes it)
${EXIT_CODES_HELP}
`;

export type Output = 'live' | 'plain' | 'json' | 'record';

export interface WatchOptions {
  config: DecodeConfig;
  /** which of length, block and steps are defaults (the engine may fit them to a small model's context) */
  defaults: { length: boolean; block: boolean; steps: boolean };
  backend?: BackendName;
  modelDir?: string;
  pace: Pace;
  delayMs: number;
  explain: boolean;
  ascii: boolean;
  fps: number;
  exit: boolean;
  output: Output;
  record: string | null;
  cols: number;
  rows: number;
  color: boolean;
  /** projection target options; null with --no-projection */
  target: TargetOptions | null;
  help: boolean;
  version: boolean;
  /** --no-projection with projection flags: still validated (a bad --hardware is an error), then said unused */
  unusedProjection: { options: TargetOptions; flags: string[] } | null;
  /** view flags given that the chosen output does not use (said on stderr) */
  unusedView: string[];
}

export interface Env {
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
}

const FLAGS = {
  length: { type: 'number' },
  steps: { type: 'number' },
  block: { type: 'number' },
  strategy: { type: 'string' },
  threshold: { type: 'number' },
  cache: { type: 'string' },
  temperature: { type: 'number' },
  topK: { type: 'number' },
  draftTokens: { type: 'number' },
  seed: { type: 'number' },
  backend: { type: 'string' },
  modelDir: { type: 'string' },
  pace: { type: 'string', default: 'step' },
  delay: { type: 'number', default: DEFAULT_DELAY_MS },
  explain: { type: 'boolean', default: false },
  ascii: { type: 'boolean', default: false },
  fps: { type: 'number', default: 30 },
  exit: { type: 'boolean' },
  plain: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  record: { type: 'string' },
  cols: { type: 'number', default: 100 },
  rows: { type: 'number', default: 30 },
  color: { type: 'boolean', default: true },
  version: { type: 'boolean', default: false },
  projection: { type: 'boolean', default: true },
  ...projectionFlags,
  ...shapeFlags,
} as const satisfies FlagSpecs;

/** The parsed flags (FLAGS, with their defaults). */
interface Flags {
  length?: number;
  steps?: number;
  block?: number;
  strategy?: string;
  threshold?: number;
  cache?: string;
  temperature?: number;
  topK?: number;
  draftTokens?: number;
  seed?: number;
  backend?: string;
  modelDir?: string;
  pace: string;
  delay: number;
  explain: boolean;
  ascii: boolean;
  fps: number;
  exit?: boolean;
  plain: boolean;
  json: boolean;
  record?: string;
  cols: number;
  rows: number;
  color: boolean;
  version: boolean;
  projection: boolean;
  [projectionFlag: string]: unknown;
}

/** Colour unless --no-color, NO_COLOR (non-empty) or FORCE_COLOR=0/false; FORCE_COLOR forces it; else the stream is a TTY. */
export function colorWanted(flag: boolean, env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force === 'false');
  return isTTY;
}

function choice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

function positive(name: string, v: number, min: number, max: number): number {
  if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${v}`);
  return v;
}

const kebab = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The projection and shape flags given alongside --no-projection, and their options (validated by the caller). */
function unusedProjection(f: Flags): { options: TargetOptions; flags: string[] } | null {
  const given = [...Object.keys(projectionFlags), ...Object.keys(shapeFlags)].filter((k) => f[k] !== undefined);
  return given.length ? { options: { ...targetOptions(f), modelDir: f.modelDir }, flags: given.map(kebab) } : null;
}

/** Which outputs use which view flags (the rest ignore them). */
const VIEW_FLAGS: Record<string, readonly Output[]> = {
  pace: ['live', 'record'], delay: ['live', 'record'], fps: ['live', 'record'], exit: ['live'], cols: ['record'], rows: ['record'],
};

/** View flags written on the command line that the output will not use. */
function unusedViewFlags(argv: readonly string[], output: Output): string[] {
  const end = argv.indexOf('--');
  const given = new Set((end < 0 ? argv : argv.slice(0, end)).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!.replace(/^no-/, '')));
  return Object.entries(VIEW_FLAGS).filter(([k, outs]) => given.has(k) && !outs.includes(output)).map(([k]) => `--${k}`);
}

/** Parse argv (without node and script) into options; throws UsageError on bad input. */
export function parseWatchArgs(argv: string[], io: Env): WatchOptions {
  const cli = parseArgs('', HELP, argv, FLAGS, import.meta);
  const f = cli.flags as Flags;

  const prompt = cli.input.length ? cli.input.join(' ') : DEFAULT_PROMPT;
  const length = f.length ?? DEFAULT_DECODE.length;
  const block = f.block ?? defaultBlock(length);
  const steps = f.steps ?? defaultSteps(length, block);
  const config: DecodeConfig = {
    prompt,
    length,
    steps,
    block,
    strategy: choice<Strategy>('strategy', f.strategy ?? DEFAULT_DECODE.strategy, STRATEGIES),
    threshold: f.threshold ?? DEFAULT_DECODE.threshold,
    cache: choice<CacheMode>('cache', f.cache ?? DEFAULT_DECODE.cache, CACHE_MODES),
    temperature: f.temperature ?? DEFAULT_DECODE.temperature,
    topK: f.topK ?? DEFAULT_DECODE.topK,
    draftTokens: f.draftTokens ?? DEFAULT_DECODE.draftTokens,
    seed: f.seed ?? DEFAULT_DECODE.seed,
  };
  const backend = f.backend === undefined ? undefined : choice<BackendName>('backend', f.backend, BACKENDS);
  const record = f.record ?? null;
  // two outputs asked for is a mistake to say, not to settle silently
  if (f.json && record) throw new UsageError('--json and --record write different things: pick one');
  if (f.json && f.plain) throw new UsageError('--plain and --json write different things: pick one');
  if (record && f.plain) throw new UsageError('--record writes a recording, --plain writes text to stdout: pick one');
  if (record !== null && !record.trim()) throw new UsageError('--record needs a file name');
  const output: Output = f.json ? 'json' : record ? 'record' : f.plain || !io.stdoutIsTTY ? 'plain' : 'live';
  const cols = Math.round(positive('cols', f.cols, 40, 500));
  const rows = Math.round(positive('rows', f.rows, 12, 200));
  return {
    config,
    defaults: { length: f.length === undefined, block: f.block === undefined, steps: f.steps === undefined },
    backend,
    modelDir: f.modelDir,
    pace: choice<Pace>('pace', f.pace, PACES),
    delayMs: positive('delay', f.delay, 1, 60_000),
    explain: f.explain,
    ascii: f.ascii,
    fps: positive('fps', f.fps, 1, 120),
    exit: f.exit ?? !io.stdinIsTTY,
    output,
    record,
    cols,
    rows,
    // a recording is a file: colour unless switched off, whatever stdout is
    color: colorWanted(f.color, io.env, output === 'record' ? true : io.stdoutIsTTY),
    target: f.projection ? { ...targetOptions(f), modelDir: f.modelDir } : null,
    unusedProjection: f.projection ? null : unusedProjection(f),
    unusedView: unusedViewFlags(argv, output),
    help: cli.help !== null,
    version: f.version,
  };
}
