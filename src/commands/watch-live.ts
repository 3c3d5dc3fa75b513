// The interactive entry point: the Ink view on the terminal until q, --exit or a signal.
import { setFlagsFromString } from 'node:v8';
import { cyclingLane } from '../engine/lanes.js';
import { Interrupted } from '../engine/io/errors.js';
import { STDIO } from './errors.js';
import type { WatchSession } from './watch-io.js';
import { laneErrors } from './watch-io.js';
import { localProfileRoof, watchStore } from './watch-store.js';
import { laneSources } from '../render/store.js';

/** V8's heap held small for the view: it draws up to 12 frames a second for minutes, each frame garbage, and V8 by
 *  default lets the young generation grow to 16 MB per semi-space and the old one to several times what lives (about
 *  35 MB here), so the heap reached 90–160 MB. Young generation kept at its first size, old one grown by little: the
 *  view's peak RSS drops by about 90 MB (bench/startup.ts), for more frequent, shorter collections. */
export const LIVE_V8_FLAGS = ['--semi-space-growth-factor=1', '--optimize-for-size'] as const;

export async function watchLive({
  run,
  o,
  targets,
  io,
  loading,
  opening,
  startOpening,
  abandonOpening,
}: WatchSession): Promise<number> {
  // everything the view loads comes before the store's first pull starts the engine's warm-up (run.ready), so
  // that the first frame is drawn before the warm-up's passes hold the event loop
  const localRoof = await localProfileRoof(io.env);
  const { runLive } = await import('../render/live/run-live.js');
  const store = watchStore(run, o, targets, o.pace);
  loading.done();
  let current = run;
  // a run drawn while its models load changes its pass count once it is open
  // (a failure to open is runLive's to report)
  opening?.then(
    (r) => {
      if (current === run) current = r;
    },
    () => {},
  );
  // `s`: the next setting of the lane that cycles one (diffusion's pass count), same models; every lane restarts on it
  const cycling = cyclingLane(run.info.lanes.map((l) => l.id));
  const changeSteps = () => {
    if (!current.withConfig || !cycling?.cycle) return null;
    current = current.withConfig(cycling.cycle.next(current.info.config));
    store.restartWith(laneSources(current));
    return { info: current.info, said: cycling.cycle.said(current.info.config) };
  };
  STDIO.viewOwnsSignals = true;
  let signal;
  try {
    // runLive draws the first frame before its first await: the models start loading after it
    const viewing = runLive({
      store,
      info: run.info,
      io,
      fps: o.fps,
      color: o.color,
      targets,
      changeSteps,
      explain: o.explain,
      ascii: o.ascii,
      localRoof,
      ...(opening ? { opening: opening.then((r) => r.info), closing: abandonOpening } : {}),
    });
    // after the first frame: held small while it is drawn, the young generation would only collect more often
    for (const f of LIVE_V8_FLAGS) setFlagsFromString(f);
    startOpening?.();
    signal = await viewing;
  } finally {
    STDIO.viewOwnsSignals = false;
  }
  if (signal) throw new Interrupted(signal);
  const snap = store.getSnapshot();
  laneErrors(run.info.lanes.map((l) => ({ label: l.label, error: snap.lanes[l.id]?.error ?? null })));
  return 0;
}
