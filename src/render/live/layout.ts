// How the rows and columns of the terminal are spent. The frame is never taller than rows − 1: at rows or more,
// Ink clears the whole screen on every frame (flicker, and scrollback lost).
//
//   header (1–2) · verdict (1–3, word-wrapped) · lanes (side by side, or stacked) ·
//   band: roofline chart | totals table, per-pass bars, legend · key hints (1, always: `q` must stay in view)

/** Columns each lane needs to sit beside the others; below n × this the lanes stack. */
export const LANE_MIN_COLS = 50;
export const MIN_COLS = 40;
export const MIN_ROWS = 12;
/** the band puts the chart beside the totals from this width; below it only the totals show */
export const CHART_MIN_COLS = 76;
/** fewest rows a roofline is worth drawing in (6 of plot, 1 of x labels) */
export const CHART_MIN_ROWS = 7;
/** the totals panel's narrowest */
export const PANEL_MIN_COLS = 38;

/** A lane's rows of figures, besides its title and text. */
export type FigureRow = 'pass' | 'proj' | 'here' | 'totals' | 'explain';

export interface Layout {
  cols: number;
  rows: number;
  /** too small to draw: show a one-line note instead */
  tooSmall: boolean;
  stacked: boolean;
  /** width of each lane, in lane order (the rightmost lanes get the odd columns) */
  laneWidth: number[];
  /** figure rows of every lane, in order, under its title (stacked lanes put the pass on the title row) */
  figures: FigureRow[];
  /** text rows of each lane, in lane order */
  textRows: number[];
  headerRows: 1 | 2;
  verdictRows: number;
  /** the band under the lanes: its rows, the chart's width (0: no chart) and the panel's (totals, bars, legend) */
  band: { rows: number; chartWidth: number; panelWidth: number };
  hints: boolean;
}

export interface LayoutOptions {
  projection: boolean;
  lanes?: number;
  /** --explain: a caption row per lane */
  explain?: boolean;
  /** rows the verdict needs at this width (Screen measures its word-wrapped text); default 2 */
  verdictRows?: number;
}

/** n parts of total that differ by at most one, the larger ones last */
function split(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  const extra = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i >= n - extra ? 1 : 0));
}

/** rows of the totals table: a heading, one per lane */
export const tableRows = (lanes: number) => 1 + lanes;

export function layout(cols: number, rows: number, o: LayoutOptions = { projection: true }): Layout {
  const c = Math.max(1, Math.floor(cols));
  const r = Math.max(1, Math.floor(rows));
  const n = Math.max(1, Math.floor(o.lanes ?? 2));
  const stacked = n > 1 && c < n * LANE_MIN_COLS;
  // side by side: one blank column between neighbours (the gutter)
  const widths = stacked ? Array<number>(n).fill(c) : split(c - (n - 1), n);
  // --explain: a caption of about 170 characters, in two rows stacked and three beside the other lanes
  const explainRows = (k: number): FigureRow[] => (o.explain ? Array<FigureRow>(k).fill('explain') : []);
  const figures: FigureRow[] = stacked
    ? [...(o.projection ? (['proj'] as const) : (['here'] as const)), ...explainRows(2)]
    : ['pass', ...(o.projection ? (['proj'] as const) : []), 'here', 'totals', ...explainRows(3)];
  const l: Layout = {
    cols: c,
    rows: r,
    tooSmall: c < MIN_COLS || r < MIN_ROWS,
    stacked,
    laneWidth: widths,
    figures,
    textRows: Array<number>(n).fill(0),
    headerRows: r >= 40 ? 2 : 1,
    verdictRows: o.projection ? Math.max(1, o.verdictRows ?? 2) : 0,
    band: { rows: 0, chartWidth: 0, panelWidth: c },
    hints: true,
  };
  if (l.tooSmall) return l;
  const budget = r - 1;
  const lanesTall = stacked ? n : 1;
  const laneFixedRows = () => 1 + l.figures.length;
  const table = tableRows(n);
  const used = () => l.headerRows + l.verdictRows + (l.hints ? 1 : 0) + lanesTall * laneFixedRows() + l.band.rows;
  l.band.rows = table;
  const minText = stacked ? 1 : 2;
  // give up optional rows, least useful first, until every lane has its minimum of text
  const drops: Array<() => boolean> = [
    () =>
      l.figures.includes('here') && !stacked ? ((l.figures = l.figures.filter((f) => f !== 'here')), true) : false,
    () => (l.verdictRows > 1 ? ((l.verdictRows -= 1), true) : false),
    // captions shrink to one row (the short form) before they go
    () =>
      l.figures.filter((f) => f === 'explain').length > 1
        ? ((l.figures = [...l.figures.filter((f) => f !== 'explain'), 'explain']), true)
        : false,
    () => (l.figures.includes('explain') ? ((l.figures = l.figures.filter((f) => f !== 'explain')), true) : false),
    () => (l.figures.includes('totals') ? ((l.figures = l.figures.filter((f) => f !== 'totals')), true) : false),
    () => (l.band.rows > 0 ? ((l.band.rows = 0), true) : false),
    () => (l.figures.length ? ((l.figures = l.figures.slice(0, -1)), true) : false),
  ];
  for (const drop of drops) {
    if (budget - used() >= minText * lanesTall) break;
    drop();
  }
  let free = budget - used() - minText * lanesTall;
  if (free < 0) return { ...l, tooSmall: true };
  // the roofline: beside the totals when wide enough, with about half the rows left
  if (l.band.rows > 0 && c >= CHART_MIN_COLS) {
    const want = Math.min(24, Math.max(CHART_MIN_ROWS, Math.round((free + l.band.rows) * 0.5)));
    const grow = Math.max(0, want - l.band.rows);
    if (want >= CHART_MIN_ROWS && grow <= free) {
      // the panel keeps room for the totals' first columns (lane, passes, time on the target, B/F)
      l.band = {
        rows: want,
        chartWidth: Math.min(Math.max(36, Math.round(c * 0.55)), c - 1 - PANEL_MIN_COLS),
        panelWidth: 0,
      };
      l.band.panelWidth = c - l.band.chartWidth - 1;
      free -= grow;
    }
  }
  const text = minText * lanesTall + free;
  // stacked: the later lanes get the odd rows (diffusion shows every position at once)
  l.textRows = stacked ? split(text, n) : Array<number>(n).fill(text);
  return l;
}

/** rows of a lane besides its text: the title and the figure rows */
export function laneFixed(l: Pick<Layout, 'figures'>): number {
  return 1 + l.figures.length;
}

/** Rows the layout draws (for tests: must stay ≤ rows − 1). */
export function layoutHeight(l: Layout): number {
  if (l.tooSmall) return 1;
  const lanes = l.textRows.map((t) => laneFixed(l) + t);
  const height = l.stacked ? lanes.reduce((a, b) => a + b, 0) : Math.max(...lanes);
  return l.headerRows + l.verdictRows + height + l.band.rows + (l.hints ? 1 : 0);
}

/** Stacked lanes' text rows when they share `total` rows: each lane gets 2 (1 where 2 each do not fit), then one row at
 *  a time goes to the running lane whose text wants the most rows more than it has (`need`: its wrapped rows; the
 *  lane that is changing, e.g. a diffusion canvas); the rest is split evenly, the later lanes getting the odd rows
 *  (once every lane has stopped, all of them). The sum is `total`. */
export function shareRows(total: number, need: readonly number[], running: readonly boolean[]): number[] {
  const n = need.length;
  if (!n) return [];
  const t = Math.max(0, Math.floor(total));
  const min = t >= 2 * n ? 2 : t >= n ? 1 : 0;
  const rows = Array<number>(n).fill(min);
  let left = t - min * n;
  while (left > 0) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      const short = need[i]! - rows[i]!;
      if (running[i] && short > 0 && (best < 0 || short >= need[best]! - rows[best]!)) best = i;
    }
    if (best < 0) break;
    rows[best]! += 1;
    left -= 1;
  }
  split(left, n).forEach((x, i) => (rows[i]! += x));
  return rows;
}
