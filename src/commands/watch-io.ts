// What the watch command's three entry points share: the command's io, a progress note on stderr, stdout for pipes,
// and lane failures as the command's exit code.
import { RunError } from '../engine/io/errors.js';
import type { LaneId, StepEvent } from '../engine/decode/events.js';
import type { DecodeConfig, EngineOptions } from '../engine/config.js';
import type { Run, RunPlan } from '../engine/run.js';
import type { ProjectionTarget } from '../engine/price/project.js';
import type { WatchOptions } from './watch-flags.js';

export interface WatchIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Record<string, string | undefined>;
  /** the engine's entry point (tests pass a fake) */
  createRun?: (config: DecodeConfig, opts?: EngineOptions) => Promise<Run>;
}

export type Progress = ReturnType<typeof progress>;

/** What an entry point gets: the run (opened), the options, the projection targets, the io, and the loading note
 *  (still on screen: the live view clears it only once its first frame is due). */
export interface WatchSession {
  run: Run;
  o: WatchOptions;
  targets: readonly ProjectionTarget[];
  io: WatchIo;
  loading: Progress;
  /** the live view's run while its models load (openingRun): run is its stand-in until then */
  opening?: Promise<Run>;
  /** opens it (the live view: once its first frame is drawn) */
  startOpening?: () => void;
  /** stops waiting for it (the live view closing) */
  abandonOpening?: () => void;
}

/**
 * A planned run as the view sees it while its models load: the plan's info (backend and parameters pending), lane
 * streams that wait for the run and then are its own, its judge once there. The run opens once start() is called
 * (the live view calls it after drawing its first frame, so that tfjs loads after the frame, not before) and one
 * turn of the event loop later; a failure to open fails every stream with it. abandon() (the view closing, q) ends
 * the streams still waiting at once.
 */
export function openingRun(
  plan: RunPlan,
  open: () => Promise<Run>,
): { run: Run; opening: Promise<Run>; start: () => void; abandon: () => void } {
  let abandon!: () => void;
  const abandoned = new Promise<null>((res) => (abandon = () => res(null)));
  let start!: () => void;
  const started = new Promise<void>((res) => (start = () => setImmediate(res)));
  const opening = started.then(open);
  // a failure is reported once, by the view (run-live.tsx), not as an unhandled rejection
  opening.catch(() => {});
  const run: Run = {
    info: plan.info,
    get ready() {
      return opening.then((r) => r.ready);
    },
    stream: (id) => waitingStream(opening, id, abandoned),
    decode: (ids) => plan.head.tokenizer.decode(ids),
    judge: async (last) => {
      const r = await opening;
      return r.judge ? r.judge(last) : null;
    },
    dispose: () =>
      void opening.then(
        (r) => r.dispose(),
        () => {},
      ),
  };
  return { run, opening, start, abandon };
}

/** A lane's stream once the run is open: closing it before (q while the models load) ends it at once, where an
 *  async generator would hold the close until the run opened and gave its first pass. */
function waitingStream(opening: Promise<Run>, id: LaneId, abandoned: Promise<null>): AsyncGenerator<StepEvent> {
  let inner: AsyncGenerator<StepEvent> | null = null;
  let ended = false;
  let end!: () => void;
  const ending = new Promise<null>((res) => (end = () => res(null)));
  const close = () => {
    ended = true;
    end();
  };
  const done = { done: true, value: undefined } as const;
  const g: AsyncGenerator<StepEvent> = {
    async next() {
      if (!inner) {
        const r = await Promise.race([opening, ending, abandoned]);
        if (ended || !r) return done;
        inner ??= r.stream(id);
      }
      return inner.next();
    },
    async return() {
      close();
      return inner ? inner.return(undefined) : done;
    },
    async throw(e: unknown) {
      close();
      if (inner) return inner.throw(e);
      throw e;
    },
    [Symbol.asyncIterator]: () => g,
  };
  return g;
}

import { progress } from './progress.js';
export { progress };

/**
 * stdout for pipes: a reader that goes away (`| head`) ends the output quietly instead of an EPIPE crash.
 * The listener stays: EPIPE of writes still in flight arrives after main() has returned.
 */
export function pipeOut(stream: NodeJS.WriteStream) {
  const out = {
    closed: false,
    write(s: string) {
      if (!out.closed) stream.write(s);
    },
  };
  // EPIPE: the reader left; any other error is reported by cli.ts's guard (commands/errors.ts guardStdio)
  stream.on('error', () => {
    out.closed = true;
  });
  return out;
}

/** A lane that failed fails the command (exit 1), after the other lanes have finished and been shown. */
export function laneErrors(results: readonly { label: string; error: string | null }[]): void {
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new RunError(failed.map((r) => `${r.label} lane failed: ${r.error}`).join('; '));
}
