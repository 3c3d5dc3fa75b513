// The live view: drives the store at a fixed frame rate, reads its snapshot, maps keys to store controls.
// Input is only attached when stdin is a TTY with raw mode (useInput throws without it).
import { useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { RunInfo } from '../../engine/run.js';
import type { ProjectionTarget } from '../../engine/project.js';
import type { Store } from '../store.js';
import { keyAction, type Action } from './keys.js';
import { Screen } from './Screen.js';

export interface AppProps {
  store: Store;
  info: RunInfo;
  fps: number;
  color: boolean;
  /** projection targets `h` cycles through (empty: none) */
  targets: readonly ProjectionTarget[];
  /** fixed size (tests); default: the terminal's, following resizes */
  size?: { cols: number; rows: number };
  /** drive the store from a timer (false in tests that call store.frame themselves) */
  clock?: boolean;
  onQuit?: () => void;
}

/** longest dt one frame may advance the clocks: a pass that blocks the loop must not make the view jump */
const MAX_DT_MS = 250;

function Keys({ onAction }: { onAction: (a: Action) => void }) {
  useInput((input, key) => {
    const a = keyAction(input, key);
    if (a) onAction(a);
  });
  return null;
}

function useTerminalSize(fixed?: { cols: number; rows: number }) {
  const { stdout } = useStdout();
  const read = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

export function App(p: AppProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const snap = useSyncExternalStore(p.store.subscribe, p.store.getSnapshot);
  const size = useTerminalSize(p.size);

  useEffect(() => {
    if (p.clock === false) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const dt = Math.min(MAX_DT_MS, now - last);
      last = now;
      void p.store.frame(dt);
    }, 1000 / p.fps);
    return () => clearInterval(timer);
  }, [p.store, p.fps, p.clock]);

  const quit = () => {
    p.onQuit?.();
    exit();
  };

  useEffect(() => {
    if (snap.exitNow) quit();
  }, [snap.exitNow]);

  const onAction = (a: Action) => {
    const s = p.store;
    if (a === 'quit') quit();
    else if (a === 'pause') s.togglePause();
    else if (a === 'step') s.stepOnce();
    else if (a === 'faster') s.faster();
    else if (a === 'slower') s.slower();
    else if (a === 'restart') s.restart();
    else if (a === 'guesses') s.toggleGuesses();
    else if (a === 'hardware') s.cycleHardware();
    else if (a === 'batch') s.cycleBatch();
    else if (a === 'help') s.toggleHelp();
  };

  return (
    <>
      {isRawModeSupported ? <Keys onAction={onAction} /> : null}
      <Screen snap={snap} info={p.info} cols={size.cols} rows={size.rows} color={p.color} showWallMs targets={p.targets} />
    </>
  );
}
