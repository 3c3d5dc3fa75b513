// Choose the tfjs backend: tensorflow (tfjs-node, native) → wasm (SIMD, one thread) → cpu (pure JS, ~40× slower).
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, type BackendName } from './backends.js';
import { RunError, UsageError } from '../io/errors.js';

export { BACKENDS, type BackendName };

async function load(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // optionalDependency: absent where its install script could not download libtensorflow
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    return await tf.setBackend(name);
  } catch {
    return false;
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
  if (requested) throw new UsageError(`backend "${requested}" is not available here (try --backend ${BACKENDS.filter((b) => b !== requested).join(' or ')})`);
  throw new RunError('no tfjs backend could start');
}
