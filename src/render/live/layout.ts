// How the rows and columns of the terminal are spent. The frame is never taller than rows − 1: at rows or more,
// Ink clears the whole screen on every frame (flicker, and scrollback lost).

/** Columns each lane needs to sit beside the others; below n × this the lanes stack. */
export const LANE_MIN_COLS = 50;
/** Below this width two lanes stack; at or above they sit side by side. */
export const SIDE_BY_SIDE_COLS = 2 * LANE_MIN_COLS;
export const MIN_COLS = 40;
export const MIN_ROWS = 12;

export interface Layout {
  cols: number;
  rows: number;
  /** too small to draw: show a one-line note instead */
  tooSmall: boolean;
  stacked: boolean;
  /** width of each lane, in lane order (the rightmost lanes get the odd columns) */
  laneWidth: number[];
  /** text rows of each lane, in lane order */
  textRows: number[];
  headerRows: 1 | 2;
  /** per-pass sparkline on its own row (else at the end of the gauge row, or left out when too narrow) */
  sparkRow: boolean;
  sparkInline: boolean;
  /** the lane's Σ row (the footer repeats the totals, so it goes when rows are scarce) */
  totalsRow: boolean;
  /** the projected-pass row (only with a projection) */
  projRow: boolean;
  footer: boolean;
  hints: boolean;
}

const LANE_BASE = 4; // title, pass, here, gauge
/** the footer: a heading row, then one row per lane */
const footerRows = (lanes: number) => 1 + lanes;
/** the gauge row can carry the sparkline when the lane is this wide */
const SPARK_INLINE_MIN = 64;

/** n parts of total that differ by at most one, the larger ones last */
function split(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  const extra = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i >= n - extra ? 1 : 0));
}

export function layout(cols: number, rows: number, o: { projection: boolean; lanes?: number } = { projection: true }): Layout {
  const c = Math.max(1, Math.floor(cols));
  const r = Math.max(1, Math.floor(rows));
  const n = Math.max(1, Math.floor(o.lanes ?? 2));
  const stacked = n > 1 && c < n * LANE_MIN_COLS;
  // side by side: one blank column between neighbours
  const widths = stacked ? Array<number>(n).fill(c) : split(c - (n - 1), n);
  const base: Layout = {
    cols: c,
    rows: r,
    tooSmall: c < MIN_COLS || r < MIN_ROWS,
    stacked,
    laneWidth: widths,
    textRows: Array<number>(n).fill(0),
    headerRows: 2,
    sparkRow: true,
    sparkInline: false,
    totalsRow: true,
    projRow: o.projection,
    footer: true,
    hints: true,
  };
  if (base.tooSmall) return base;
  const budget = r - 1;
  const lanesTall = stacked ? n : 1;
  const used = (l: Layout) => l.headerRows + (l.footer ? footerRows(n) : 0) + (l.hints ? 1 : 0) + lanesTall * laneFixed(l);
  const minText = stacked ? 3 : 4; // per lane, before giving up optional rows
  const l = { ...base };
  const free = () => budget - used(l);
  // give up optional rows, least useful first, until each lane has a few text rows
  const drops: Array<() => void> = [
    () => {
      l.sparkRow = false;
      l.sparkInline = Math.min(...widths) >= SPARK_INLINE_MIN;
    },
    () => {
      l.totalsRow = false;
    },
    () => {
      l.footer = false;
      l.totalsRow = true;
    },
    () => {
      l.headerRows = 1;
    },
    () => {
      l.hints = false;
    },
    // last resorts for tiny terminals
    () => {
      l.totalsRow = false;
    },
    () => {
      l.projRow = false;
    },
  ];
  for (const drop of drops) {
    if (free() >= minText * lanesTall) break;
    drop();
  }
  const text = free();
  if (text < lanesTall) return { ...l, tooSmall: true };
  // stacked: the later lanes get the odd rows (diffusion shows every position at once)
  l.textRows = stacked ? split(text, n) : Array<number>(n).fill(text);
  return l;
}

/** rows of a lane besides its text */
export function laneFixed(l: Pick<Layout, 'sparkRow' | 'totalsRow' | 'projRow'>): number {
  return LANE_BASE + (l.sparkRow ? 1 : 0) + (l.totalsRow ? 1 : 0) + (l.projRow ? 1 : 0);
}

/** Rows the layout draws (for tests: must stay ≤ rows − 1). */
export function layoutHeight(l: Layout): number {
  if (l.tooSmall) return 1;
  const lanes = l.textRows.map((t) => laneFixed(l) + t);
  const height = l.stacked ? lanes.reduce((a, b) => a + b, 0) : Math.max(...lanes);
  return l.headerRows + height + (l.footer ? footerRows(l.textRows.length) : 0) + (l.hints ? 1 : 0);
}
