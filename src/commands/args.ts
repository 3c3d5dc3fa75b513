// The one flag parser every command uses (meow, wrapped so that it never exits the process and every mistake is a
// one-line UsageError), and the projection flags (hardware, model, dtype, efficiencies) every projecting command reuses.
import meow, { type AnyFlags } from 'meow';
import { UsageError } from '../engine/config.js';
import { shown } from '../engine/io/sanitize.js';
import { hardwareKeys } from '../engine/price/hardware.js';
import { CUSTOM_MODEL, modelKeys, SHIPPED_DRAFT } from '../engine/price/presets.js';
import { DEFAULT_DRAFT, DEFAULT_TARGET, DTYPES, type TargetOptions } from '../engine/price/project.js';

type FlagType = 'string' | 'number' | 'boolean';
/** One row of a command's flag table: the one source of the flag's type, default and help line. */
export interface FlagSpec {
  type: FlagType;
  default?: string | number | boolean;
  aliases?: readonly string[];
  shortFlag?: string;
  /** a string flag that may be given as "" (e.g. sweep --thresholds "" for none) */
  allowEmpty?: boolean;
  /** the values a string flag takes ("--pace must be one of step, time") */
  choices?: readonly string[];
  /** --help: the value's placeholder ("N"), one line (a "\n" continues it under the line), and the default where
   *  --help should state it otherwise than `default` (or at all: a flag without a `default`) */
  arg?: string;
  help?: string;
  defaultHelp?: string;
  /** a number flag's accepted values, min to max (whole numbers only with `whole`): the one range both its check
   *  (checkRange) and its "must be …" messages read, a value that is no number included */
  range?: readonly [number, number];
  whole?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;

/** What a number flag takes, in words: "a number from 1 to 60000", "a whole number from 1 to 64", "a number". */
export function numberRule(s: Pick<FlagSpec, 'range' | 'whole'>): string {
  const what = s.whole ? 'a whole number' : 'a number';
  return s.range ? `${what} from ${s.range[0]} to ${s.range[1]}` : what;
}

/** A parsed number flag's value within its row's range, else a one-line UsageError:
 *  "--fps must be a number from 1 to 120, got 0". */
export function checkRange(name: string, s: Pick<FlagSpec, 'range' | 'whole'>, v: number): number {
  const [min, max] = s.range ?? [-Infinity, Infinity];
  if (!Number.isFinite(v) || (s.whole && !Number.isInteger(v)) || v < min || v > max)
    throw new UsageError(`--${name} must be ${numberRule(s)}, got ${v}`);
  return v;
}

/** A flag's parsed value by its type. */
type FlagValue<S extends FlagSpec> = S['type'] extends 'number'
  ? number
  : S['type'] extends 'string'
    ? string
    : boolean;
/** The parsed flags of a table: a flag with a default always has a value, the others may be undefined. */
export type ParsedFlags<T extends FlagSpecs> = {
  -readonly [K in keyof T]: T[K] extends { default: string | number | boolean }
    ? FlagValue<T[K]>
    : FlagValue<T[K]> | undefined;
};

// before the tables: projectionHelp is written from them as this module loads
/** --help's width: its widest line (a narrower terminal gets it folded to its own width) */
export const HELP_WIDTH = 120;
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Projection flags (meow spec fragment). No defaults here on purpose: selectTarget() applies DEFAULT_TARGET,
 * and `--hardware local` changes the efficiency defaults to 1.
 */
export const projectionFlags = {
  hardware: {
    type: 'string',
    arg: 'NAME',
    help: `${hardwareKeys().join(', ')}, or a .json file\n{"name", "bandwidthGBs", "tflops": {"fp32"|"bf16"|"fp8"|"int8"|"int4": N}}`,
    defaultHelp: DEFAULT_TARGET.hardware,
  },
  projectModel: {
    type: 'string',
    arg: 'NAME',
    help: `${[...modelKeys(), CUSTOM_MODEL].join(', ')}, or a .json file of a shape`,
    defaultHelp: DEFAULT_TARGET.model,
  },
  projectDraft: {
    type: 'string',
    arg: 'NAME',
    help: "the speculative lane's draft on the target: a preset or a .json shape",
    defaultHelp: `${DEFAULT_DRAFT}; ${SHIPPED_DRAFT} for local`,
  },
  dtype: {
    type: 'string',
    arg: 'D',
    help: `weights: ${DTYPES.join(', ')}\nthe peak is the dtype's column of the table; without one, the next wider unit's\n(int4 → int8 → bf16 → fp32); fp32 has no table figure: give --peak-tflops`,
    defaultHelp: DEFAULT_TARGET.dtype,
  },
  kvDtype: { type: 'string', arg: 'D', help: 'KV cache', defaultHelp: "the weights' dtype; int8 for int4 weights" },
  efficiency: {
    type: 'string',
    arg: 'MODE',
    choices: ['shaped', 'fixed'],
    help: "shaped: fitted to published measurements, compute\nefficiency rising with a pass's rows (docs/published-check.md);\nfixed: --compute-eff and --memory-eff",
    defaultHelp: DEFAULT_TARGET.efficiency,
  },
  computeEff: {
    type: 'number',
    arg: 'X',
    help: 'fraction of peak FLOP/s achieved, [0.001, 1]',
    defaultHelp: `${DEFAULT_TARGET.computeEff}; 1 for local`,
  },
  memoryEff: {
    type: 'number',
    arg: 'X',
    help: 'fraction of bandwidth achieved, [0.001, 1]',
    defaultHelp: `${DEFAULT_TARGET.memoryEff}; 1 for local`,
  },
  peakTflops: { type: 'number', arg: 'N', help: 'replace the peak at --dtype (TFLOP/s, dense; 1e-6 to 1e6)' },
  bandwidth: { type: 'number', arg: 'N', help: 'replace the bandwidth (GB/s; 0.001 to 1e6)' },
  batch: {
    type: 'number',
    arg: 'B',
    help: 'sequences decoded together in every pass, each with its own KV cache',
    defaultHelp: '1',
  },
} as const satisfies FlagSpecs;

/** User-defined model shape flags (over --project-model, or all of them with `--project-model custom`); --help lists
 *  them in two compact rows (a flag without a help line), the imbalance on its own. */
export const shapeFlags = {
  layers: { type: 'number', arg: 'L' },
  width: { type: 'number', arg: 'd' },
  mlp: { type: 'number', arg: 'F' },
  gated: { type: 'boolean' },
  heads: { type: 'number', arg: 'H' },
  kvHeads: { type: 'number', arg: 'K' },
  headDim: { type: 'number', arg: 'hd' },
  vocab: { type: 'number', arg: 'V' },
  experts: { type: 'number', arg: 'E' },
  activeExperts: { type: 'number', arg: 'k' },
  expertMlp: { type: 'number', arg: 'F_e' },
  sharedExperts: { type: 'number', arg: 's' },
  denseLayers: { type: 'number', arg: 'n' },
  moeImbalance: {
    type: 'number',
    arg: 'f',
    help: "routing imbalance ≥ 1: a pass's tokens touch as many experts as 1/f as many\nuniformly routed tokens would",
    defaultHelp: '1, uniform',
  },
} as const satisfies FlagSpecs;

/** "    --layers L  --width d  --gated | --no-gated": flags of a table in rows of `width` columns, by name and
 *  placeholder, after `lead`; a flag and its placeholder stay on one row. */
function compactFlags(flags: FlagSpecs, keys: readonly string[], width: number, lead = ''): string {
  const rows: string[][] = [[]];
  const text = (r: string[], i: number) => `    ${i === 0 ? lead : ' '.repeat([...lead].length)}${r.join('  ')}`;
  for (const k of keys) {
    const item = flags[k]!.type === 'boolean' ? `--${kebab(k)} | --no-${kebab(k)}` : `--${kebab(k)} ${flags[k]!.arg}`;
    const row = rows.at(-1)!;
    if (row.length && [...text([...row, item], rows.length - 1)].length > width) rows.push([item]);
    else row.push(item);
  }
  return rows.map(text).join('\n');
}

/** Help lines for projectionFlags and shapeFlags, from their tables, within `width` columns (the headings are left
 *  to the caller's foldHelp). */
export function projectionHelpAt(width: number): string {
  return `
  Projection (what the run would cost on a big model and real hardware)
${flagHelp(projectionFlags, width)}
  Model shape (replace fields of --project-model; all of them with --project-model custom)
${compactFlags(shapeFlags, ['layers', 'width', 'mlp', 'gated', 'heads', 'kvHeads', 'headDim', 'vocab'], width)}
${compactFlags(shapeFlags, ['experts', 'activeExperts', 'expertMlp', 'sharedExperts', 'denseLayers'], width, 'mixture of experts: ')}
${flagHelp(shapeFlags, width)}`;
}
/** … at --help's full width */
export const projectionHelp = projectionHelpAt(HELP_WIDTH);

type Flags = Readonly<Record<string, unknown>>;

/** TargetOptions from parsed projection + shape flags. */
export function targetOptions(f: Flags): TargetOptions {
  const o: TargetOptions = {};
  const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  const num = (k: string) => (typeof f[k] === 'number' ? (f[k] as number) : undefined);
  if (str('hardware') !== undefined) o.hardware = str('hardware');
  if (str('projectModel') !== undefined) o.model = str('projectModel');
  if (str('projectDraft') !== undefined) o.draftModel = str('projectDraft');
  if (str('dtype') !== undefined) o.dtype = str('dtype');
  if (str('kvDtype') !== undefined) o.kvDtype = str('kvDtype');
  if (str('efficiency') !== undefined) o.efficiency = str('efficiency');
  if (num('computeEff') !== undefined) o.computeEff = num('computeEff');
  if (num('memoryEff') !== undefined) o.memoryEff = num('memoryEff');
  if (num('peakTflops') !== undefined) o.peakTflops = num('peakTflops');
  if (num('bandwidth') !== undefined) o.bandwidthGBs = num('bandwidth');
  const shape: NonNullable<TargetOptions['shape']> = {};
  if (num('layers') !== undefined) shape.layers = num('layers');
  if (num('width') !== undefined) shape.d = num('width');
  if (num('mlp') !== undefined) shape.mlp = num('mlp');
  if (typeof f.gated === 'boolean') shape.gated = f.gated;
  if (num('heads') !== undefined) shape.heads = num('heads');
  if (num('kvHeads') !== undefined) shape.kvHeads = num('kvHeads');
  if (num('headDim') !== undefined) shape.headDim = num('headDim');
  if (num('vocab') !== undefined) shape.vocab = num('vocab');
  const moe: NonNullable<NonNullable<TargetOptions['shape']>['moe']> = {};
  if (num('experts') !== undefined) moe.experts = num('experts');
  if (num('activeExperts') !== undefined) moe.active = num('activeExperts');
  if (num('expertMlp') !== undefined) moe.expertMlp = num('expertMlp');
  if (num('sharedExperts') !== undefined) moe.shared = num('sharedExperts');
  if (num('denseLayers') !== undefined) moe.denseLayers = num('denseLayers');
  if (num('moeImbalance') !== undefined) moe.imbalance = num('moeImbalance');
  if (Object.keys(moe).length) shape.moe = moe;
  if (Object.keys(shape).length) o.shape = shape;
  if (num('batch') !== undefined) o.batch = num('batch');
  // on this machine, price the model that runs here, in fp32 as tfjs runs it: predicted ms then compare with measured ms
  if (o.hardware === 'local' && o.model === undefined && !o.shape) {
    o.model = 'shipped';
    o.dtype ??= 'fp32';
    // … and the speculative lane's draft passes on the draft that ran them (models/draft/), not Llama 3.2 1B
    o.draftModel ??= SHIPPED_DRAFT;
  }
  return o;
}

/** what --help says of a flag's default: its defaultHelp, else its default (false and absent say nothing) */
function defaultText(s: FlagSpec): string | null {
  if (s.defaultHelp !== undefined) return s.defaultHelp;
  return s.default === undefined || typeof s.default === 'boolean' ? null : String(s.default);
}

/** The help lines of a flag table: "    --length N          tokens to generate    (default 256)", the default after the
 *  help's last line; a flag without a help line is left out (listed elsewhere, e.g. the compact shape rows). Lines
 *  fold at spaces within `width` columns, a description under its own column. */
export function flagHelp(flags: FlagSpecs, width = HELP_WIDTH): string {
  // a switch that is on by default is written as its negation: --no-color
  const name = (k: string, s: FlagSpec) =>
    s.type === 'boolean' && s.default === true ? `--no-${kebab(k)}` : `--${kebab(k)}${s.arg ? ` ${s.arg}` : ''}`;
  const rows = Object.entries(flags).filter(([, s]) => s.help !== undefined);
  // the name column: 20 wide, or wider where a name needs it (--project-model NAME)
  const w = Math.max(20, ...rows.map(([k, s]) => name(k, s).length + 2));
  const lines: string[] = [];
  for (const [k, s] of rows) {
    const help = s.help!.split('\n');
    const d = defaultText(s);
    const room = width - 4 - w;
    // a one-line help's default is set in a column of its own, where the line has room for it
    const last = help.at(-1)!;
    const padded = help.length === 1 && 40 + ` (default ${d})`.length <= room ? last.padEnd(40) : last;
    if (d !== null) help[help.length - 1] = `${padded} (default ${d})`;
    const folded = help.flatMap((m) => foldWords(m.trimEnd(), room));
    lines.push(`    ${name(k, s).padEnd(w)}${folded[0]}`.trimEnd());
    for (const m of folded.slice(1)) lines.push(`${' '.repeat(4 + w)}${m}`);
  }
  return lines.join('\n');
}

/** Words of s in lines of at most `width` columns (a word longer than that stays whole on its own line). */
function foldWords(s: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of s.split(' ')) {
    const next = cur ? `${cur} ${w}` : w;
    if (cur && [...next].length > width) {
      out.push(cur);
      cur = w;
    } else cur = next;
  }
  out.push(cur);
  return out;
}

// only plain decimals are numbers here: Number() would also take 0x10, 0b100, 0o7 and " 8 "
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A flag's value read by its table row: a number from its decimal text, a string that must not be empty (unless
 *  allowEmpty) and be one of its choices; absent, the row's default. */
function readFlag(k: string, s: FlagSpec, v: unknown): unknown {
  const flag = `--${kebab(k)}`;
  if (v === undefined) return s.default;
  if (s.type === 'boolean') return v;
  const text = String(v);
  if (s.type === 'number') {
    // numbers reach meow as strings (its own number type reads 0x10, " 8 " and "" as numbers): read here
    if (!/\S/.test(text)) throw new UsageError(`${flag} needs a value`);
    const n = Number(text);
    if (!DECIMAL.test(text) || !Number.isFinite(n))
      throw new UsageError(`${flag} must be ${numberRule(s)}, got ${shown(text)}`);
    return n;
  }
  if (text === '' && !s.allowEmpty) throw new UsageError(`${flag} needs a value`);
  if (s.choices && !s.choices.includes(text))
    throw new UsageError(`${flag} must be one of ${s.choices.join(', ')}, got "${text}"`);
  return text;
}

/** The flag meow found that the table does not know, as written on the command line (meow's key is camelCased). */
function unknownFlag(argv: readonly string[], flags: FlagSpecs, keys: readonly string[]): string {
  const long = (n: string) =>
    n in flags || n === 'help' || Object.values(flags).some((s) => s.aliases?.some((a) => camel(a) === n));
  const short = (c: string) => c === 'h' || Object.values(flags).some((s) => s.shortFlag === c);
  const end = argv.indexOf('--');
  for (const tok of end < 0 ? argv : argv.slice(0, end)) {
    if (tok.startsWith('--')) {
      const name = tok.slice(2).split('=')[0]!;
      const negated = name.startsWith('no-') && flags[camel(name.slice(3))]?.type === 'boolean';
      if (!long(camel(name)) && !negated) return `--${name}`;
    } else if (/^-[a-zA-Z]/.test(tok)) for (const c of tok.slice(1)) if (!short(c)) return `-${c}`;
  }
  return `--${kebab(keys[0]!)}`;
}

export interface Parsed<T extends FlagSpecs = FlagSpecs> {
  flags: ParsedFlags<T>;
  input: string[];
  /** --help was given: print this and exit 0 */
  help: string | null;
  /** the flags given on the command line (not defaulted), by table name */
  given: ReadonlySet<string>;
}

/** meow with the house conventions: no process.exit; meow parses (names, booleans and their negations, repeats),
 * and a flag it found that the table does not know, a missing value, a bad number or choice is a one-line
 * UsageError. command is "" for the default (watch) command. */
export function parseArgs<T extends FlagSpecs>(
  command: string,
  help: string,
  argv: string[],
  flags: T,
  importMeta: ImportMeta,
): Parsed<T> {
  const meowFlags = Object.fromEntries(
    Object.entries(flags).map(([k, s]) => [
      k,
      {
        type: s.type === 'number' ? 'string' : s.type,
        ...(s.aliases ? { aliases: [...s.aliases] } : {}),
        ...(s.shortFlag ? { shortFlag: s.shortFlag } : {}),
      },
    ]),
  );
  let cli;
  try {
    cli = meow(help, {
      importMeta,
      argv,
      flags: { ...meowFlags, help: { type: 'boolean', shortFlag: 'h' } } as AnyFlags,
      autoHelp: false,
      autoVersion: false,
      description: false,
      booleanDefault: undefined,
      // meow reports an unknown flag by exiting the process: it is found below instead, from what meow parsed
      allowUnknownFlags: true,
    });
  } catch (e) {
    // a flag given twice: "The flag --length can only be set once."
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const raw = cli.flags as Flags;
  const unknown = Object.keys(raw).filter((k) => !(k in flags) && k !== 'help');
  if (unknown.length)
    throw new UsageError(
      `unknown flag ${unknownFlag(argv, flags, unknown)} (see dlm-watch${command ? ` ${command}` : ''} --help)`,
    );
  const given = new Set(Object.keys(raw).filter((k) => k in flags && raw[k] !== undefined));
  // --help: nothing else is read (the defaults stand in), so that it prints whatever else is on the line
  if (raw.help === true)
    return {
      flags: Object.fromEntries(Object.entries(flags).map(([k, s]) => [k, s.default])) as ParsedFlags<T>,
      input: cli.input,
      help: cli.help,
      given,
    };
  const out = Object.fromEntries(Object.entries(flags).map(([k, s]) => [k, readFlag(k, s, raw[k])]));
  return { flags: out as ParsedFlags<T>, input: cli.input, help: null, given };
}
