#!/usr/bin/env node
// ANSI text (tmux capture-pane -e) → SVG, one <text> per run of same-styled cells at its exact column, so braille
// and box-drawing glyphs line up. Understands the SGR codes tmux emits: reset, bold, dim, italic, underline,
// inverse, 16/256/true colours (fore and back). Usage: node scripts/ansi-to-svg.mjs < screen.ansi > screen.svg
import { readFileSync } from 'node:fs';

const input = readFileSync(0, 'utf8').replace(/\r/g, '');
const FONT = 14;
const CW = 8.43; // DejaVu Sans Mono advance at 14 px (0.602 em)
const CH = 17;
const PAD = 10;
const FG = '#d4d4d4';
const BG = '#1b1b1b';
const BASE16 = [
  '#000000',
  '#cd3131',
  '#0dbc79',
  '#e5e510',
  '#2472c8',
  '#bc3fbc',
  '#11a8cd',
  '#e5e5e5',
  '#666666',
  '#f14c4c',
  '#23d18b',
  '#f5f543',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#ffffff',
];

function color256(n) {
  if (n < 16) return BASE16[n];
  if (n < 232) {
    const i = n - 16;
    const v = (x) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${v(Math.floor(i / 36))},${v(Math.floor(i / 6) % 6)},${v(i % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g},${g},${g})`;
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const lines = input.split('\n');
while (lines.length && lines[lines.length - 1] === '') lines.pop();
let style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
const reset = () => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });
const rows = [];
let cols = 0;
for (const line of lines) {
  const cells = [];
  const re = /\x1b\[([0-9;:]*)m|\x1b\[[0-9;?]*[A-Za-z]|([^\x1b])/gu;
  let m;
  while ((m = re.exec(line))) {
    if (m[2] !== undefined) {
      cells.push({ ch: m[2], ...style });
      continue;
    }
    if (m[1] === undefined) continue;
    const p = m[1] === '' ? [0] : m[1].split(/[;:]/).map(Number);
    for (let i = 0; i < p.length; i++) {
      const c = p[i];
      if (c === 0) style = reset();
      else if (c === 1) style.bold = true;
      else if (c === 2) style.dim = true;
      else if (c === 3) style.italic = true;
      else if (c === 4) style.underline = true;
      else if (c === 7) style.inverse = true;
      else if (c === 22) style.bold = style.dim = false;
      else if (c === 23) style.italic = false;
      else if (c === 24) style.underline = false;
      else if (c === 27) style.inverse = false;
      else if (c >= 30 && c <= 37) style.fg = BASE16[c - 30];
      else if (c >= 90 && c <= 97) style.fg = BASE16[c - 90 + 8];
      else if (c === 39) style.fg = null;
      else if (c >= 40 && c <= 47) style.bg = BASE16[c - 40];
      else if (c >= 100 && c <= 107) style.bg = BASE16[c - 100 + 8];
      else if (c === 49) style.bg = null;
      else if (c === 38 || c === 48) {
        let col = null;
        if (p[i + 1] === 5) {
          col = color256(p[i + 2]);
          i += 2;
        } else if (p[i + 1] === 2) {
          col = `rgb(${p[i + 2]},${p[i + 3]},${p[i + 4]})`;
          i += 4;
        }
        if (c === 38) style.fg = col;
        else style.bg = col;
      }
    }
  }
  rows.push(cells);
  cols = Math.max(cols, cells.length);
}
const W = Math.ceil(cols * CW + 2 * PAD);
const H = rows.length * CH + 2 * PAD;
const out = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
  `<rect width="100%" height="100%" fill="${BG}"/>`,
  `<g font-family="DejaVu Sans Mono, monospace" font-size="${FONT}" xml:space="preserve">`,
];
rows.forEach((cells, r) => {
  let i = 0;
  while (i < cells.length) {
    const a = cells[i];
    let j = i + 1;
    const same = (b) =>
      b.fg === a.fg &&
      b.bg === a.bg &&
      b.bold === a.bold &&
      b.dim === a.dim &&
      b.italic === a.italic &&
      b.underline === a.underline &&
      b.inverse === a.inverse;
    while (j < cells.length && same(cells[j])) j++;
    const text = cells
      .slice(i, j)
      .map((c) => c.ch)
      .join('');
    const x = PAD + i * CW;
    const y = PAD + r * CH;
    let fg = a.fg ?? FG;
    let bg = a.bg;
    if (a.inverse) [fg, bg] = [bg ?? BG, fg];
    if (bg)
      out.push(`<rect x="${x.toFixed(2)}" y="${y}" width="${((j - i) * CW).toFixed(2)}" height="${CH}" fill="${bg}"/>`);
    if (text.trim()) {
      const attrs = [`y="${y + CH - 4}"`, `fill="${fg}"`];
      if (a.bold) attrs.push('font-weight="bold"');
      if (a.dim) attrs.push('opacity="0.6"');
      if (a.italic) attrs.push('font-style="italic"');
      if (a.underline) attrs.push('text-decoration="underline"');
      // ASCII runs as one element; any other glyph (braille, box drawing, ░) in its own cell, since a fallback font's
      // advance would otherwise push the rest of the row out of its columns
      if (/^[\x20-\x7e]*$/.test(text)) out.push(`<text x="${x.toFixed(2)}" ${attrs.join(' ')}>${esc(text)}</text>`);
      else
        [...text].forEach((ch, k) => {
          if (ch !== ' ') out.push(`<text x="${(x + k * CW).toFixed(2)}" ${attrs.join(' ')}>${esc(ch)}</text>`);
        });
    }
    i = j;
  }
});
out.push('</g>', '</svg>');
process.stdout.write(out.join('\n') + '\n');
