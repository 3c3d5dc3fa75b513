// Hardware presets (shared/reference/cost-model.md), the calibrated `local` profile, and user-defined hardware.
// Peaks are dense (datasheets quote 2× "with sparsity"). Units inside the engine: bytes/s and FLOP/s.
import type { LocalOverhead } from './overhead.js';
import { existsSync } from 'node:fs';
import { checkWritable, makeFolder, writeFileAtomic } from '../io/atomic-write.js';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from '../io/errors.js';
import { InputError, RunError } from '../io/errors.js';
import { readJsonFile } from '../io/read-file.js';
import { shown, visible, visibleName } from '../io/sanitize.js';
import type { Dtype } from './shape.js';

/** A column of peak throughput; int columns are OP/s, counted like FLOP/s. */
export type PeakColumn = 'fp32' | 'bf16' | 'fp8' | 'int8' | 'int4';
export const PEAK_COLUMNS: readonly PeakColumn[] = ['fp32', 'bf16', 'fp8', 'int8', 'int4'];

export interface Hardware {
  /** preset key (`h200`, `local`, …) or the name given in a user file */
  key: string;
  name: string;
  /** memory bandwidth, bytes/s */
  bandwidth: number;
  /** dense peak per dtype column, FLOP/s; a missing column means "no figure" (see PEAK_FALLBACK) */
  peaks: Partial<Record<PeakColumn, number>>;
  /** where the figures come from */
  source: string;
  notes?: string[];
  /** memory that holds the weights and KV cache, bytes (datasheet; Apple: the largest configuration); absent: unknown */
  memory?: number;
  /** per-pass terms beyond the roofline, measured (the local profile only) */
  overhead?: LocalOverhead;
  /** threads calibrate measured the whole-pass rate on (the local profile only) */
  threads?: number;
}

const TABLE = 'shared/reference/cost-model.md';
const G = 1e9;
const T = 1e12;

function preset(
  key: string,
  name: string,
  gbs: number,
  tflops: Partial<Record<PeakColumn, number>>,
  notes?: string[],
  memoryGB?: number,
): Hardware {
  const peaks: Partial<Record<PeakColumn, number>> = {};
  for (const [c, v] of Object.entries(tflops)) peaks[c as PeakColumn] = v * T;
  return {
    key,
    name,
    bandwidth: gbs * G,
    peaks,
    source: TABLE,
    ...(notes ? { notes } : {}),
    ...(memoryGB ? { memory: memoryGB * G } : {}),
  };
}

const APPLE = 'no official peak figure: set one with --peak-tflops';

/** The reference table, transcribed. "–" cells are left out. The last figure, memory in GB, is the datasheet's (HBM or
 * GDDR per GPU; TPU per chip; B200 as HGX B200 lists it; Apple: the largest unified-memory configuration). */
export const HARDWARE: readonly Hardware[] = [
  preset('a100-40gb', 'A100 40GB', 1555, { bf16: 312, int8: 624 }, undefined, 40),
  preset('a100-80gb', 'A100 80GB SXM', 2039, { bf16: 312, int8: 624 }, undefined, 80),
  preset('h100', 'H100 SXM', 3350, { bf16: 989.5, fp8: 1979, int8: 1979 }, undefined, 80),
  preset('h100-pcie', 'H100 PCIe', 2000, { bf16: 756, fp8: 1513, int8: 1513 }, undefined, 80),
  preset('h200', 'H200 SXM', 4800, { bf16: 989.5, fp8: 1979, int8: 1979 }, undefined, 141),
  preset('b200', 'B200', 8000, { bf16: 2250, fp8: 4500, int8: 4500 }, undefined, 180),
  preset('rtx4090', 'RTX 4090', 1008, { bf16: 165, fp8: 330, int8: 660 }, ['bf16 figure is with fp32 accumulate'], 24),
  preset('tpu-v5e', 'TPU v5e', 819, { bf16: 197, int8: 393 }, undefined, 16),
  preset('tpu-v6e', 'TPU v6e', 1638, { bf16: 918, int8: 1836 }, undefined, 32),
  preset('m2-max', 'Apple M2 Max', 400, {}, [APPLE], 96),
  preset('m3-max', 'Apple M3 Max', 400, {}, [APPLE], 128),
  preset('m4-max', 'Apple M4 Max', 546, {}, [APPLE], 128),
];

/** Other spellings people type. */
const ALIASES: Record<string, string> = {
  a100: 'a100-80gb',
  'a100-80gb-sxm': 'a100-80gb',
  'a100-sxm': 'a100-80gb',
  'a100-40': 'a100-40gb',
  'a100-80': 'a100-80gb',
  'h100-sxm': 'h100',
  'h200-sxm': 'h200',
  '4090': 'rtx4090',
  'rtx-4090': 'rtx4090',
  v5e: 'tpu-v5e',
  v6e: 'tpu-v6e',
  tpuv5e: 'tpu-v5e',
  tpuv6e: 'tpu-v6e',
};

export const LOCAL = 'local';

/** Every valid --hardware name (presets, then `local`). */
export function hardwareKeys(): string[] {
  return [...HARDWARE.map((h) => h.key), LOCAL];
}

function normalise(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

/**
 * Which peak a dtype runs at, in order of preference. A dtype without its own column runs on a wider unit
 * (weights are widened before the multiply): int4 → int8 (as the issue asks) → bf16 → fp32. Never narrower:
 * fp32 without an fp32 figure is an error (no preset states one; we do not guess a datasheet number).
 */
export const PEAK_FALLBACK: Record<Dtype, readonly PeakColumn[]> = {
  fp32: ['fp32'],
  bf16: ['bf16', 'fp32'],
  fp16: ['bf16', 'fp32'],
  fp8: ['fp8', 'bf16', 'fp32'],
  int8: ['int8', 'bf16', 'fp32'],
  int4: ['int4', 'int8', 'bf16', 'fp32'],
};

export interface Peak {
  /** FLOP/s */
  flops: number;
  /** the column it was read from */
  column: PeakColumn;
  /** one line saying where the figure comes from (shown next to every projected time) */
  note: string;
}

/** The peak FLOP/s of hardware at a dtype: its own column, else the first wider one (PEAK_FALLBACK). */
export function peakFor(hw: Hardware, dtype: Dtype): Peak {
  const chain = PEAK_FALLBACK[dtype];
  for (const column of chain) {
    const flops = hw.peaks[column];
    if (flops === undefined) continue;
    const own = column === chain[0];
    const note = own
      ? `${column} peak of ${hw.name}`
      : `${hw.name} has no ${chain[0]} figure: ${dtype} weights are widened and run at the ${column} peak`;
    return { flops, column, note };
  }
  const why =
    hw.key === LOCAL
      ? 'the local profile has no such figure'
      : `${hw.name} has no ${chain.join('/')} figure in ${hw.source}`;
  throw new UsageError(`no ${dtype} peak for ${hw.name} (${why}): give one with --peak-tflops`);
}

// ---- the local profile (written by `dlm-watch calibrate`) ----

export interface LocalProfile {
  version: 1;
  /** tfjs backend measured */
  backend: string;
  /** CPU model string, informative */
  host: string;
  measuredAt: string;
  matmul: { n: number; reps: number; seconds: number; flopsPerSecond: number };
  memory: { elements: number; reps: number; seconds: number; bytesPerSecond: number };
  /** one token's weight products on the shipped model's shapes and a stream of the same bytes (src/engine/model/fast/measure.ts);
   *  absent in profiles written before it */
  decode?: DecodeRates;
  /** one full-sequence pass at `rows` rows: the whole pass on the fast path over `threads` threads where it runs the
   *  shape, else the shipped model's matmuls through tfjs (src/commands/calibrate.ts); absent in older profiles */
  passMatmul?: { rows: number; flops: number; reps: number; flopsPerSecond: number; threads?: number };
  /** a forward pass's time beyond its matmuls and the diffusion token choice, fitted against rows at `rows`
   *  (src/commands/calibrate.ts, src/engine/price/overhead.ts); absent in older profiles */
  overhead?: LocalOverhead & { rows: number[]; reps: number };
}

/** The folder holding dlm-watch's own files: $DLM_WATCH_HOME, else ~/.dlm-watch. */
export function dlmWatchHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.DLM_WATCH_HOME && env.DLM_WATCH_HOME.trim() ? env.DLM_WATCH_HOME : join(homedir(), '.dlm-watch');
}

export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dlmWatchHome(env), 'local.json');
}

/** The profile's folder and file can be written: checked before calibrate measures (seconds of work would
 * otherwise end in a write error). Throws the RunError the write would (exit 1). */
export function checkProfileWritable(env: NodeJS.ProcessEnv = process.env): string {
  const path = profilePath(env);
  makeHome(path);
  checkWritable(path, 'profile');
  return path;
}

function makeHome(path: string): void {
  try {
    makeFolder(dirname(path), 'the profile folder');
  } catch (e) {
    throw new RunError(
      `cannot write profile ${visible(path)}: ${(e as Error).message.replace(/^cannot create the profile folder [^:]*: /, '')}`,
    );
  }
}

export function writeProfile(p: LocalProfile, env: NodeJS.ProcessEnv = process.env): string {
  const path = profilePath(env);
  makeHome(path);
  writeFileAtomic(path, JSON.stringify(p, null, 2) + '\n', 'profile');
  return path;
}

/** Measured rates a profile may hold: bytes/s and FLOP/s from 1e6 (1 M/s) to 1e18 (a whole data centre). */
const MEASURED_RANGE = [1e6, 1e18] as const;
const measured = (v: unknown) =>
  v === undefined || (typeof v === 'number' && v >= MEASURED_RANGE[0] && v <= MEASURED_RANGE[1]);

/** Overhead figures a profile may hold (seconds per kernel, row, pass or logit): at most one second each. */
const OVERHEAD_MAX_SECONDS = 1;

export function readProfile(env: NodeJS.ProcessEnv = process.env): LocalProfile {
  const path = profilePath(env);
  if (!existsSync(path))
    throw new InputError(`no local profile at ${visible(path)}: run \`dlm-watch calibrate\` first`);
  const p = readJsonFile(path, 'profile') as LocalProfile;
  if (
    !p ||
    typeof p !== 'object' ||
    !p.matmul ||
    !p.memory ||
    !(typeof p.matmul.flopsPerSecond === 'number') ||
    !(typeof p.memory.bytesPerSecond === 'number')
  )
    throw new InputError(`${visible(path)} is not a dlm-watch profile: run \`dlm-watch calibrate\` again`);
  const rates = [
    p.matmul.flopsPerSecond,
    p.memory.bytesPerSecond,
    p.decode?.stepBytesPerSecond,
    p.decode?.matvecBytesPerSecond,
    p.passMatmul?.flopsPerSecond,
  ];
  if (
    !rates.every(measured) ||
    (p.decode !== undefined && typeof p.decode !== 'object') ||
    (p.passMatmul !== undefined && typeof p.passMatmul !== 'object')
  )
    throw new InputError(
      `${visible(path)} holds a rate outside ${MEASURED_RANGE[0]}–${MEASURED_RANGE[1]} per second: run \`dlm-watch calibrate\` again`,
    );
  const o = p.overhead;
  const seconds = (v: unknown) => typeof v === 'number' && v >= 0 && v <= OVERHEAD_MAX_SECONDS;
  if (
    o !== undefined &&
    (typeof o !== 'object' ||
      o === null ||
      ![o.secondsPerKernel, o.secondsPerRow, o.choiceSecondsPerPass, o.choiceSecondsPerLogit].every(seconds))
  )
    throw new InputError(
      `${visible(path)} holds an overhead figure outside 0–${OVERHEAD_MAX_SECONDS} s: run \`dlm-watch calibrate\` again`,
    );
  const threads = p.passMatmul?.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64))
    throw new InputError(
      `${visible(path)} holds a thread count that is not a whole number from 1 to 64: run \`dlm-watch calibrate\` again`,
    );
  if (typeof p.backend !== 'string')
    throw new InputError(`${visible(path)} is not a dlm-watch profile: run \`dlm-watch calibrate\` again`);
  p.backend = visibleName(p.backend, 20);
  return p;
}

/** `local`: the figures calibrate measured (tfjs computes in fp32, so fp32 is the only column). */
export function hardwareFromProfile(p: LocalProfile, path = profilePath()): Hardware {
  return {
    key: LOCAL,
    // the passes run on the fast WebAssembly kernels, not through tfjs: the name says what calibrate measured
    name: `this machine (calibrated, ${p.backend})`,
    // a memory-bound pass here is one token's step over cache-sized weights, not a stream far beyond the caches
    bandwidth: p.decode?.stepBytesPerSecond ?? p.decode?.matvecBytesPerSecond ?? p.memory.bytesPerSecond,
    // a compute-bound pass here multiplies tens of rows by the model's own matrices, not 1024² squares
    peaks: { fp32: p.passMatmul?.flopsPerSecond ?? p.matmul.flopsPerSecond },
    ...(p.passMatmul?.threads ? { threads: p.passMatmul.threads } : {}),
    source: `measured by dlm-watch calibrate, ${visible(path)}`,
    notes: ['measured, not a datasheet peak: use efficiency 1'],
    ...(p.overhead
      ? {
          overhead: {
            secondsPerKernel: p.overhead.secondsPerKernel,
            secondsPerRow: p.overhead.secondsPerRow,
            choiceSecondsPerPass: p.overhead.choiceSecondsPerPass,
            choiceSecondsPerLogit: p.overhead.choiceSecondsPerLogit,
          },
        }
      : {}),
  };
}

// ---- user-defined hardware ----

/** Accepted figures, from a file or a flag (--bandwidth, --peak-tflops): past these a projection means nothing. */
export const BANDWIDTH_RANGE_GBS = [0.001, 1e6] as const;
export const TFLOPS_RANGE = [1e-6, 1e6] as const;

export const inRange = (v: unknown, [min, max]: readonly [number, number]): v is number =>
  typeof v === 'number' && v >= min && v <= max;

/**
 * A hardware JSON file: {"name": "My GPU", "bandwidthGBs": 1000, "tflops": {"bf16": 100, "fp8": 200}}
 * (tflops keys: fp32, bf16, fp8, int8, int4; dense figures).
 */
export function hardwareFromJson(obj: unknown, source: string): Hardware {
  const o = obj as { name?: unknown; bandwidthGBs?: unknown; tflops?: unknown };
  const where = visible(source);
  if (!o || typeof o !== 'object' || Array.isArray(o))
    throw new InputError(
      `${where}: expected an object like {"name": "My GPU", "bandwidthGBs": 1000, "tflops": {"bf16": 100}}`,
    );
  const [bmin, bmax] = BANDWIDTH_RANGE_GBS;
  const bw = o.bandwidthGBs;
  if (!inRange(bw, BANDWIDTH_RANGE_GBS))
    throw new InputError(`${where}: "bandwidthGBs" must be a number from ${bmin} to ${bmax} (GB/s), got ${shown(bw)}`);
  // absent: peaks come from --peak-tflops; null is a malformed file, not a missing figure
  const tflops = (o.tflops === undefined ? {} : o.tflops) as Record<string, unknown>;
  if (typeof tflops !== 'object' || Array.isArray(tflops) || tflops === null)
    throw new InputError(`${where}: "tflops" must be an object, e.g. {"bf16": 100}`);
  const peaks: Partial<Record<PeakColumn, number>> = {};
  for (const [c, v] of Object.entries(tflops)) {
    if (!PEAK_COLUMNS.includes(c as PeakColumn))
      throw new InputError(`${where}: unknown tflops key ${shown(c)} (valid: ${PEAK_COLUMNS.join(', ')})`);
    if (!inRange(v, TFLOPS_RANGE))
      throw new InputError(
        `${where}: tflops.${c} must be a number from ${TFLOPS_RANGE[0]} to ${TFLOPS_RANGE[1]}, got ${shown(v)}`,
      );
    peaks[c as PeakColumn] = (v as number) * T;
  }
  if (o.name !== undefined && typeof o.name !== 'string') throw new InputError(`${where}: "name" must be a string`);
  // the name is shown in every header and recording: visible, one line, bounded
  const name = typeof o.name === 'string' && o.name.trim() ? visibleName(o.name) : 'custom hardware';
  // source is shown (calc, --json) like the name: the path as given, made visible
  return { key: name, name, bandwidth: (bw as number) * G, peaks, source: where };
}

export function loadHardwareFile(path: string): Hardware {
  if (!existsSync(path)) throw new InputError(`hardware file not found: ${visible(path)}`);
  return hardwareFromJson(readJsonFile(path, 'hardware file'), path);
}

/** A --hardware value: a preset key or alias, `local`, or a path to a .json file. */
export function findHardware(name: string, env: NodeJS.ProcessEnv = process.env): Hardware {
  if (name.toLowerCase().endsWith('.json')) return loadHardwareFile(name);
  const key = normalise(name);
  if (key === LOCAL) return hardwareFromProfile(readProfile(env), profilePath(env));
  const found = HARDWARE.find((h) => h.key === (ALIASES[key] ?? key));
  if (!found)
    throw new UsageError(`unknown hardware "${name}": valid names are ${hardwareKeys().join(', ')}, or a .json file`);
  return found;
}

/** What one token's weight products achieved on this machine (measured by model/fast/measure.ts, saved by calibrate). */
export interface DecodeRates {
  /** the shape measured, e.g. "4×(256×768, 256×256, 256×1024, 1024×256) + 256×2048" */
  shapes: string;
  weightBytes: number;
  reps: number;
  /** bytes/s of the weight products of one token: weightBytes / median time of all of them */
  matvecBytesPerSecond: number;
  /** bytes/s of reading the same bytes once: weightBytes / median time of a stream over them */
  streamBytesPerSecond: number;
  /** bytes/s of the whole one-token step (products, norms, attention over `cached` positions, GELU; the fast AR path on
   *  weights of this shape): (weightBytes + keys/values read) / median step time; absent when not measured */
  stepBytesPerSecond?: number;
  cached?: number;
}
