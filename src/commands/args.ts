// The one flag parser every command uses (meow, wrapped so that it never exits the process and every mistake is a
// one-line UsageError), and the projection flags (hardware, model, dtype, efficiencies) every projecting command reuses.
import meow from 'meow';
import { UsageError } from '../engine/config.js';
import { hardwareKeys } from '../engine/price/hardware.js';
import { modelKeys } from '../engine/price/presets.js';
import { DEFAULT_DRAFT, DEFAULT_TARGET, DTYPES, type TargetOptions } from '../engine/price/project.js';

type FlagType = 'string' | 'number' | 'boolean';
export interface FlagSpec {
  type: FlagType;
  default?: string | number | boolean;
  aliases?: readonly string[];
  shortFlag?: string;
  /** a string flag that may be given as "" (e.g. sweep --thresholds "" for none) */
  allowEmpty?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;

/**
 * Projection flags (meow spec fragment). No defaults here on purpose: selectTarget() applies DEFAULT_TARGET,
 * and `--hardware local` changes the efficiency defaults to 1.
 */
export const projectionFlags = {
  hardware: { type: 'string' },
  projectModel: { type: 'string' },
  projectDraft: { type: 'string' },
  dtype: { type: 'string' },
  kvDtype: { type: 'string' },
  computeEff: { type: 'number' },
  memoryEff: { type: 'number' },
  peakTflops: { type: 'number' },
  bandwidth: { type: 'number' },
  batch: { type: 'number' },
} as const satisfies FlagSpecs;

/** User-defined model shape flags (over --project-model, or all of them with `--project-model custom`). */
export const shapeFlags = {
  layers: { type: 'number' },
  width: { type: 'number' },
  mlp: { type: 'number' },
  gated: { type: 'boolean' },
  heads: { type: 'number' },
  kvHeads: { type: 'number' },
  headDim: { type: 'number' },
  vocab: { type: 'number' },
  experts: { type: 'number' },
  activeExperts: { type: 'number' },
  expertMlp: { type: 'number' },
  sharedExperts: { type: 'number' },
  denseLayers: { type: 'number' },
  moeImbalance: { type: 'number' },
} as const satisfies FlagSpecs;

/** Help lines for projectionFlags and shapeFlags. */
export const projectionHelp = `
  Projection (what the run would cost on a big model and real hardware)
    --hardware NAME       ${hardwareKeys().join(', ')}, or a .json file
                          {"name", "bandwidthGBs", "tflops": {"fp32"|"bf16"|"fp8"|"int8"|"int4": N}}   (default ${DEFAULT_TARGET.hardware})
    --project-model NAME  ${modelKeys().join(', ')}, custom, or a .json file of a shape   (default ${DEFAULT_TARGET.model})
    --project-draft NAME  the speculative lane's draft on the target: a preset or a .json shape   (default ${DEFAULT_DRAFT})
    --dtype D             weights: ${DTYPES.join(', ')}   (default ${DEFAULT_TARGET.dtype})
                          the peak is the dtype's column of the table; without one, the next wider unit's
                          (int4 → int8 → bf16 → fp32); fp32 has no table figure: give --peak-tflops
    --kv-dtype D          KV cache (default: the weights' dtype; int8 for int4 weights)
    --compute-eff X       fraction of peak FLOP/s achieved, [0.001, 1] (default ${DEFAULT_TARGET.computeEff}; 1 for local)
    --memory-eff X        fraction of bandwidth achieved, [0.001, 1]   (default ${DEFAULT_TARGET.memoryEff}; 1 for local)
    --peak-tflops N       replace the peak at --dtype (TFLOP/s, dense; 1e-6 to 1e6)
    --bandwidth N         replace the bandwidth (GB/s; 0.001 to 1e6)
    --batch B             sequences decoded together in every pass, each with its own KV cache (default 1)
  Model shape (replace fields of --project-model; all of them with --project-model custom)
    --layers L  --width d  --mlp F  --gated | --no-gated  --heads H  --kv-heads K  --head-dim hd  --vocab V
    mixture of experts: --experts E  --active-experts k  --expert-mlp F_e  --shared-experts s  --dense-layers n
    --moe-imbalance f     routing imbalance ≥ 1: a pass's tokens touch as many experts as 1/f as many
                          uniformly routed tokens would (default 1, uniform)`;

type Flags = Record<string, unknown>;

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
  }
  return o;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Reject flags the command does not know, and value flags given no value, with one line (meow would print several
 * lines and exit, or silently take the default). */
function checkUnknown(argv: readonly string[], flags: FlagSpecs, command: string): void {
  const seeHelp = `(see dlm-watch${command ? ` ${command}` : ''} --help)`;
  const long = new Map<string, FlagSpec>();
  const short = new Set<string>(['h']);
  for (const [k, s] of Object.entries(flags)) {
    long.set(k, s);
    for (const a of s.aliases ?? []) long.set(camel(a), s);
    if (s.shortFlag) short.add(s.shortFlag);
  }
  long.set('help', { type: 'boolean' });
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') break;
    if (tok.startsWith('--')) {
      const name = camel(tok.slice(2).split('=')[0]!);
      const negated = name.startsWith('no') && /^no[A-Z]/.test(name) ? name[2]!.toLowerCase() + name.slice(3) : null;
      const spec = long.get(name);
      if (spec) {
        // `--tokens` with nothing after it would silently fall back to the default
        const next = argv[i + 1];
        if (spec.type !== 'boolean' && !tok.includes('=') && (next === undefined || (next.startsWith('-') && !/^-[\d.]/.test(next))))
          throw new UsageError(`${tok} needs a value`);
        // `--length=` or `--length " "` would read as 0
        const value = tok.includes('=') ? tok.slice(tok.indexOf('=') + 1) : next;
        if (spec.type === 'number' && !/\S/.test(value ?? '')) throw new UsageError(`${tok.split('=')[0]} needs a value`);
        // Number() would also take 0x10, 0b100, 0o7 and " 8 ": only plain decimals are numbers here
        if (spec.type === 'number' && !DECIMAL.test(value ?? '')) throw new UsageError(`${tok.split('=')[0]} must be a number`);
        if (spec.type === 'string' && tok.includes('=') && value === '' && !spec.allowEmpty) throw new UsageError(`${tok.split('=')[0]} needs a value`);
        continue;
      }
      if (negated && long.get(negated)?.type === 'boolean') continue;
      throw new UsageError(`unknown flag ${tok.split('=')[0]} ${seeHelp}`);
    } else if (/^-[a-zA-Z]/.test(tok)) {
      for (const c of tok.slice(1)) if (!short.has(c)) throw new UsageError(`unknown flag -${c} ${seeHelp}`);
    }
  }
}

export interface Parsed {
  flags: Flags;
  input: string[];
  /** --help was given: print this and exit 0 */
  help: string | null;
}

/** meow with the house conventions: no process.exit; unknown flags, missing values, repeats and bad numbers as
 * UsageError. command is "" for the default (watch) command. */
export function parseArgs(command: string, help: string, argv: string[], flags: FlagSpecs, importMeta: ImportMeta): Parsed {
  checkUnknown(argv, flags, command);
  let cli;
  try {
    cli = meow(help, {
      importMeta,
      argv,
      flags: { ...flags, help: { type: 'boolean', shortFlag: 'h' } },
      autoHelp: false,
      autoVersion: false,
      description: false,
      booleanDefault: undefined,
      allowUnknownFlags: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const f = cli.flags as Flags;
  if (f.help === true) return { flags: f, input: cli.input, help: cli.help };
  for (const [k, s] of Object.entries(flags)) {
    const v = f[k];
    if (Array.isArray(v)) throw new UsageError(`--${kebab(k)} can only be given once`);
    if (s.type === 'number' && v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new UsageError(`--${kebab(k)} must be a number`);
    if (s.type === 'string' && v !== undefined && (typeof v !== 'string' || (v === '' && !s.allowEmpty))) throw new UsageError(`--${kebab(k)} needs a value`);
  }
  return { flags: f, input: cli.input, help: null };
}
