// The default command: flags → DecodeConfig → createRun → one renderer (live Ink view, plain text, NDJSON, asciicast).
// Ink (and chalk inside it) is imported only after the colour decision: chalk fixes its colour level on import.
import { readFileSync } from 'node:fs';
import { nextSteps, type DecodeConfig, type EngineOptions } from '../engine/config.js';
import { Interrupted, RunError } from '../engine/io/errors.js';
import type { Run } from '../engine/run.js';
import type { ProjectionTarget } from '../engine/price/project.js';
import { formatBytesPerFlop } from '../render/format.js';
import { batchCycle, projectedMs, projectionTargets, targetLabel, targetRidge } from '../render/projection.js';
import { laneSources, Store } from '../render/store.js';
import { checkWritable } from '../engine/io/atomic-write.js';
import { visible } from '../engine/io/sanitize.js';
import { runCommand, STDIO, type CommandIO } from './errors.js';
import { HELP, parseWatchArgs, type WatchOptions } from './watch-flags.js';

export interface WatchIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Record<string, string | undefined>;
  /** the engine's entry point (tests pass a fake) */
  createRun?: (config: DecodeConfig, opts?: EngineOptions) => Promise<Run>;
}

/** hold after both lanes finish before --exit quits (screen ms) */
export const EXIT_HOLD_MS = 2000;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** the engine's entry point, imported only once a run is due (tfjs stays unloaded for --help and bad flags) */
async function loadCreateRun(io: Partial<WatchIo>): Promise<NonNullable<WatchIo['createRun']>> {
  return io.createRun ?? (await import('../engine/run.js')).createRun;
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
  const o = parseWatchArgs(argv, { stdoutIsTTY: Boolean(io.stdout.isTTY), stdinIsTTY: Boolean(io.stdin.isTTY), env: io.env });
  if (o.help) {
    io.stdout.write(HELP.replace(/^\n/, '') + '\n');
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
  const createRun = await loadCreateRun(io);
  const loading = progress(io.stderr, o.output === 'live' || o.output === 'record', 'loading the models');
  let run: Run;
  try {
    run = await createRun(o.config, { backend: o.backend, modelDir: o.modelDir, defaults: o.defaults });
  } catch (e) {
    loading.done();
    throw e;
  }
  if (o.output !== 'live') loading.done();
  if (run.info.config.length !== o.config.length)
    io.stderr.write(`dlm-watch: this model's context holds ${run.info.promptTokens + run.info.config.length} tokens: generating ${run.info.config.length} (--length sets it)\n`);
  try {
    const target = targets[0] ?? null;
    if (o.output === 'json' || o.output === 'plain') {
      const out = pipeOut(io.stdout);
      const results =
        o.output === 'json'
          ? await (await import('../render/ndjson.js')).writeNdjson(run, out, target)
          : await (await import('../render/plain.js')).writePlain(run, out, target, { explain: o.explain, color: o.color });
      if (!out.closed) laneErrors(results);
      return 0;
    }
    let pace = o.pace;
    if (o.output === 'record' && pace === 'time' && !target) {
      io.stderr.write('dlm-watch: --record with --no-projection uses --pace step (measured times differ run to run)\n');
      pace = 'step';
    }
    // everything the view loads comes before the store's first pull starts the engine's warm-up (run.ready), so
    // that the first frame is drawn before the warm-up's passes hold the event loop
    const localRoof = await localProfileRoof(io.env);
    const live = o.output === 'live' ? await import('../render/live/run-live.js') : null;
    const store = new Store(laneSources(run), {
      pace,
      delayMs: o.delayMs,
      exitHoldMs: o.output === 'record' || o.exit ? EXIT_HOLD_MS : null,
      // live: a frame that comes late (a long pass, a big screen to draw) takes the steps it owes, up to 8, so the
      // run keeps its pace; recordings step on their virtual clock, one step per frame at most
      ...(o.output === 'live' ? { maxStepsPerFrame: 8, stepBudgetMs: 150 } : {}),
      // --pace time: projected roofline ms on the current target (deterministic), else measured ms
      passMs: targets.length ? (e, i) => projectedMs(e, targets[i % targets.length]!) : undefined,
      hardwareCount: targets.length,
      hardwareName: (i) => (targets.length ? `${targetLabel(targets[i % targets.length]!)} · ridge ${formatBytesPerFlop(targetRidge(targets[i % targets.length]!))} B/F` : ''),
      batchCount: targets.length ? batchCycle(targets[0]!.batch).length : 0,
      batchName: (i) => (targets.length ? `batch ${batchCycle(targets[0]!.batch)[i]!}: sequences decoded together in the projection` : ''),
    });
    if (o.output === 'record') {
      const { writeCast } = await import('../render/cast.js');
      const rec = progress(io.stderr, true, `recording ${o.record}`);
      try {
        await writeCast(o.record!, { store, info: run.info, cols: o.cols, rows: o.rows, fps: o.fps, color: o.color, targets, explain: o.explain, ascii: o.ascii, localRoof, onProgress: (s) => rec.update(`${s.toFixed(1)} s of screen time`) });
      } finally {
        rec.done();
      }
      await store.close();
      // the recording ends when the run asks to exit, or at a cap (cast.ts) before it did
      const cut = store.getSnapshot().exitNow ? null : (await import('../render/cast.js')).CAST_CAPS;
      if (cut) io.stderr.write(`dlm-watch: the recording stopped at its cap (${cut}) before the run finished: the file holds the run up to there\n`);
      io.stderr.write(`dlm-watch: wrote ${visible(o.record!)} (${o.cols}×${o.rows}, ${(store.elapsedMs / 1000).toFixed(1)} s${cut ? ', cut at the cap' : ''})\n`);
    } else {
      const { runLive } = live!;
      loading.done();
      let current = run;
      // `s`: the next diffusion pass count, same models; every lane restarts on it
      const changeSteps = () => {
        if (!current.withConfig) return null;
        current = current.withConfig({ ...current.info.config, steps: nextSteps(current.info.config) });
        store.restartWith(laneSources(current));
        return current.info;
      };
      STDIO.viewOwnsSignals = true;
      let signal;
      try {
        signal = await runLive({ store, info: run.info, io, fps: o.fps, color: o.color, targets, changeSteps, explain: o.explain, ascii: o.ascii, localRoof });
      } finally {
        STDIO.viewOwnsSignals = false;
      }
      if (signal) throw new Interrupted(signal);
    }
    const snap = store.getSnapshot();
    laneErrors(run.info.lanes.map((l) => ({ label: l.label, error: snap.lanes[l.id]?.error ?? null })));
    return 0;
  } finally {
    loading.done();
    run.dispose();
  }
}

/** This machine's roof from a calibrate profile, when one exists (the chart falls back to the run's best passes). */
async function localProfileRoof(env: Record<string, string | undefined>): Promise<{ peakFlops: number; bandwidth: number } | null> {
  try {
    const { readProfile, hardwareFromProfile } = await import('../engine/price/hardware.js');
    const hw = hardwareFromProfile(readProfile(env as NodeJS.ProcessEnv));
    return { peakFlops: hw.peaks.fp32!, bandwidth: hw.bandwidth };
  } catch {
    return null;
  }
}

/** A one-line progress note on stderr (a terminal only) for waits over a second: what, and the seconds so far. */
export function progress(stderr: NodeJS.WriteStream, wanted: boolean, what: string) {
  const tty = wanted && Boolean(stderr.isTTY);
  const start = performance.now();
  let detail = '';
  let last = 0;
  let finished = false;
  const draw = () => {
    if (tty) stderr.write(`\r\x1b[2Kdlm-watch: ${what}… ${((performance.now() - start) / 1000).toFixed(1)} s${detail ? ` · ${detail}` : ''}`);
  };
  draw();
  const timer = tty ? setInterval(draw, 200) : null;
  return {
    update(d: string) {
      detail = d;
      if (performance.now() - last > 200) {
        last = performance.now();
        draw();
      }
    },
    done() {
      if (timer) clearInterval(timer);
      if (tty && !finished) stderr.write('\r\x1b[2K');
      finished = true;
    },
  };
}

/**
 * stdout for pipes: a reader that goes away (`| head`) ends the output quietly instead of an EPIPE crash.
 * The listener stays: EPIPE of writes still in flight arrives after main() has returned.
 */
function pipeOut(stream: NodeJS.WriteStream) {
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

/** What the command line asked for that this run will not do (said on stderr, never silently dropped). */
function warnings(o: WatchOptions): string[] {
  const w: string[] = [];
  if (o.unusedProjection) w.push(`--no-projection: ${o.unusedProjection.flags.join(', ')} checked but not used`);
  if (o.unusedView.length) w.push(`${o.unusedView.join(', ')} ${o.unusedView.length > 1 ? 'are' : 'is'} not used by ${o.output === 'live' ? 'the live view' : o.output === 'record' ? '--record' : o.output === 'json' ? '--json' : 'plain output'}`);
  return w;
}

/** A lane that failed fails the command (exit 1), after the other lanes have finished and been shown. */
function laneErrors(results: readonly { label: string; error: string | null }[]): void {
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new RunError(failed.map((r) => `${r.label} lane failed: ${r.error}`).join('; '));
}
