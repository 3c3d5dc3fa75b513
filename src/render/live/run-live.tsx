// Mount the live view and wait for it to quit. The terminal is restored (cursor, raw mode) on every way out:
// q, Ctrl-C, --exit, SIGINT/SIGTERM/SIGHUP, or an error while rendering.
import { render } from 'ink';
import type { Signal } from '../../engine/errors.js';
import type { RunInfo } from '../../engine/run.js';
import type { ProjectionTarget } from '../../engine/project.js';
import type { Store } from '../store.js';
import { App } from './App.js';

export interface LiveOptions {
  store: Store;
  info: RunInfo;
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; stdin: NodeJS.ReadStream };
  fps: number;
  color: boolean;
  targets: readonly ProjectionTarget[];
}

const SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Returns the signal that ended the view (the command reports it as Interrupted), else null. */
export async function runLive(o: LiveOptions): Promise<Signal | null> {
  let signal: Signal | null = null;
  const instance = render(<App store={o.store} info={o.info} fps={o.fps} color={o.color} targets={o.targets} />, {
    stdout: o.io.stdout,
    stdin: o.io.stdin,
    stderr: o.io.stderr,
    exitOnCtrlC: false,
    maxFps: o.fps,
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
    for (const [sig, h] of handlers) process.off(sig, h);
    await o.store.close();
    if (o.io.stdin.isTTY && typeof o.io.stdin.setRawMode === 'function') o.io.stdin.setRawMode(false);
    if (o.io.stdout.isTTY) o.io.stdout.write('\x1b[?25h');
  }
  return signal;
}
