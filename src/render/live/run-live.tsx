// Mount the live view and wait for it to quit. The terminal is restored (cursor, raw mode) on every way out:
// q, Ctrl-C, --exit, SIGINT/SIGTERM/SIGHUP, or an error while rendering.
import { render } from 'ink';
import type { Signal } from '../../engine/io/errors.js';
import type { RunInfo } from '../../engine/run.js';
import type { ProjectionTarget } from '../../engine/price/project.js';
import type { Store } from '../store.js';
import { App } from './App.js';
import { stopJob } from './suspend.js';
import type { LocalRoof } from './Chart.js';

export interface LiveOptions {
  store: Store;
  info: RunInfo;
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; stdin: NodeJS.ReadStream };
  fps: number;
  color: boolean;
  targets: readonly ProjectionTarget[];
  changeSteps?: () => { info: RunInfo; said: string } | null;
  explain?: boolean;
  ascii?: boolean;
  localRoof?: LocalRoof | null;
  /** the run's info once its models are open, when the view is drawn before (info is then the plan's); if it
   *  fails, the view closes and runLive throws its error */
  opening?: Promise<RunInfo>;
  /** called as the view closes, before its store is: a run still opening is no longer waited for */
  closing?: () => void;
}

const SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Returns the signal that ended the view (the command reports it as Interrupted), else null. */
export async function runLive(o: LiveOptions): Promise<Signal | null> {
  let signal: Signal | null = null;
  const stdin = o.io.stdin;
  const tty = stdin.isTTY && typeof stdin.setRawMode === 'function';
  // Ctrl-Z arrives as a key in raw mode, SIGTSTP from outside (kill -TSTP) as a signal: either way give the terminal
  // back (cooked mode, cursor), then stop for real (suspend.ts: the npm parent too under npx)
  const onSuspend = () => {
    if (tty) stdin.setRawMode(false);
    if (o.io.stdout.isTTY) o.io.stdout.write('\x1b[?25h');
    stopJob();
  };
  process.on('SIGTSTP', onSuspend);
  // after `fg` the shell has put the terminal back in cooked mode while libuv still believes it raw (and skips a
  // second setRawMode(true)): toggle it so that keys work again, and hide the cursor again
  const onContinue = () => {
    if (tty) {
      stdin.setRawMode(false);
      stdin.setRawMode(true);
    }
    if (o.io.stdout.isTTY) o.io.stdout.write('\x1b[?25l\x1b[2J');
  };
  process.on('SIGCONT', onContinue);
  const instance = render(
    <App
      store={o.store}
      info={o.info}
      fps={o.fps}
      color={o.color}
      targets={o.targets}
      changeSteps={o.changeSteps}
      onSuspend={onSuspend}
      explain={o.explain}
      ascii={o.ascii}
      localRoof={o.localRoof}
      opening={o.opening}
    />,
    {
      stdout: o.io.stdout,
      stdin: o.io.stdin,
      stderr: o.io.stderr,
      exitOnCtrlC: false,
      // a full frame of braille and box glyphs costs Ink tens of ms to lay out and style: draw at most 12 per second
      // (the store still steps on its own clock, so the pace holds)
      maxFps: Math.min(o.fps, 12),
    },
  );
  let failed: { error: unknown } | null = null;
  o.opening?.catch((error: unknown) => {
    failed = { error };
    instance.unmount();
  });
  const handlers = SIGNALS.map((sig) => {
    const h = () => {
      signal = sig;
      instance.unmount();
    };
    process.once(sig, h);
    return [sig, h] as const;
  });
  try {
    await instance.waitUntilExit();
  } finally {
    o.closing?.();
    for (const [sig, h] of handlers) process.off(sig, h);
    process.off('SIGCONT', onContinue);
    process.off('SIGTSTP', onSuspend);
    await o.store.close();
    if (o.io.stdin.isTTY && typeof o.io.stdin.setRawMode === 'function') o.io.stdin.setRawMode(false);
    if (o.io.stdout.isTTY) o.io.stdout.write('\x1b[?25h');
  }
  // the models could not open (a bad weights file, a backend that does not start): said once, as the command's error
  if (failed) throw (failed as { error: unknown }).error;
  return signal;
}
