// The default command: flags → DecodeConfig → createRun → one renderer (live Ink view, plain text, NDJSON, asciicast).
// Ink (and chalk inside it) is imported only after the colour decision: chalk fixes its colour level on import.
import { readFileSync } from 'node:fs';
import type { DecodeConfig, EngineOptions } from '../engine/config.js';
import { UsageError } from '../engine/config.js';
import type { Run } from '../engine/run.js';
import { HELP, parseWatchArgs, type WatchOptions } from '../render/flags.js';
import type { ProjectionTarget } from '../engine/project.js';
import { formatBytesPerFlop } from '../render/format.js';
import { batchCycle, projectedMs, projectionTargets, targetLabel, targetRidge } from '../render/projection.js';
import { Store } from '../render/store.js';

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

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

async function loadCreateRun(io: Partial<WatchIo>): Promise<NonNullable<WatchIo['createRun']>> {
  if (io.createRun) return io.createRun;
  const mod = (await import('../engine/run.js')) as { createRun?: WatchIo['createRun'] };
  if (typeof mod.createRun !== 'function') throw new Error('the engine (src/engine/run.ts createRun) is not built yet');
  return mod.createRun;
}

export async function main(argv: string[], ioIn: Partial<WatchIo> = {}): Promise<number> {
  const io: WatchIo = {
    stdout: ioIn.stdout ?? process.stdout,
    stderr: ioIn.stderr ?? process.stderr,
    stdin: ioIn.stdin ?? process.stdin,
    env: ioIn.env ?? process.env,
    createRun: ioIn.createRun,
  };
  const fail = (msg: string, code: number) => {
    io.stderr.write(`dlm-watch: ${msg}\n`);
    return code;
  };

  let o: WatchOptions;
  try {
    o = parseWatchArgs(argv, { stdoutIsTTY: Boolean(io.stdout.isTTY), stdinIsTTY: Boolean(io.stdin.isTTY), env: io.env });
  } catch (err) {
    return fail(oneLine(err), err instanceof UsageError ? 2 : 1);
  }
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

  let run: Run;
  let targets: ProjectionTarget[];
  try {
    // projection flags first: a bad --hardware should not wait for the model to load
    targets = o.target ? await projectionTargets(o.target) : [];
    const createRun = await loadCreateRun(ioIn);
    run = await createRun(o.config, { backend: o.backend, modelDir: o.modelDir });
  } catch (err) {
    return fail(oneLine(err), err instanceof UsageError ? 2 : 1);
  }

  try {
    const target = targets[0] ?? null;
    if (o.output === 'json' || o.output === 'plain') {
      const out = pipeOut(io.stdout);
      const results =
        o.output === 'json'
          ? await (await import('../render/ndjson.js')).writeNdjson(run, out, target)
          : await (await import('../render/plain.js')).writePlain(run, out, target);
      return out.closed ? 0 : reportErrors(results, io);
    }
    let pace = o.pace;
    if (o.output === 'record' && pace === 'time' && !target) {
      io.stderr.write('dlm-watch: --record with --no-projection uses --pace step (measured times differ run to run)\n');
      pace = 'step';
    }
    const store = new Store(
      { ar: () => run.ar(), diffusion: () => run.diffusion() },
      {
        pace,
        delayMs: o.delayMs,
        exitHoldMs: o.output === 'record' || o.exit ? EXIT_HOLD_MS : null,
        // --pace time: projected roofline ms on the current target (deterministic), else measured ms
        passMs: targets.length ? (e, i) => projectedMs(e, targets[i % targets.length]!) : undefined,
        hardwareCount: targets.length,
        hardwareName: (i) => (targets.length ? `${targetLabel(targets[i % targets.length]!)} · ridge ${formatBytesPerFlop(targetRidge(targets[i % targets.length]!))} B/F` : ''),
        batchCount: targets.length ? batchCycle(targets[0]!.batch).length : 0,
        batchName: (i) => (targets.length ? `batch ${batchCycle(targets[0]!.batch)[i]!}: sequences decoded together in the projection` : ''),
      },
    );
    if (o.output === 'record') {
      const { writeCast } = await import('../render/cast.js');
      await writeCast(o.record!, { store, info: run.info, cols: o.cols, rows: o.rows, fps: o.fps, color: o.color, targets });
      await store.close();
      io.stderr.write(`dlm-watch: wrote ${o.record} (${o.cols}×${o.rows}, ${(store.elapsedMs / 1000).toFixed(1)} s)\n`);
      return laneErrors(store.getSnapshot(), io);
    }
    const { runLive } = await import('../render/live/run-live.js');
    const signal = await runLive({ store, info: run.info, io, fps: o.fps, color: o.color, targets });
    return signal ?? laneErrors(store.getSnapshot(), io);
  } catch (err) {
    return fail(oneLine(err), err instanceof UsageError ? 2 : 1);
  } finally {
    run.dispose();
  }
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
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') out.closed = true;
    else throw err;
  });
  return out;
}

function reportErrors(results: { lane: string; error: string | null }[], io: WatchIo): number {
  let code = 0;
  for (const r of results) {
    if (r.error) {
      io.stderr.write(`dlm-watch: ${r.lane} lane failed: ${r.error}\n`);
      code = 1;
    }
  }
  return code;
}

function laneErrors(snap: ReturnType<Store['getSnapshot']>, io: WatchIo): number {
  return reportErrors(
    Object.values(snap.lanes).map((l) => ({ lane: l.id, error: l.error })),
    io,
  );
}
