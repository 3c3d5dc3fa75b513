// The non-interactive entry point: the whole run written to stdout as plain text or NDJSON, lane after lane.
import type { WatchSession } from './watch-io.js';
import { laneErrors, pipeOut } from './watch-io.js';

export async function watchPiped({ run, o, targets, io, loading }: WatchSession): Promise<number> {
  loading.done();
  const target = targets[0] ?? null;
  const out = pipeOut(io.stdout);
  const results =
    o.output === 'json'
      ? await (await import('../render/ndjson.js')).writeNdjson(run, out, target)
      : await (await import('../render/plain.js')).writePlain(run, out, target, { explain: o.explain, color: o.color });
  // a reader that went away (| head) asked for no more: nothing to report
  if (!out.closed) laneErrors(results);
  return 0;
}
