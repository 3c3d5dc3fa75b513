// Choose the tfjs backend: tensorflow (tfjs-node, native) → wasm (SIMD, one thread) → cpu (pure JS, ~40× slower).
import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

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
  throw new Error(requested ? `backend "${requested}" is not available here` : 'no tfjs backend could start');
}
