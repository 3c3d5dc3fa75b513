// Text styles of the lane atoms. With colour: LLaDA demo colours. Without: only bold/underline/dim, and the
// brackets and marks put in by text.ts keep every state distinguishable even where those vanish too.
import type { TextProps } from 'ink';
import { confidenceBand, type Atom } from '../text.js';

export const BAND_COLOR = { low: 'red', mid: 'yellow', high: 'green' } as const;

export function atomStyle(a: Atom, color: boolean): TextProps {
  switch (a.kind) {
    case 'prompt':
      return color ? { color: 'cyan' } : {};
    case 'old':
      return {};
    case 'fresh':
      return color ? { color: BAND_COLOR[confidenceBand(a.confidence)], bold: true, underline: true } : { bold: true, underline: true };
    case 'mask':
      return color ? { color: 'gray' } : {};
    case 'guess':
      return color ? { color: 'gray', italic: true } : { dimColor: true };
    case 'mark':
      return { dimColor: true };
  }
}
