// Plain-text reports for a terminal or a pipe (calc): lines folded to a width at spaces, tables whose last column
// wraps under itself, and colour that reads without colour too.
//
// Colour is the one palette's (render/palette.ts): the two bounds in their colours, and the words "memory-bound" /
// "compute-bound" always say it in text as well.
// Whether to colour is the caller's (commands/watch-flags.ts colorWanted: NO_COLOR, FORCE_COLOR, a terminal).

import { colourBoundWords } from './palette.js';

/** Markers placed in report text before folding (zero width), turned into escapes or removed by paint(). */
export const BOLD_ON = '\uE000';
export const BOLD_OFF = '\uE001';
const MARKERS = /[\uE000\uE001]/g;

/** Bold in report text: survives folding, drawn by paint(). */
export const bold = (s: string) => `${BOLD_ON}${s}${BOLD_OFF}`;

/** Visible columns of report text: one per code point, markers none (report text has no wide characters). */
export function visibleWidth(s: string): number {
  return [...s.replace(MARKERS, '')].length;
}

/**
 * Fold one line to `width` columns at spaces; continuation lines start at `hang` columns (default: the line's
 * indent + 2). Prose folds at the last space that fits. A formula (`formula`) stays readable: it folds after a comma,
 * semicolon or colon if one is late enough in the line, else before an "=", else at a space outside parentheses,
 * else at the last space. A word longer than the room stays whole on its own line (the width is a target, not a cut).
 */
export function fold(line: string, width: number, hang?: number, formula = false): string[] {
  if (visibleWidth(line) <= width) return [line];
  const indent = /^ */.exec(line)![0].length;
  const pad = ' '.repeat(hang ?? indent + 2);
  const out: string[] = [];
  let rest = line;
  let first = true;
  while (visibleWidth(rest) > width) {
    const chars = [...rest];
    const start = first ? indent : pad.length;
    // candidate spaces within the width (markers take no column), best kind first
    const kinds: number[][] = [[], [], [], []];
    let col = 0;
    let depth = 0;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c !== BOLD_ON && c !== BOLD_OFF) col++;
      if (col > width + 1) break; // a space just past the width still ends a line that fits
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      if (c !== ' ' || col <= start + 1) continue;
      kinds[3]!.push(i);
      if (!formula) continue;
      const prev = chars[i - 1]!;
      if (prev === ',' || prev === ';' || prev === ':') kinds[0]!.push(i);
      else if (chars[i + 1] === '=') kinds[1]!.push(i);
      else if (depth === 0) kinds[2]!.push(i);
    }
    const late = (i: number) => i >= start + (width - start) * 0.6;
    let cut = -1;
    for (const k of kinds) {
      const c = k.filter(late).at(-1);
      if (c !== undefined) {
        cut = c;
        break;
      }
    }
    if (cut < 0) cut = kinds[3]!.at(-1) ?? chars.findIndex((c, i) => c === ' ' && i > start);
    if (cut < 0) break;
    out.push(chars.slice(0, cut).join('').trimEnd());
    rest =
      pad +
      chars
        .slice(cut + 1)
        .join('')
        .trimStart();
    first = false;
  }
  out.push(rest);
  return out;
}

/** --help within `width` columns (calc's report width, a terminal's): a flag's (or exit code's) description folds
 *  under itself, other lines under their own indent (they continue a description). */
export function foldHelp(help: string, width: number): string {
  return help
    .split('\n')
    .flatMap((l) => fold(l, width, (/^(\s+(?:-|\d)\S*(?: \S+)*?\s{2,})\S/.exec(l)?.[1] ?? /^ */.exec(l)![0]).length))
    .join('\n');
}

/** Rows as columns padded to their widest cell; the last column wraps under itself to keep within `width`. */
export function table(rows: string[][], width: number, indent = '  '): string[] {
  const cols = Math.max(...rows.map((r) => r.length));
  const w = Array.from({ length: cols }, (_, i) =>
    Math.max(0, ...rows.map((r) => (i < r.length - 1 ? visibleWidth(r[i] ?? '') : 0))),
  );
  const out: string[] = [];
  for (const r of rows) {
    const head = r
      .slice(0, -1)
      .map((c, i) => c + ' '.repeat(w[i]! - visibleWidth(c)) + '  ')
      .join('');
    out.push(...fold((indent + head + (r[r.length - 1] ?? '')).trimEnd(), width, indent.length + visibleWidth(head)));
  }
  return out;
}

export interface PaintOptions {
  color: boolean;
  /** 24-bit colour (COLORTERM=truecolor or 24bit); else xterm-256 indices */
  truecolor?: boolean;
}

/** Report text → what is printed: markers become bold (or nothing), the bound words get their colour. */
export function paint(text: string, o: PaintOptions): string {
  if (!o.color) return text.replace(MARKERS, '');
  return colourBoundWords(text.replace(/\uE000/g, '\x1b[1m').replace(/\uE001/g, '\x1b[22m'), o.truecolor === true);
}
