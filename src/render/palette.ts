// The one palette, for every command that colours (calc, plain text, the live view, recordings): Okabe–Ito's
// colour-blind-safe colours (Okabe & Ito 2008, "Color Universal Design"), one colour per concept. The states also
// differ in lightness (readable in greyscale) and never rest on red against green; every state is also said in words
// or glyphs (memory-bound, ●/○, bold fresh tokens), so nothing is lost without colour.

export const OKABE_ITO = {
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
} as const;

/** the bound that binds: memory vermillion, compute yellow (greyscale luma 119 against 213) */
export const BOUND_COLOR = { memory: OKABE_ITO.vermillion, compute: OKABE_ITO.yellow } as const;
/** confidence of a fresh token: vermillion (dark) < 0.3, orange < 0.7, the plain foreground above */
export const BAND_COLOR = { low: OKABE_ITO.vermillion, mid: OKABE_ITO.orange, high: undefined } as const;
export const PROMPT_COLOR = OKABE_ITO.sky;
/** the ridge point, where the bound changes */
export const RIDGE_COLOR = OKABE_ITO.yellow;
/** a status message (the live view's bottom line) */
export const MESSAGE_COLOR = OKABE_ITO.yellow;
/** a lane that failed */
export const ERROR_COLOR = OKABE_ITO.vermillion;

/** the lane registry's colour names (engine/lanes.ts) as Okabe–Ito colours */
const LANE_COLORS: Record<string, string> = {
  blue: OKABE_ITO.sky,
  magenta: OKABE_ITO.purple,
  green: OKABE_ITO.green,
  yellow: OKABE_ITO.yellow,
  red: OKABE_ITO.vermillion,
  cyan: OKABE_ITO.blue,
};

export function laneColor(name: string): string {
  return LANE_COLORS[name] ?? name;
}

/** "#RRGGBB" as [r, g, b] */
export function rgbOf(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** xterm-256's colour cube levels (indices 16–231) */
const CUBE = [0, 95, 135, 175, 215, 255];

/** The nearest xterm-256 colour (6×6×6 cube 16 + 36r + 6g + b, grey ramp 232 + i at 8 + 10i) by squared RGB distance. */
export function xtermOf(hex: string): number {
  const [r, g, b] = rgbOf(hex);
  const d = (x: readonly number[]) => (x[0]! - r) ** 2 + (x[1]! - g) ** 2 + (x[2]! - b) ** 2;
  let best = 16;
  let bestD = Infinity;
  for (let i = 16; i < 256; i++) {
    const c =
      i < 232
        ? [CUBE[Math.floor((i - 16) / 36)]!, CUBE[Math.floor((i - 16) / 6) % 6]!, CUBE[(i - 16) % 6]!]
        : Array(3).fill(8 + 10 * (i - 232));
    if (d(c) < bestD) [best, bestD] = [i, d(c)];
  }
  return best;
}

/** The SGR escape that sets the foreground: 24-bit where the terminal has it (COLORTERM), else the nearest xterm-256. */
export function sgrForeground(hex: string, truecolor: boolean): string {
  return truecolor ? `\x1b[38;2;${rgbOf(hex).join(';')}m` : `\x1b[38;5;${xtermOf(hex)}m`;
}

/** Text with "memory-bound" and "compute-bound" in their bound's colour (calc's report, plain text's verdict). */
export function colourBoundWords(text: string, truecolor: boolean): string {
  return text.replace(
    /\b(memory|compute)-bound\b/g,
    (w, b: keyof typeof BOUND_COLOR) => `${sgrForeground(BOUND_COLOR[b], truecolor)}${w}\x1b[39m`,
  );
}
