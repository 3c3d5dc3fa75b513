// Text styles of the live view; its colours are the one palette's (render/palette.ts). Without colour: only
// bold/underline/dim, and the brackets and marks put in by text.ts keep every state distinguishable even where those
// vanish too.
import type { TextProps } from 'ink';
import { BAND_COLOR, PROMPT_COLOR } from '../palette.js';
import { confidenceBand, type Atom } from '../text.js';

export { BAND_COLOR, BOUND_COLOR, laneColor, OKABE_ITO, PROMPT_COLOR, RIDGE_COLOR } from '../palette.js';

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
