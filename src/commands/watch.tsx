// The default command: flags → DecodeConfig → createRun → one of three entry points (gemini-cli's non-interactive /
// interactive split): piped (plain text or NDJSON, watch-piped.ts), recorded (asciicast, watch-recorded.ts) or live
// (the Ink view, watch-live.ts). Ink (and chalk inside it) is imported only after the colour decision: chalk fixes
// its colour level on import.
import { readFileSync } from 'node:fs';
import { checkWritable } from '../engine/io/atomic-write.js';
import type { Run, RunInfo } from '../engine/run.js';
import { projectionTargets } from '../render/projection.js';
import { runCommand, type CommandIO } from './errors.js';
import { parseWatchArgs, type WatchOptions } from './watch-flags.js';
import { openingRun, progress, type WatchIo, type WatchSession } from './watch-io.js';
import { watchLive } from './watch-live.js';
import { watchPiped } from './watch-piped.js';
import { watchRecorded } from './watch-recorded.js';

export type { WatchIo } from './watch-io.js';
export { progress } from './watch-io.js';
export { EXIT_HOLD_MS } from './watch-store.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function main(argv: string[], ioIn: Partial<WatchIo> = {}): Promise<number> {
  const io: WatchIo = {
    stdout: ioIn.stdout ?? process.stdout,
    stderr: ioIn.stderr ?? process.stderr,
    stdin: ioIn.stdin ?? process.stdin,
    env: ioIn.env ?? process.env,
    createRun: ioIn.createRun,
  };
  const cio: CommandIO = { out: (s) => void io.stdout.write(s), err: (s) => void io.stderr.write(s), env: io.env };
  return runCommand(null, () => watch(argv, io), cio);
}

/** The command's body: every failure is thrown (typed, src/engine/io/errors.ts) and reported by runCommand. */
async function watch(argv: string[], io: WatchIo): Promise<number> {
  const o = parseWatchArgs(argv, {
    stdoutIsTTY: Boolean(io.stdout.isTTY),
    // --help folds to a terminal's width (a pipe gets it as written)
    ...(io.stdout.isTTY && io.stdout.columns ? { columns: io.stdout.columns } : {}),
    stdinIsTTY: Boolean(io.stdin.isTTY),
    env: io.env,
  });
  if (o.help) {
    io.stdout.write(o.helpText.replace(/^\n/, '') + '\n');
    return 0;
  }
  if (o.version) {
    io.stdout.write(version() + '\n');
    return 0;
  }
  // a recording is byte-identical only with a fixed colour level: set it before chalk loads
  if (o.output === 'record' && io.env === process.env) process.env.FORCE_COLOR = o.color ? '1' : '0';
  // React's development build costs the view several times more per frame; set before React loads
  if (io.env === process.env) process.env.NODE_ENV ??= 'production';

  // projection flags first: a bad --hardware should not wait for the model to load (nor does --no-projection skip it)
  const targets = o.target ? await projectionTargets(o.target) : [];
  if (o.unusedProjection) await (await import('../engine/price/project.js')).selectTarget(o.unusedProjection.options);
  // an output file that cannot be written should not wait for the run either
  if (o.output === 'record') checkWritable(o.record!, 'recording');
  for (const w of warnings(o)) io.stderr.write(`dlm-watch: ${w}\n`);
  // a run priced on --hardware local takes the threads its calibration measured on, unless told (--threads,
  // DLM_WATCH_THREADS): a probe seconds later may find the second core busy, and a profile of two threads would then
  // price a one-thread run's passes at half their time
  const calibrated = targets.find((t) => t.roofline.threads)?.roofline.threads;
  const s = await openRun(o, io, io.env.DLM_WATCH_THREADS ? undefined : calibrated);
  try {
    const session: WatchSession = { ...s, o, targets, io };
    return await (o.output === 'live' ? watchLive : o.output === 'record' ? watchRecorded : watchPiped)(session);
  } finally {
    s.loading.done();
    s.run.dispose();
  }
}

/** Load the models (a progress note on a terminal for the views; the live view clears it when it starts). The live
 *  view plans the run instead (folder and flags checked, no tfjs, no weights) and draws it while the models load. */
async function openRun(
  o: WatchOptions,
  io: WatchIo,
  calibratedThreads?: number,
): Promise<Pick<WatchSession, 'run' | 'loading' | 'opening' | 'startOpening' | 'abandonOpening'>> {
  const threads = o.threads ?? calibratedThreads;
  const opts = {
    backend: o.backend,
    modelDir: o.modelDir,
    defaults: o.defaults,
    ...(threads ? { threads } : {}),
    ...(o.lanes ? { lanes: o.lanes } : {}),
  };
  if (o.output === 'live' && !io.createRun) {
    // the engine's entry point loads no tfjs by itself: planning takes milliseconds
    const { openPlan, planRun } = await import('../engine/run.js');
    const plan = planRun(o.config, opts);
    lengthNote(o, plan.info, io);
    const { run, opening, start, abandon } = openingRun(plan, () => openPlan(plan, opts));
    return { run, opening, startOpening: start, abandonOpening: abandon, loading: progress(io.stderr, false, '') };
  }
  // the engine's entry point, imported only once a run is due (tfjs stays unloaded for --help and bad flags)
  const createRun = io.createRun ?? (await import('../engine/run.js')).createRun;
  const loading = progress(io.stderr, o.output === 'live' || o.output === 'record', 'loading the models');
  let run: Run;
  try {
    run = await createRun(o.config, opts);
  } catch (e) {
    loading.done();
    throw e;
  }
  if (o.output !== 'live') loading.done();
  lengthNote(o, run.info, io);
  return { run, loading };
}

/** Said when the model's context cut the default length. */
function lengthNote(o: WatchOptions, info: RunInfo, io: WatchIo): void {
  if (info.config.length !== o.config.length)
    io.stderr.write(
      `dlm-watch: this model's context holds ${info.promptTokens + info.config.length} tokens: generating ${info.config.length} (--length sets it)\n`,
    );
}

/** What the command line asked for that this run will not do (said on stderr, never silently dropped). */
function warnings(o: WatchOptions): string[] {
  const w: string[] = [];
  if (o.unusedProjection) w.push(`--no-projection: ${o.unusedProjection.flags.join(', ')} checked but not used`);
  if (o.unusedView.length)
    w.push(
      `${o.unusedView.join(', ')} ${o.unusedView.length > 1 ? 'are' : 'is'} not used by ${o.output === 'live' ? 'the live view' : o.output === 'record' ? '--record' : o.output === 'json' ? '--json' : 'plain output'}`,
    );
  return w;
}
