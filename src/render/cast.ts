// asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line, then [time, "o", data] lines.
// Frames come from the same Screen the live view draws, rendered to a string at the recording's size, on a
// virtual clock (frame i at i/fps s): the same seed and size give a byte-identical file. Measured milliseconds
// are hidden in recordings (they differ run to run); no wall-clock timestamp goes into the header.
import { writeFileAtomic } from '../engine/io/atomic-write.js';
import { safeJson, visible } from '../engine/io/sanitize.js';
import { renderToString } from 'ink';
import { createElement } from 'react';
import { passMarker } from '../engine/lanes.js';
import type { RunInfo } from '../engine/run.js';
import { Screen } from './live/Screen.js';
import type { ProjectionTarget } from '../engine/price/project.js';
import type { Snapshot, Store } from './store.js';
import type { LocalRoof } from './live/Chart.js';

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  title?: string;
  env?: Record<string, string>;
}

/** Collects asciicast v2 lines; times in seconds, rounded to the microsecond so floats print the same everywhere. */
export class CastWriter {
  private lines: string[];
  /** characters so far (the size cap) */
  bytes = 0;
  constructor(header: CastHeader) {
    this.lines = [safeJson(header)];
  }
  output(seconds: number, data: string): void {
    this.lines.push(safeJson([Math.round(seconds * 1e6) / 1e6, 'o', data]));
    this.bytes += this.lines[this.lines.length - 1]!.length + 1;
  }
  /** a marker (asciinema play pauses or jumps there): block boundaries, speculative verify rounds */
  marker(seconds: number, label: string): void {
    this.lines.push(JSON.stringify([Math.round(seconds * 1e6) / 1e6, 'm', label]));
  }
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

const ESC = '\x1b[';
/** hide the cursor, clear the screen */
export const CAST_START = `${ESC}?25l${ESC}2J`;
/** after the last frame: cursor below it, visible again */
export const CAST_END = `\r\n${ESC}?25h`;

/** A frame as terminal output: cursor home, each line then erase-to-end-of-line, erase below. */
export function frameBytes(frame: string): string {
  return (
    `${ESC}H` +
    frame
      .split('\n')
      .map((l) => `${l}${ESC}K`)
      .join('\r\n') +
    `${ESC}J`
  );
}

export interface RecordOptions {
  store: Store;
  info: RunInfo;
  cols: number;
  rows: number;
  fps: number;
  color: boolean;
  targets: readonly ProjectionTarget[];
  /** safety stop: at most this many seconds of recording */
  maxSeconds?: number;
  explain?: boolean;
  ascii?: boolean;
  localRoof?: LocalRoof | null;
  /** called after every frame with the seconds recorded so far (progress on stderr) */
  onProgress?: (seconds: number) => void;
}

/** Markers for what a snapshot shows that the previous one did not, in each lane's words (LaneSpec.marker: a
 *  diffusion block starting, a verify round). */
export function snapshotMarkers(prev: Snapshot | null, snap: Snapshot, info: RunInfo): string[] {
  const out: string[] = [];
  for (const l of info.lanes) {
    const e = snap.lanes[l.id]?.event;
    const before = prev?.lanes[l.id]?.event ?? null;
    if (!e || e === before) continue;
    const m = passMarker(e, before, l.label);
    if (m) out.push(m);
  }
  // where each lane finishes: the race's finishing order, jumpable in a player
  for (const l of info.lanes) if (snap.lanes[l.id]?.done && !prev?.lanes[l.id]?.done) out.push(`${l.label}: finished`);
  return out;
}

/** A recording's caps: its length in seconds (RecordOptions.maxSeconds) and its size. */
export const MAX_CAST_SECONDS = 600;
export const MAX_CAST_CHARS = 64 * 1024 * 1024;
/** the caps in words, for the warning when one cut a recording */
export const CAST_CAPS = `${MAX_CAST_SECONDS} s of screen time or ${MAX_CAST_CHARS / 1024 / 1024} MiB`;

/** Drive the store on the virtual clock until it asks to exit; returns the cast text. */
export async function recordCast(o: RecordOptions): Promise<string> {
  return (await recordCastCapped(o)).text;
}

/** The cast text, and which cap cut it short (null when the run finished inside both). */
export async function recordCastCapped(o: RecordOptions): Promise<{ text: string; cut: string | null }> {
  const cast = new CastWriter({
    version: 2,
    width: o.cols,
    height: o.rows,
    // the prompt is outside input: a player may hand the title to the terminal
    title: `dlm-watch ${visible(o.info.config.prompt)}`,
    env: { TERM: 'xterm-256color' },
  });
  const dt = 1000 / o.fps;
  const maxSeconds = o.maxSeconds ?? MAX_CAST_SECONDS;
  const maxFrames = Math.ceil((maxSeconds * 1000) / dt);
  let cut: string | null = null;
  let previous = '';
  let previousSnap: Snapshot | null = null;
  let i = 0;
  let yielded = performance.now();
  for (; ; i++) {
    // drawing frames settles only promises: give the event loop a turn every 50 ms, so that a SIGINT/SIGTERM is
    // handled while the recording computes (and the old file stays), not after it was written
    if (performance.now() - yielded > 50) {
      await new Promise((r) => setImmediate(r));
      yielded = performance.now();
    }
    if (i > maxFrames) {
      cut = `${maxSeconds} s`;
      break;
    }
    if (cast.bytes > MAX_CAST_CHARS) {
      cut = `${MAX_CAST_CHARS / 1024 / 1024} MiB`;
      break;
    }
    if (i > 0) await o.store.frame(dt);
    o.onProgress?.((i * dt) / 1000);
    const snap = o.store.getSnapshot();
    if (snap.exitNow) break;
    if (snap === previousSnap) continue; // nothing changed: no frame to draw
    for (const m of snapshotMarkers(previousSnap, snap, o.info)) cast.marker((i * dt) / 1000, m);
    previousSnap = snap;
    const frame = renderToString(
      createElement(Screen, {
        snap,
        info: o.info,
        cols: o.cols,
        rows: o.rows,
        color: o.color,
        showWallMs: false,
        targets: o.targets,
        explain: o.explain,
        ascii: o.ascii,
        localRoof: o.localRoof ?? null,
      }),
      { columns: o.cols },
    );
    if (frame !== previous) {
      cast.output((i * dt) / 1000, (i === 0 ? CAST_START : '') + frameBytes(frame));
      previous = frame;
    }
  }
  cast.output((Math.min(i, maxFrames) * dt) / 1000, CAST_END);
  return { text: cast.toString(), cut };
}

/** Record and write the file atomically (a path that cannot be written fails the command, the old file intact). */
export async function writeCast(path: string, o: RecordOptions): Promise<{ cut: string | null }> {
  const { text, cut } = await recordCastCapped(o);
  // one turn of the event loop first: a SIGINT/SIGTERM that came while the run computed is handled (exit 130/143)
  // before the old file is replaced, not after
  await new Promise((r) => setImmediate(r));
  writeFileAtomic(path, text, 'recording');
  return { cut };
}
