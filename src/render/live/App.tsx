// The live view: drives the store at a fixed frame rate, reads its snapshot, maps keys to store controls.
// Input is only attached when stdin is a TTY with raw mode (useInput throws without it).
import { useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RunInfo } from '../../engine/run.js';
import type { ProjectionTarget } from '../../engine/price/project.js';
import type { Store } from '../store.js';
import type { LocalRoof } from './Chart.js';
import { keyActions, type Action } from './keys.js';
import { Screen, setPace } from './Screen.js';

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
  /** `s`: the next setting of the lane that cycles one (LaneSpec.cycle: diffusion's pass count); restarts the store
   *  on it and returns the new run's info and what to say (null: cannot) */
  changeSteps?: () => { info: RunInfo; said: string } | null;
  /** Ctrl-Z: give the terminal back and stop the process (run-live.tsx) */
  onSuspend?: () => void;
  explain?: boolean;
  ascii?: boolean;
  localRoof?: LocalRoof | null;
  /** the run's info once its models are open (the view is drawn with the plan's before) */
  opening?: Promise<RunInfo>;
}

/** longest dt one frame may advance the clocks: a pass that blocks the loop must not make the view jump */
const MAX_DT_MS = 250;

function Keys({ onAction }: { onAction: (a: Action) => void }) {
  useInput((input, key) => {
    for (const a of keyActions(input, key)) onAction(a);
  });
  return null;
}

/** (screen time ms, passes so far) at each step the view drew */
export type PaceSample = [number, number];

/** The samples after a snapshot with `ticks` passes shown: a pause (or a restart) starts the measure again, since the
 *  paused interval is no step; a new step adds (now, ticks), the last 16 kept (a frame may take several steps). */
export function nextPaceSamples(s: readonly PaceSample[], ticks: number, paused: boolean, now: number): PaceSample[] {
  if (paused || ticks === 0) return [];
  const kept = s.length && ticks < s[s.length - 1]![1] ? [] : [...s];
  if (!kept.length || ticks > kept[kept.length - 1]![1]) return [...kept.slice(-15), [now, ticks]];
  return kept;
}

/** Screen ms per step as really taken (passes that take longer than --delay slow the view down): (t1 − t0)/(n1 − n0)
 *  over the samples, shown when it differs from the set pace by more than 15 %; else the set pace. */
export function measuredPace(s: readonly PaceSample[], snap: ReturnType<Store['getSnapshot']>): string {
  const set = setPace(snap);
  if (snap.pace !== 'step' || snap.paused || snap.finished || s.length < 4) return set;
  const [t0, n0] = s[0]!,
    [t1, n1] = s[s.length - 1]!;
  const real = (t1 - t0) / (n1 - n0);
  const wanted = snap.delayMs / snap.speed;
  return Math.abs(real / wanted - 1) > 0.15
    ? `${Math.round(real)} ms/pass (set ${Math.round(wanted)}: passes take longer)`
    : set;
}

function usePaceLabel(snap: ReturnType<Store['getSnapshot']>): string {
  const samples = useRef<PaceSample[]>([]);
  const ticks = Math.max(0, ...Object.values(snap.lanes).map((l) => l.totals.passes));
  useEffect(() => {
    samples.current = nextPaceSamples(samples.current, ticks, snap.paused, performance.now());
  }, [ticks, snap.paused]);
  return measuredPace(samples.current, snap);
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
  const [info, setInfo] = useState(p.info);
  const paceLabel = usePaceLabel(snap);
  useEffect(() => {
    p.opening?.then(setInfo, () => {});
  }, [p.opening]);

  useEffect(() => {
    if (p.clock === false) return;
    let last = performance.now();
    // screen time that passed while a frame was still pulling is owed to the next frame, not lost
    let owed = 0;
    let inFlight = false;
    const timer = setInterval(() => {
      const now = performance.now();
      const dt = now - last;
      last = now;
      if (inFlight) {
        owed += dt;
        return;
      }
      inFlight = true;
      const d = Math.min(MAX_DT_MS, dt + owed);
      owed = 0;
      void p.store.frame(d).finally(() => {
        inFlight = false;
      });
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
    else if (a === 'restart') s.again();
    else if (a === 'guesses') s.toggleGuesses();
    else if (a === 'hardware') s.cycleHardware();
    else if (a === 'batch') s.cycleBatch();
    else if (a === 'help') s.toggleHelp();
    else if (a === 'close') {
      if (s.getSnapshot().help) s.toggleHelp();
    } else if (a === 'steps') {
      const next = p.changeSteps?.();
      if (next) {
        setInfo(next.info);
        s.say(next.said);
      } else s.say('this run cannot change its pass count');
    } else if (a === 'suspend') p.onSuspend?.();
  };

  return (
    <>
      {isRawModeSupported ? <Keys onAction={onAction} /> : null}
      <Screen
        snap={snap}
        info={info}
        cols={size.cols}
        rows={size.rows}
        color={p.color}
        showWallMs
        targets={p.targets}
        explain={p.explain}
        ascii={p.ascii}
        paceLabel={paceLabel}
        localRoof={p.localRoof}
      />
    </>
  );
}
