// The glyphs every renderer shares, and the escaping that keeps token text from moving the cursor.
// All glyphs are one terminal column wide (checked in test/render-glyphs.test.ts).
import { hasUnsafe } from '../engine/io/sanitize.js';

/** a still-masked position */
export const MASK = '░';
/** a character not complete yet: a position holding some of its bytes while the rest are still masked or not yet
 * generated (the engine marks it `partial`; src/engine/model/characters.ts) */
export const PARTIAL = '◌';
/** a newline inside token text (followed by a real line break in the lane) */
export const NEWLINE = '⏎';
/** a tab inside token text */
export const TAB = '⇥';
/** no-colour mode: brackets around tokens committed in this pass */
export const FRESH_OPEN = '[';
export const FRESH_CLOSE = ']';
/** no-colour mode: brackets around the model's guess at a masked position */
export const GUESS_OPEN = '‹';
export const GUESS_CLOSE = '›';
/** no-colour mode: marks where the prompt ends */
export const PROMPT_END = '│';
/** eight heights for the per-pass B/F sparkline, low to high */
export const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
/** gauge: track, ends, ridge mark, needle (projected B/F), local mark (this machine's B/F) */
export const GAUGE = { track: '─', left: '├', right: '┤', ridge: '┼', needle: '●', local: '○' } as const;
export const ELLIPSIS = '…';

/**
 * Make token text safe and visible in one terminal cell per character: C0 controls become their Unicode
 * "control picture" (ESC → ␛), DEL → ␡, C1 controls → '·', tab → ⇥, CR dropped before LF, newline → ⏎.
 * Returns the pieces between newlines, so a caller can draw ⏎ and then break the line.
 */
export function escapeTokenText(text: string): { parts: string[]; newlines: number } {
  const parts = text.replace(/\r\n/g, '\n').split('\n').map(escapeLine);
  return { parts, newlines: parts.length - 1 };
}

function escapeLine(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x09) out += TAB;
    else if (c < 0x20) out += String.fromCodePoint(0x2400 + c);
    else if (c === 0x7f) out += '␡';
    else if (c >= 0x80 && c < 0xa0) out += '·';
    // the rest the sanitiser escapes (bidi overrides, line separators) would reorder or break the line: one '·' too
    else if (hasUnsafe(ch)) out += '·';
    else out += ch;
  }
  return out;
}

/** One line, for plain/NDJSON-side summaries: newlines shown as ⏎ without breaking. */
export function escapeInline(text: string): string {
  return escapeTokenText(text).parts.join(NEWLINE);
}
