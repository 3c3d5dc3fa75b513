// Types of scripts/build-kernels.mjs for the tests that import it.
export declare const WAT_PATH: string;
export declare function watPath(name: string): string;
export declare function assembleKernels(text?: string): Promise<Uint8Array>;
export declare function binaryModule(bytes: Uint8Array, name?: string): string;
