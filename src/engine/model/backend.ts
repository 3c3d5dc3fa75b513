// Choose the tfjs backend: tensorflow (tfjs-node, native) → wasm (SIMD, one thread) → cpu (pure JS, ~40× slower).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, type BackendName } from './backends.js';
import { RunError, UsageError } from '../io/errors.js';

export { BACKENDS, type BackendName };

/** Why a backend did not start (shown when it was asked for by name). */
const whyNot = new Map<BackendName, string>();

/** The WebAssembly binary tfjs-backend-wasm loads under Node (SIMD; its threaded build needs workers it does not get
 * here), or null where the package resolves no such file: a broken install. */
export function wasmBinary(resolve: (spec: string) => string = createRequire(import.meta.url).resolve): string | null {
  try {
    const file = join(dirname(resolve('@tensorflow/tfjs-backend-wasm')), 'tfjs-backend-wasm-simd.wasm');
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

async function load(name: BackendName): Promise<boolean> {
  // emscripten prints its own "Aborted(…)" lines on console.error before failing: the tool's messages are its own
  const quiet = { error: console.error, warn: console.warn };
  console.error = console.warn = (...a: unknown[]) => void whyNot.set(name, String(a[0] ?? '').split('\n')[0]!);
  try {
    if (name === 'tensorflow') {
      // optionalDependency: absent where its install script could not download libtensorflow
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
    } else if (name === 'wasm') {
      if (!wasmBinary()) {
        whyNot.set(name, 'its WebAssembly binary (tfjs-backend-wasm-simd.wasm) is missing; reinstall with npm ci');
        return false;
      }
      await import('@tensorflow/tfjs-backend-wasm');
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  } finally {
    console.error = quiet.error;
    console.warn = quiet.warn;
  }
}

/** Initialise tfjs on the requested backend, or the fastest available one. Returns the backend in use. */
export async function initBackend(requested?: BackendName): Promise<BackendName> {
  // production mode: no tfjs banners on stderr ("install our node backend"); the tool's messages are its own
  tf.enableProdMode();
  if (tf.getBackend() && (!requested || tf.getBackend() === requested)) {
    const current = tf.getBackend() as BackendName;
    if (BACKENDS.includes(current)) return current;
  }
  const order = requested ? [requested] : BACKENDS;
  for (const name of order) {
    if (await load(name)) {
      await tf.ready();
      return name;
    }
  }
  // a requested backend that cannot start is the command line's to change; none at all is a broken install
  const why = whyNot.get(requested as BackendName);
  if (requested)
    throw new UsageError(
      `backend "${requested}" is not available here${why && requested === 'wasm' ? `: ${why}` : ''} (try --backend ${BACKENDS.filter((b) => b !== requested).join(' or ')})`,
    );
  throw new RunError('no tfjs backend could start');
}
