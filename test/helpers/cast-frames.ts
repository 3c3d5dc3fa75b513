// An asciicast v2 recording (src/render/cast.ts) read back as a player shows it: every frame as plain text lines at
// its timestamp, and the markers. Each frame the writer emits redraws the whole screen (cursor home, lines, erase
// below), so a frame's text is its output with the escape sequences taken out.
export interface CastFrame {
  t: number;
  lines: string[];
}

export interface Cast {
  header: { width: number; height: number };
  frames: CastFrame[];
  markers: { t: number; label: string }[];
}

// CSI sequences (colours, cursor, erase) and the private ?25l/?25h
const CSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function readCast(text: string): Cast {
  const [head, ...rest] = text.trim().split('\n');
  const header = JSON.parse(head!) as Cast['header'];
  const frames: CastFrame[] = [];
  const markers: Cast['markers'] = [];
  for (const line of rest) {
    const [t, kind, data] = JSON.parse(line) as [number, string, string];
    if (kind === 'm') markers.push({ t, label: data });
    else if (data.includes('\x1b[H')) {
      const body = data.slice(data.lastIndexOf('\x1b[H'));
      frames.push({ t, lines: body.replace(CSI, '').split('\r\n') });
    }
  }
  return { header, frames, markers };
}

/** The frame a player shows at time t (the last one at or before it). */
export function frameAt(c: Cast, t: number): CastFrame | undefined {
  let hit: CastFrame | undefined;
  for (const f of c.frames) if (f.t <= t) hit = f;
  return hit;
}
