// The default command's flags: one table (WATCH_FLAGS, plus every registered lane's own flags) is the source of each
// flag's type, default and help line; parseArgs (args.ts, meow) reads them, this file turns them into a DecodeConfig
// plus the renderer options. Errors are UsageErrors (one line, exit 2). Decoder values are checked again by
// validateDecode once the model is known.
import { BACKENDS } from '../engine/model/backends.js';
import { DEFAULT_DECODE, UsageError, type DecodeConfig, type EngineOptions } from '../engine/config.js';
import { lanes } from '../engine/lanes.js';
import { DEFAULT_FAMILY, FAMILIES, family, familyOfDir } from '../engine/families.js';
import type { LaneId } from '../engine/decode/events.js';
import type { TargetOptions } from '../engine/price/project.js';
import { PACES, type Pace } from '../render/store.js';
import { foldHelp } from '../render/report.js';
import {
  checkRange,
  flagHelp,
  parseArgs,
  projectionFlags,
  HELP_WIDTH,
  projectionHelpAt,
  shapeFlags,
  targetOptions,
  type FlagSpec,
  type FlagSpecs,
  type ParsedFlags,
} from './args.js';
import { EXIT_CODES_HELP } from './errors.js';

/** "austen 0.9, code 0": each family's own default for a sampling flag. */
function familyDefaults(k: 'temperature' | 'topK'): string {
  return FAMILIES.map((f) => `${f.id} ${f[k]}`).join(', ');
}
/** Four lanes fill a 160×48 screen; a fifth would leave each too few rows to show its text. */
export const MAX_LANES = 4;

/** --lanes "ar,block" → ['ar', 'block']: known ids, no repeats, 1 to MAX_LANES (UsageError otherwise). */
export function parseLaneIds(value: string): LaneId[] {
  const known = lanes().map((l) => l.id);
  const ids = value.split(',').map((x) => x.trim());
  if (ids.some((x) => x === ''))
    throw new UsageError(
      `--lanes wants lane ids separated by commas (${known.join(', ')}), got ${JSON.stringify(value)}`,
    );
  const bad = ids.find((x) => !known.includes(x));
  if (bad !== undefined)
    throw new UsageError(`--lanes: no lane ${JSON.stringify(bad).slice(0, 40)} (the lanes are ${known.join(', ')})`);
  const twice = ids.find((x, i) => ids.indexOf(x) !== i);
  if (twice !== undefined) throw new UsageError(`--lanes names ${twice} twice`);
  if (ids.length > MAX_LANES)
    throw new UsageError(`--lanes names ${ids.length} lanes; at most ${MAX_LANES} fit on screen`);
  return ids;
}
/** screen ms per step: the default run (256 tokens; the speculative lane's ~430 passes) lasts about 20 s */
export const DEFAULT_DELAY_MS = 30;

/** The knobs every lane shares. */
const DECODE_FLAGS = {
  length: { type: 'number', arg: 'N', help: 'tokens to generate', defaultHelp: String(DEFAULT_DECODE.length) },
  temperature: { type: 'number', arg: 'T', help: '0 = greedy', defaultHelp: familyDefaults('temperature') },
  topK: { type: 'number', arg: 'K', help: 'sampling filter, 0 = off (all lanes)', defaultHelp: familyDefaults('topK') },
  seed: { type: 'number', arg: 'N', help: '', default: DEFAULT_DECODE.seed },
  backend: {
    type: 'string',
    arg: 'B',
    help: `${BACKENDS.join(' | ')}`,
    choices: BACKENDS,
    defaultHelp: 'fastest available',
  },
  threads: {
    type: 'number',
    arg: 'N',
    help: 'threads for passes of many rows (1 = one); the header says how many ran',
    defaultHelp: '2 when a second core is free',
    // the pool's threads beyond the cores would only wait on each other
    range: [1, 64],
    whole: true,
  },
  lanes: {
    type: 'string',
    arg: 'IDS',
    help: `the lanes to run, in order, comma-separated, at most ${MAX_LANES}`,
    defaultHelp: 'every lane but those marked (off)',
  },
  model: {
    type: 'string',
    arg: 'NAME',
    help: FAMILIES.map((f) => `${f.id}: ${f.what}`).join('\n'),
    choices: FAMILIES.map((f) => f.id),
    defaultHelp: DEFAULT_FAMILY.id,
  },
  modelDir: {
    type: 'string',
    arg: 'DIR',
    help: 'model.json, weights and tokenizer.json\nits ar/ copy runs the AR lanes (else the model itself); draft/ the draft',
    defaultHelp: 'the shipped models',
  },
} as const satisfies FlagSpecs;

/** How the run is shown. */
const VIEW_FLAGS = {
  pace: {
    type: 'string',
    arg: 'step|time',
    help: 'time: lanes race by their time on the target (first to finish is fastest there);\nstep: a pass-count race, one pass per lane per tick, not time',
    default: 'time',
    choices: PACES,
  },
  delay: {
    type: 'number',
    arg: 'MS',
    help: 'screen milliseconds per pass (--pace step)',
    default: DEFAULT_DELAY_MS,
    range: [1, 60_000],
  },
  fps: { type: 'number', arg: 'N', help: 'frames per second', default: 30, range: [1, 120] },
  exit: { type: 'boolean', help: 'quit 2 s after every lane finishes', defaultHelp: 'when stdin is not a terminal' },
  plain: {
    type: 'boolean',
    help: 'plain text, no escape codes',
    default: false,
    defaultHelp: 'when stdout is not a terminal',
  },
  json: { type: 'boolean', help: 'NDJSON: one object per pass and per lane, then the verdict', default: false },
  record: {
    type: 'string',
    arg: 'FILE',
    help: 'write an asciicast v2 recording: same flags, same bytes (measured ms hidden);\nplay it with asciinema play FILE',
  },
  cols: { type: 'number', arg: 'N', help: 'recording width', default: 100, range: [40, 500] },
  rows: { type: 'number', arg: 'N', help: 'recording height', default: 30, range: [12, 200] },
  explain: {
    type: 'boolean',
    help: 'a plain-language caption per pass (live view, recordings, plain text)',
    default: false,
  },
  ascii: { type: 'boolean', help: 'draw the roofline with ASCII instead of braille dots', default: false },
  color: { type: 'boolean', help: 'also NO_COLOR=1; FORCE_COLOR=1 forces colour (also when piped)', default: true },
  projection: { type: 'boolean', help: "show only this machine's figures", default: true },
  version: { type: 'boolean', default: false },
} as const satisfies FlagSpecs;

/** The command's own table (the lanes' flags join it at parse time: lanes may be registered later, e.g. in tests). */
const WATCH_FLAGS = { ...DECODE_FLAGS, ...VIEW_FLAGS, ...projectionFlags, ...shapeFlags } as const satisfies FlagSpecs;
type WatchFlags = ParsedFlags<typeof WATCH_FLAGS>;

/** Every registered lane's flags as table rows, each under the first lane that declares it (a flag two lanes declare
 *  alike sets both: e.g. a threshold). The default is the lane's to apply (laneOptions), so only --help states it. */
export function laneFlagSpecs(): { label: string; flags: FlagSpecs }[] {
  const seen = new Map<string, FlagSpec>();
  const out: { label: string; flags: FlagSpecs }[] = [];
  for (const l of lanes()) {
    const flags: FlagSpecs = {};
    for (const f of l.flags ?? []) {
      if (f.name in WATCH_FLAGS) throw new Error(`lane "${l.id}": --${f.name} is a flag of the command already`);
      const spec: FlagSpec = {
        type: f.type,
        arg: f.arg,
        help: f.help,
        defaultHelp: f.defaultHelp ?? (f.default === undefined ? undefined : String(f.default)),
        ...(f.choices ? { choices: f.choices } : {}),
      };
      const before = seen.get(f.name);
      if (before && before.type !== f.type)
        throw new Error(`lane "${l.id}": --${f.name} is a ${before.type} flag of another lane`);
      if (before) continue;
      seen.set(f.name, spec);
      flags[f.name] = spec;
    }
    if (Object.keys(flags).length) out.push({ label: l.label, flags });
  }
  return out;
}

/** --help, from the flag tables (the registered lanes' flags under their labels), folded at spaces within `width`
 *  columns: HELP_WIDTH, or a narrower terminal's. */
export function watchHelp(width = HELP_WIDTH): string {
  const laneHelp = laneFlagSpecs()
    .map((g) => `\n  Lane ${g.label}\n${flagHelp(g.flags, width)}`)
    .join('\n');
  return foldHelp(
    `
  Usage
    $ dlm-watch [prompt] [flags]
    $ dlm-watch calc|calibrate|sweep ...      (see dlm-watch <command> --help)

  Watch an autoregressive decoder (KV cache), a masked-diffusion decoder and speculative decoding generate from the same prompt, pass by pass, with the bytes, FLOPs and bytes-per-FLOP of every forward pass.
  Lanes (--lanes): ${lanes()
    .map((l) => `${l.id} (${l.label}${l.byDefault === false ? ', off' : ''})`)
    .join(', ')}.

  Decoding (every lane)
${flagHelp(DECODE_FLAGS, width)}
${laneHelp}

  View
${flagHelp(VIEW_FLAGS, width)}
${projectionHelpAt(width)}

  Keys
    q quit · space pause · → or n one pass · s next diffusion pass count (restarts) · + / - speed · r restart
    g guesses · h hardware · b batch · ? help (Esc closes it)
${EXIT_CODES_HELP}
`,
    width,
  );
}

export type Output = 'live' | 'plain' | 'json' | 'record';

export interface WatchOptions {
  config: DecodeConfig;
  /** whether the length is a default (the engine may fit it, and the lane options that follow it, to a small model) */
  defaults: NonNullable<EngineOptions['defaults']>;
  backend?: EngineOptions['backend'];
  /** --threads (undefined: DLM_WATCH_THREADS, else the engine decides) */
  threads?: number;
  modelDir?: string;
  /** --lanes: the lanes to run, in order (undefined: the default set) */
  lanes?: LaneId[];
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
  /** --help's text (the registered lanes' flags in it) */
  helpText: string;
  version: boolean;
  /** --no-projection with projection flags: still validated (a bad --hardware is an error), then said unused */
  unusedProjection: { options: TargetOptions; flags: string[] } | null;
  /** view flags given that the chosen output does not use (said on stderr) */
  unusedView: string[];
}

export interface Env {
  stdoutIsTTY: boolean;
  /** a terminal's width: --help folds to it where it is narrower than HELP_WIDTH */
  columns?: number;
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
}

/** Colour unless --no-color, NO_COLOR (non-empty) or FORCE_COLOR=0/false; FORCE_COLOR forces it; else the stream is a TTY. */
export function colorWanted(flag: boolean, env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force === 'false');
  return isTTY;
}

/** The model folder the flags name: --model's family folder, or --model-dir. */
const modelDirOf = (f: WatchFlags) => (f.model !== undefined ? family(f.model).dir : f.modelDir);

const kebab = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The projection and shape flags given alongside --no-projection, and their options (validated by the caller). */
function unusedProjection(
  f: WatchFlags,
  given: ReadonlySet<string>,
): { options: TargetOptions; flags: string[] } | null {
  const named = [...Object.keys(projectionFlags), ...Object.keys(shapeFlags)].filter((k) => given.has(k));
  return named.length ? { options: { ...targetOptions(f), modelDir: modelDirOf(f) }, flags: named.map(kebab) } : null;
}

/** Which outputs use which view flags (the rest ignore them). */
const VIEW_USE: Partial<Record<keyof typeof VIEW_FLAGS, readonly Output[]>> = {
  pace: ['live', 'record'],
  delay: ['live', 'record'],
  fps: ['live', 'record'],
  exit: ['live'],
  cols: ['record'],
  rows: ['record'],
};

/** View flags given on the command line that the output will not use. */
function unusedViewFlags(given: ReadonlySet<string>, output: Output): string[] {
  return Object.entries(VIEW_USE)
    .filter(([k, outs]) => given.has(k) && !outs.includes(output))
    .map(([k]) => `--${k}`);
}

/** Parse argv (without node and script) into options; throws UsageError on bad input. */
export function parseWatchArgs(argv: string[], io: Env): WatchOptions {
  const groups = laneFlagSpecs();
  const helpText = watchHelp(Math.min(HELP_WIDTH, io.columns ?? HELP_WIDTH));
  const cli = parseArgs(
    '',
    helpText,
    argv,
    { ...WATCH_FLAGS, ...(Object.assign({}, ...groups.map((g) => g.flags)) as FlagSpecs) },
    import.meta,
  );
  const f = cli.flags as WatchFlags;
  const all = cli.flags as Readonly<Record<string, unknown>>;

  if (f.model !== undefined && f.modelDir !== undefined)
    throw new UsageError('--model picks a shipped model, --model-dir a folder: pick one');
  // the family gives the defaults: the one named, else the one whose folder --model-dir names, else prose
  const fam =
    f.model !== undefined ? family(f.model) : f.modelDir !== undefined ? familyOfDir(f.modelDir) : DEFAULT_FAMILY;
  const modelDir = f.model !== undefined ? fam!.dir : f.modelDir;
  const prompt = cli.input.length ? cli.input.join(' ') : (fam ?? DEFAULT_FAMILY).prompt;
  // each lane's options as given: the lane fills in its defaults (some follow the length) when the run reads them
  const laneOptions = Object.fromEntries(
    lanes()
      .filter((l) => l.flags?.length)
      .map((l) => [
        l.id,
        Object.fromEntries(l.flags!.filter((x) => all[x.name] !== undefined).map((x) => [x.name, all[x.name]])),
      ]),
  );
  const config: DecodeConfig = {
    prompt,
    length: f.length ?? fam?.length ?? DEFAULT_DECODE.length,
    temperature: f.temperature ?? fam?.temperature ?? DEFAULT_DECODE.temperature,
    topK: f.topK ?? fam?.topK ?? DEFAULT_DECODE.topK,
    seed: f.seed,
    lanes: laneOptions,
  };
  const record = f.record ?? null;
  // two outputs asked for is a mistake to say, not to settle silently
  if (f.json && record) throw new UsageError('--json and --record write different things: pick one');
  if (f.json && f.plain) throw new UsageError('--plain and --json write different things: pick one');
  if (record && f.plain) throw new UsageError('--record writes a recording, --plain writes text to stdout: pick one');
  if (record !== null && !record.trim()) throw new UsageError('--record needs a file name');
  const output: Output = f.json ? 'json' : record ? 'record' : f.plain || !io.stdoutIsTTY ? 'plain' : 'live';
  const cols = Math.round(checkRange('cols', VIEW_FLAGS.cols, f.cols));
  const rows = Math.round(checkRange('rows', VIEW_FLAGS.rows, f.rows));
  return {
    config,
    defaults: { length: f.length === undefined },
    backend: f.backend as WatchOptions['backend'],
    ...(f.threads !== undefined ? { threads: checkRange('threads', DECODE_FLAGS.threads, f.threads as number) } : {}),
    modelDir,
    ...(f.lanes !== undefined
      ? { lanes: parseLaneIds(f.lanes) }
      : fam?.lanes
        ? { lanes: parseLaneIds(fam.lanes.join(',')) }
        : {}),
    pace: f.pace as Pace,
    delayMs: checkRange('delay', VIEW_FLAGS.delay, f.delay),
    explain: f.explain,
    ascii: f.ascii,
    fps: checkRange('fps', VIEW_FLAGS.fps, f.fps),
    exit: f.exit ?? !io.stdinIsTTY,
    output,
    record,
    cols,
    rows,
    // a recording is a file: colour unless switched off, whatever stdout is
    color: colorWanted(f.color, io.env, output === 'record' ? true : io.stdoutIsTTY),
    target: f.projection ? { ...targetOptions(f), modelDir, env: io.env as NodeJS.ProcessEnv } : null,
    unusedProjection: f.projection ? null : unusedProjection(f, cli.given),
    unusedView: unusedViewFlags(cli.given, output),
    help: cli.help !== null,
    helpText,
    version: f.version,
  };
}
