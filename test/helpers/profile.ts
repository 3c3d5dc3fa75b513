// A calibrate profile written into a fresh DLM_WATCH_HOME: what `--hardware local` reads, with round figures.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeProfile, type LocalProfile } from '../../src/engine/price/hardware.js';

/** An env whose DLM_WATCH_HOME holds a profile of 1 GFLOP/s and 1 GB/s, with `extra` fields over them. */
export function profileHome(extra: Partial<LocalProfile> = {}): NodeJS.ProcessEnv {
  const env = { DLM_WATCH_HOME: mkdtempSync(join(tmpdir(), 'dlm-home-')) };
  writeProfile(
    {
      version: 1,
      backend: 'wasm',
      host: 'x',
      measuredAt: '',
      matmul: { n: 256, reps: 1, seconds: 1, flopsPerSecond: 1e9 },
      memory: { elements: 1, reps: 1, seconds: 1, bytesPerSecond: 1e9 },
      ...extra,
    },
    env,
  );
  return env;
}
