// The tfjs backends by name, without loading tfjs: flag parsing and --help need the names only.
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** In the order tried when none is requested: fastest first. */
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
