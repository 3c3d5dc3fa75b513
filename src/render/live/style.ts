// Colours and text styles. Okabe–Ito's colour-blind-safe palette (Okabe & Ito 2008), picked so that the states also
// differ in lightness (readable in greyscale) and never rest on red against green; every state is also in words or
// glyphs (memory-bound, ●/○, bold fresh tokens). Without colour: only bold/underline/dim, and the brackets and
// marks put in by text.ts keep every state distinguishable even where those vanish too.
import type { TextProps } from 'ink';
import { confidenceBand, type Atom } from '../text.js';

export const OKABE_ITO = {
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
} as const;

/** confidence of a fresh token: vermillion (dark) < 0.3, orange < 0.7, the plain foreground above */
export const BAND_COLOR = { low: OKABE_ITO.vermillion, mid: OKABE_ITO.orange, high: undefined } as const;
/** the bound that binds: memory vermillion, compute yellow (far apart in lightness) */
export const BOUND_COLOR = { memory: OKABE_ITO.vermillion, compute: OKABE_ITO.yellow } as const;
export const PROMPT_COLOR = OKABE_ITO.sky;
export const RIDGE_COLOR = OKABE_ITO.yellow;

/** the registry's colour names (engine/lanes.ts) as Okabe–Ito colours */
const LANE_COLORS: Record<string, string> = { blue: OKABE_ITO.sky, magenta: OKABE_ITO.purple, green: OKABE_ITO.green, yellow: OKABE_ITO.yellow, red: OKABE_ITO.vermillion, cyan: OKABE_ITO.blue };

export function laneColor(name: string): string {
  return LANE_COLORS[name] ?? name;
}

export function atomStyle(a: Atom, color: boolean): TextProps {
  switch (a.kind) {
    case 'prompt':
      return color ? { color: PROMPT_COLOR } : {};
    case 'old':
      return {};
    case 'fresh': {
      const c = BAND_COLOR[confidenceBand(a.confidence)];
      return color && c ? { color: c, bold: true, underline: true } : { bold: true, underline: true };
    }
    case 'mask':
      return color ? { color: 'gray' } : {};
    case 'guess':
      return color ? { color: 'gray', italic: true } : { dimColor: true };
    case 'mark':
      return { dimColor: true };
  }
}
