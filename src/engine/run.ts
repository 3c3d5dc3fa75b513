// One run: load backend, model and tokenizer once; hand out both lanes as fresh step-event streams.
// This is the engine's single entry point for every front end (live view, plain, NDJSON, cast, sweep).
import type { BackendName } from './backend.js';
import type { DecodeConfig, EngineOptions } from './config.js';
import type { StepEvent } from './decode/events.js';
import type { ModelShape, Precision } from './shape.js';

export interface RunInfo {
  backend: BackendName;
  model: {
    name: string;
    dir: string;
    /** true when running the tiny untrained fixture model rather than the shipped weights */
    fixture: boolean;
    shape: ModelShape;
    params: number;
    /** how the local passes are priced (the tfjs weights run in fp32) */
    precision: Precision;
  };
  promptTokens: number;
  config: DecodeConfig;
}

export interface Run {
  info: RunInfo;
  /** a fresh autoregressive stream (call again to restart) */
  ar(): AsyncGenerator<StepEvent>;
  /** a fresh masked-diffusion stream (call again to restart) */
  diffusion(): AsyncGenerator<StepEvent>;
  /** decode a whole token sequence (final texts) */
  decode(ids: number[]): string;
  dispose(): void;
}

export declare function createRun(config: DecodeConfig, opts?: EngineOptions): Promise<Run>;
