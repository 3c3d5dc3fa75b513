// How the rows and columns of the terminal are spent. The frame is never taller than rows − 1: at rows or more,
// Ink clears the whole screen on every frame (flicker, and scrollback lost).

/** Below this width the lanes stack; at or above they sit side by side. */
export const SIDE_BY_SIDE_COLS = 100;
export const MIN_COLS = 40;
export const MIN_ROWS = 12;

export interface Layout {
  cols: number;
  rows: number;
  /** too small to draw: show a one-line note instead */
  tooSmall: boolean;
  stacked: boolean;
  /** width of each lane (the right lane gets the odd column) */
  laneWidth: [number, number];
  /** text rows of the AR and diffusion lanes */
  textRows: [number, number];
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
const FOOTER_ROWS = 3;
/** the gauge row can carry the sparkline when the lane is this wide */
const SPARK_INLINE_MIN = 64;

export function layout(cols: number, rows: number, o: { projection: boolean } = { projection: true }): Layout {
  const c = Math.max(1, Math.floor(cols));
  const r = Math.max(1, Math.floor(rows));
  const stacked = c < SIDE_BY_SIDE_COLS;
  const left = stacked ? c : Math.floor((c - 1) / 2);
  const right = stacked ? c : c - 1 - left;
  const base: Layout = {
    cols: c,
    rows: r,
    tooSmall: c < MIN_COLS || r < MIN_ROWS,
    stacked,
    laneWidth: [left, right],
    textRows: [0, 0],
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
  const lanesTall = stacked ? 2 : 1;
  const used = (l: Layout) => l.headerRows + (l.footer ? FOOTER_ROWS : 0) + (l.hints ? 1 : 0) + lanesTall * laneFixed(l);
  const minText = stacked ? 3 : 4; // per lane, before giving up optional rows
  const l = { ...base };
  const free = () => budget - used(l);
  // give up optional rows, least useful first, until each lane has a few text rows
  const drops: Array<() => void> = [
    () => {
      l.sparkRow = false;
      l.sparkInline = Math.min(left, right) >= SPARK_INLINE_MIN;
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
  if (stacked) {
    const ar = Math.floor(text / 2);
    l.textRows = [ar, text - ar]; // diffusion gets the odd row: it shows every position at once
  } else l.textRows = [text, text];
  return l;
}

/** rows of a lane besides its text */
export function laneFixed(l: Pick<Layout, 'sparkRow' | 'totalsRow' | 'projRow'>): number {
  return LANE_BASE + (l.sparkRow ? 1 : 0) + (l.totalsRow ? 1 : 0) + (l.projRow ? 1 : 0);
}

/** Rows the layout draws (for tests: must stay ≤ rows − 1). */
export function layoutHeight(l: Layout): number {
  if (l.tooSmall) return 1;
  const lane = (i: 0 | 1) => laneFixed(l) + l.textRows[i];
  const lanes = l.stacked ? lane(0) + lane(1) : Math.max(lane(0), lane(1));
  return l.headerRows + lanes + (l.footer ? FOOTER_ROWS : 0) + (l.hints ? 1 : 0);
}
