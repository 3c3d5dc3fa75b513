// The roofline picture as text: log-log, arithmetic intensity (FLOP per byte) across, attainable FLOP/s up.
// Roofs are drawn in braille dots (2×4 per cell, so slopes look like lines), or with - / : in ASCII; passes are
// one marker glyph per lane on top. Pure: returns rows of styled runs; the Ink component only colours them.
// No chart library: the few on npm (asciichart, blessed-contrib) plot linear series, not a log-log roofline.
import { lanes } from '../engine/lanes.js';
import { decadeLabel } from './format.js';

/** A roof: min(peak, intensity × bandwidth). */
export interface ChartRoof {
  peak: number;
  bandwidth: number;
  kind: 'target' | 'local';
  /** short name printed near the ceiling */
  label: string;
}

export interface ChartPoint {
  /** arithmetic intensity, FLOP per byte (= 1 / B/F) */
  x: number;
  /** attained FLOP/s (FLOPs / pass time) */
  y: number;
  /** lane index: picks the colour (and the marker, without `mark`) */
  lane: number;
  /** the lane's marker (laneMark: its kind's, the same in every run); default `lane` */
  mark?: number;
  /** projected on the target (filled marker) or measured here (hollow) */
  where: 'target' | 'local';
  /** the lane's newest pass (drawn bold) */
  latest: boolean;
}

export type ChartKind =
  'axis' | 'label' | 'roof-target' | 'roof-local' | 'ridge' | 'blank' | `lane${number}` | `lane${number}-latest`;

export interface ChartRun {
  text: string;
  kind: ChartKind;
}

/** Markers by laneMark: filled on the target, hollow here; shapes differ so lanes read without colour. In the
 *  registry's order (ar, diffusion, block, speculative): ● AR, ◆ diffusion, ■ block diffusion, ▲ speculative. */
export const MARKERS = { target: ['●', '◆', '■', '▲', '★'], local: ['○', '◇', '□', '△', '☆'] } as const;
export const ASCII_MARKERS = { target: ['A', 'D', 'B', 'S', 'Y'], local: ['a', 'd', 'b', 's', 'y'] } as const;

/** A lane's marker: its place in the lane registry, so a kind of lane keeps its shape whatever else runs (a class
 *  that learned ◆ = diffusion on one screen reads the next one right); a lane not registered takes the next free. */
export function laneMark(id: string): number {
  const all = lanes();
  const i = all.findIndex((l) => l.id === id);
  return i >= 0 ? i : all.length;
}

const BRAILLE_BASE = 0x2800;
// dot bit of (column dx 0–1, row dy 0–3) inside a braille cell
const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
] as const;

/** Blank plot columns between a roof's name and the chart's right edge: the name reads as the chart's, not as the
 *  start of whatever text stands beside the chart. */
export const LABEL_MARGIN = 3;

export interface ChartOptions {
  /** columns in all, the y labels included */
  width: number;
  /** rows in all, the x labels included */
  height: number;
  roofs: readonly ChartRoof[];
  points: readonly ChartPoint[];
  /** points that set the axes without being drawn: a timed race's every pass, known before it starts, so the axes
   *  hold still while its points appear */
  extent?: readonly ChartPoint[];
  /** the ridge the bounds are judged against (FLOP per byte; at the efficiencies), a dotted line; null: none */
  ridgeX: number | null;
  ascii: boolean;
}

/** Decades shown: x 0.1 … 10⁴ FLOP/B and y 10⁸ … 10¹⁶ FLOP/s, widened to whole decades around any point outside. */
export function chartRange(
  points: readonly ChartPoint[],
  roofs: readonly ChartRoof[],
): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = -1,
    x1 = 4,
    y0 = 8,
    y1 = 16;
  for (const p of points) {
    if (!(p.x > 0 && p.y > 0)) continue;
    x0 = Math.min(x0, Math.floor(Math.log10(p.x)));
    x1 = Math.max(x1, Math.ceil(Math.log10(p.x)));
    y0 = Math.min(y0, Math.floor(Math.log10(p.y)));
    y1 = Math.max(y1, Math.ceil(Math.log10(p.y)));
  }
  for (const r of roofs) y1 = Math.max(y1, Math.ceil(Math.log10(r.peak * 1.5)));
  return { x0, x1, y0, y1 };
}

// the axis labels are the one SI formatter's (format.ts)
export { decadeLabel };

interface Cell {
  dots: number;
  dotKind: ChartKind | null;
  /** ASCII stand-in for the dots */
  ascii: string;
  ch: string | null;
  kind: ChartKind;
}

export function rooflineChart(o: ChartOptions): ChartRun[][] {
  const gutter = 5;
  const cols = Math.max(4, o.width - gutter);
  const rows = Math.max(3, o.height - 1);
  const { x0, x1, y0, y1 } = chartRange([...o.points, ...(o.extent ?? [])], o.roofs);
  const W = cols * 2,
    H = rows * 4;
  const cells: Cell[][] = Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => ({ dots: 0, dotKind: null, ascii: ' ', ch: null, kind: 'blank' as ChartKind })),
  );
  const px = (x: number) => ((Math.log10(x) - x0) / (x1 - x0)) * (W - 1);
  const py = (y: number) => H - 1 - ((Math.log10(y) - y0) / (y1 - y0)) * (H - 1);
  const xAt = (dx: number) => 10 ** (x0 + (dx / (W - 1)) * (x1 - x0));
  const dot = (dx: number, dy: number, kind: ChartKind, ascii: string) => {
    if (dx < 0 || dy < 0 || dx >= W || dy >= H) return;
    const c = cells[Math.floor(dy / 4)]![Math.floor(dx / 2)]!;
    c.dots |= DOT[dx % 2]![dy % 4]!;
    // the target's roof wins a shared cell (one colour per cell)
    if (c.dotKind !== 'roof-target') {
      c.dotKind = kind;
      c.ascii = ascii;
    }
  };
  const put = (col: number, row: number, ch: string, kind: ChartKind, force = false) => {
    if (col < 0 || row < 0 || col >= cols || row >= rows) return;
    const c = cells[row]![col]!;
    if (c.ch && !force) return;
    c.ch = ch;
    c.kind = kind;
  };

  // ridge: a dotted vertical line, from the x axis up to the target's ceiling
  if (o.ridgeX !== null && o.ridgeX > 0) {
    const rx = Math.round(px(o.ridgeX));
    const target = o.roofs.find((r) => r.kind === 'target');
    const top = target ? Math.round(py(target.peak)) : 0;
    for (let dy = H - 1; dy > top; dy -= 2) dot(rx, dy, 'ridge', ':');
  }
  // each roof's name, placed once the points are drawn (a name never covers a marker, a roof or the ridge)
  const labels: { text: string; row: number }[] = [];
  // roofs, local first so the target's is drawn over it
  for (const r of [...o.roofs].sort((a, b) => (a.kind === 'local' ? -1 : 1) - (b.kind === 'local' ? -1 : 1))) {
    const kind: ChartKind = r.kind === 'target' ? 'roof-target' : 'roof-local';
    const ridge = r.peak / r.bandwidth;
    let prev: number | null = null;
    for (let dx = 0; dx < W; dx++) {
      const x = xAt(dx);
      const dy = Math.round(py(Math.min(r.peak, x * r.bandwidth)));
      const flat = x >= ridge;
      // join to the previous column so a steep slope stays one line
      const from = prev === null ? dy : prev;
      const lo = Math.min(from, dy),
        hi = Math.max(from, dy);
      for (let y = lo; y <= hi; y++) if (y >= 0 && y < H) dot(dx, y, kind, flat ? '-' : '/');
      prev = dy;
    }
    // the target's name is placed first (unshift: roofs are drawn local first)
    const name = { text: r.label, row: Math.floor(Math.round(py(r.peak)) / 4) - 1 };
    if (r.kind === 'target') labels.unshift(name);
    else labels.push(name);
  }

  // points: the target's over the local ones, each lane's newest last (on top)
  const order = [...o.points].sort(
    (a, b) => Number(a.where === 'target') - Number(b.where === 'target') || Number(a.latest) - Number(b.latest),
  );
  for (const p of order) {
    if (!(p.x > 0 && p.y > 0)) continue;
    const set = o.ascii ? ASCII_MARKERS : MARKERS;
    const marks = set[p.where];
    const ch = marks[(p.mark ?? p.lane) % marks.length]!;
    const col = Math.floor(px(p.x) / 2),
      row = Math.floor(py(p.y) / 4);
    const kind: ChartKind = p.latest ? `lane${p.lane}-latest` : `lane${p.lane}`;
    // another lane's marker holds the cell: sit beside it rather than hide it (AR and a draft pass often coincide)
    const owner = (c: number) => /^lane(\d+)/.exec(cells[row]?.[c]?.ch ? cells[row]![c]!.kind : '')?.[1];
    let at = col;
    if (owner(col) !== undefined && owner(col) !== String(p.lane))
      at =
        [col + 1, col - 1].find((c) => c >= 0 && c < cols && (owner(c) === undefined || owner(c) === String(p.lane))) ??
        col;
    put(at, row, ch, kind, true);
  }

  // a roof's name in the first row above its ceiling where it covers nothing, going up: as far right as it goes, but
  // LABEL_MARGIN blank columns short of the plot's edge, so it never runs into what stands beside the chart (the live view's legend: "this machine filled: on H200" read as one phrase); its part
  // before a parenthesis where the whole does not fit; no name where neither does
  const free = (row: number, start: number, n: number) =>
    row >= 0 &&
    row < rows &&
    start >= 0 &&
    start + n + LABEL_MARGIN <= cols &&
    cells[row]!.slice(Math.max(0, start - 1), start + n + LABEL_MARGIN).every((c) => c.ch === null && c.dots === 0);
  for (const l of labels) {
    const texts = [l.text, l.text.replace(/\s*\(.*$/, '')].filter((t, i, a) => t && a.indexOf(t) === i);
    // the nearest row first (a name far above its roof reads as another's), the whole name before its short part
    placing: for (let row = l.row; row >= 0; row--)
      for (const text of texts) {
        const n = [...text].length;
        for (let start = cols - LABEL_MARGIN - n; start >= 0; start--)
          if (free(row, start, n)) {
            [...text].forEach((ch, i) => put(start + i, row, ch, 'label'));
            break placing;
          }
      }
  }

  // rows with the y labels at each decade that lands on its own row
  const out: ChartRun[][] = [];
  const labelAt = new Map<number, string>();
  const step = Math.max(1, Math.ceil((y1 - y0) / Math.max(1, Math.floor(rows / 2))));
  for (let e = y0; e <= y1; e += step) {
    const row = Math.floor(Math.round(py(10 ** e)) / 4);
    if (!labelAt.has(row)) labelAt.set(row, decadeLabel(e));
  }
  for (let r = 0; r < rows; r++) {
    const runs: ChartRun[] = [
      { text: (labelAt.get(r) ?? '').padStart(gutter - 1) + (o.ascii ? '|' : '┤'), kind: 'axis' },
    ];
    for (const c of cells[r]!) {
      const ch = c.ch ?? (c.dots ? (o.ascii ? c.ascii : String.fromCodePoint(BRAILLE_BASE + c.dots)) : ' ');
      const kind: ChartKind = c.ch ? c.kind : c.dots ? c.dotKind! : 'blank';
      const last = runs[runs.length - 1]!;
      if (last.kind === kind) last.text += ch;
      else runs.push({ text: ch, kind });
    }
    out.push(runs);
  }
  // x axis: decade labels under their columns
  const axis = Array.from({ length: cols }, () => ' ');
  for (let e = x0; e <= x1; e++) {
    const label = decadeLabel(e);
    const at = Math.min(cols - label.length, Math.max(0, Math.round(px(10 ** e) / 2) - Math.floor(label.length / 2)));
    if (axis.slice(Math.max(0, at - 1), at + label.length + 1).some((ch) => ch !== ' ')) continue;
    for (let i = 0; i < label.length; i++) axis[at + i] = label[i]!;
  }
  out.push([{ text: ' '.repeat(gutter) + axis.join(''), kind: 'axis' }]);
  return out;
}
