// The recorded entry point: the live view's frames on a virtual clock, written as an asciicast v2 file.
import { visible } from '../engine/io/sanitize.js';
import type { WatchSession } from './watch-io.js';
import { laneErrors, progress } from './watch-io.js';
import { localProfileRoof, watchStore } from './watch-store.js';

export async function watchRecorded({ run, o, targets, io, loading }: WatchSession): Promise<number> {
  loading.done();
  let pace = o.pace;
  if (pace === 'time' && !targets.length) {
    io.stderr.write('dlm-watch: --record with --no-projection uses --pace step (measured times differ run to run)\n');
    pace = 'step';
  }
  const localRoof = await localProfileRoof(io.env);
  const store = watchStore(run, o, targets, pace);
  const { writeCast, CAST_CAPS } = await import('../render/cast.js');
  const rec = progress(io.stderr, true, `recording ${o.record}`);
  try {
    await writeCast(o.record!, {
      store,
      info: run.info,
      cols: o.cols,
      rows: o.rows,
      fps: o.fps,
      color: o.color,
      targets,
      explain: o.explain,
      ascii: o.ascii,
      localRoof,
      onProgress: (s) => rec.update(`${s.toFixed(1)} s of screen time`),
    });
  } finally {
    rec.done();
  }
  await store.close();
  // the recording ends when the run asks to exit, or at a cap (cast.ts) before it did
  const cut = store.getSnapshot().exitNow ? null : CAST_CAPS;
  if (cut)
    io.stderr.write(
      `dlm-watch: the recording stopped at its cap (${cut}) before the run finished: the file holds the run up to there\n`,
    );
  io.stderr.write(
    `dlm-watch: wrote ${visible(o.record!)} (${o.cols}×${o.rows}, ${(store.elapsedMs / 1000).toFixed(1)} s${cut ? ', cut at the cap' : ''})\n`,
  );
  const snap = store.getSnapshot();
  laneErrors(run.info.lanes.map((l) => ({ label: l.label, error: snap.lanes[l.id]?.error ?? null })));
  return 0;
}
