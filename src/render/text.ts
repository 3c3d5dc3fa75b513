// Lane text: positions → styled atoms → lines wrapped to the lane width, truncated from the top.
// Pure functions, shared by the Ink view and the asciicast frames (plain text prints only final texts).
import stringWidth from 'string-width';
import type { Position } from '../engine/decode/events.js';
import {
  escapeTokenText,
  FRESH_CLOSE,
  FRESH_OPEN,
  GUESS_CLOSE,
  GUESS_OPEN,
  MASK,
  NEWLINE,
  PARTIAL,
  PROMPT_END,
} from './glyphs.js';

const REPLACEMENT = /\uFFFD/g;

/** What a prompt or committed position shows: its whole characters, a placeholder where one is still incomplete. */
export function shownText(p: Pick<Position, 'text' | 'partial'>): string {
  return p.partial ? p.text.replace(REPLACEMENT, PARTIAL) : p.text;
}

/** A guess is one token on its own: a character it holds only part of is shown as the placeholder too. */
function shownGuess(text: string): string {
  return text.replace(REPLACEMENT, PARTIAL);
}

/** prompt; old: committed in an earlier pass; fresh: committed this pass; mask; guess: a masked position's guess. */
export type AtomKind = 'prompt' | 'old' | 'fresh' | 'mask' | 'guess' | 'mark';

export interface Atom {
  text: string;
  kind: AtomKind;
  /** confidence for fresh tokens (colour band), null otherwise */
  confidence: number | null;
  /** a hard line break follows (the token text held a newline) */
  breakAfter: boolean;
}
export type Line = Atom[];

export interface TextOptions {
  /** show the model's current guess at masked positions */
  guesses: boolean;
  /** colour available: when false, fresh tokens and guesses get brackets and the prompt an end mark */
  color: boolean;
}

/** LLaDA demo's bands: red below 0.3, orange/yellow below 0.7, green above. */
export type ConfidenceBand = 'low' | 'mid' | 'high';
export function confidenceBand(p: number | null): ConfidenceBand {
  if (p === null) return 'high';
  return p < 0.3 ? 'low' : p < 0.7 ? 'mid' : 'high';
}

/** A token's atoms: one per line of its text; brackets (no-colour mode) go around the text, outside leading spaces. */
function tokenAtoms(text: string, kind: AtomKind, confidence: number | null, open = '', close = ''): Atom[] {
  const parts = escapeTokenText(text).parts;
  // a token ending in a newline closes its bracket before the break, not on the next line
  const endsWithBreak = parts.length > 1 && parts[parts.length - 1] === '';
  if (endsWithBreak) parts.pop();
  const lead = open ? (/^ +/.exec(parts[0]!)?.[0] ?? '') : '';
  return parts.map((part, i) => {
    const last = i === parts.length - 1;
    const body =
      (i === 0 ? lead + open + part.slice(lead.length) : part) +
      (last ? (endsWithBreak ? NEWLINE : '') + close : NEWLINE);
    return { text: body, kind, confidence, breakAfter: !last || endsWithBreak };
  });
}

/** The atoms of a lane's text after one pass (committed: indices committed by that pass). */
export function laneAtoms(positions: Position[], committed: readonly number[], opts: TextOptions): Atom[] {
  const fresh = new Set(committed);
  const atoms: Atom[] = [];
  let lastPrompt = -1;
  positions.forEach((p, i) => {
    if (p.state === 'prompt') lastPrompt = i;
  });
  positions.forEach((p, i) => {
    if (p.state === 'prompt') atoms.push(...tokenAtoms(shownText(p), 'prompt', null));
    else if (p.state === 'masked') {
      if (opts.guesses && p.guessText) {
        atoms.push(
          ...tokenAtoms(
            shownGuess(p.guessText),
            'guess',
            p.confidence,
            opts.color ? '' : GUESS_OPEN,
            opts.color ? '' : GUESS_CLOSE,
          ),
        );
      } else atoms.push({ text: MASK, kind: 'mask', confidence: null, breakAfter: false });
    } else if (shownText(p) === '') {
      // its bytes belong to a character another position shows: nothing here, not even empty brackets
    } else if (fresh.has(i)) {
      atoms.push(
        ...tokenAtoms(shownText(p), 'fresh', p.confidence, opts.color ? '' : FRESH_OPEN, opts.color ? '' : FRESH_CLOSE),
      );
    } else atoms.push(...tokenAtoms(shownText(p), 'old', p.confidence));
    if (i === lastPrompt && !opts.color)
      atoms.push({ text: PROMPT_END, kind: 'mark', confidence: null, breakAfter: false });
  });
  return atoms;
}

/** Terminal columns of a string, as Ink measures them (string-width: 🙂 and CJK take two, combining marks none). */
export function cellWidth(s: string): number {
  return stringWidth(s);
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The longest head of s at most `cols` wide, split between user-perceived characters (never inside é or 🙂);
 * when even the first is wider (a two-column 🙂 in one column), that one alone, so wrapping always advances. */
function splitAt(s: string, cols: number, force: boolean): [string, string] {
  let used = 0;
  let at = 0;
  for (const { segment, index } of graphemes.segment(s)) {
    const w = stringWidth(segment);
    if (used + w > cols && !(force && index === 0)) break;
    used += w;
    at = index + segment.length;
  }
  return [s.slice(0, at), s.slice(at)];
}

/** Greedy wrap at token boundaries; a token wider than the line is split; a leading space at a wrap is dropped. */
export function wrapAtoms(atoms: readonly Atom[], width: number): Line[] {
  const w = Math.max(1, width);
  const lines: Line[] = [[]];
  let used = 0;
  const newLine = () => {
    lines.push([]);
    used = 0;
  };
  for (const atom of atoms) {
    let text = atom.text;
    let aw = cellWidth(text);
    if (used + aw > w && used > 0 && aw <= w) {
      newLine();
      if (text.startsWith(' ') && aw > 1) {
        text = text.slice(1);
        aw -= 1;
      }
    }
    while (used + aw > w && text) {
      const [head, rest] = splitAt(text, w - used, used === 0);
      if (head) lines[lines.length - 1]!.push({ ...atom, text: head, breakAfter: false });
      newLine();
      text = rest;
      aw = cellWidth(rest);
    }
    if (text) {
      lines[lines.length - 1]!.push({ ...atom, text });
      used += aw;
    }
    if (atom.breakAfter) newLine();
  }
  if (lines.length > 1 && lines[lines.length - 1]!.length === 0) lines.pop();
  return lines;
}

/** The last `rows` lines (long outputs scroll: the newest text stays in view). */
/** The row a reader's eye goes to: the last row with a token committed this pass, else the last row with any text
 *  (prompt or committed), else the first. Masked positions after it are still to come. */
export function focusRow(lines: readonly Line[]): number {
  const last = (ok: (a: Atom) => boolean) => {
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.some(ok)) return i;
    return -1;
  };
  const fresh = last((a) => a.kind === 'fresh');
  if (fresh >= 0) return fresh;
  return Math.max(
    0,
    last((a) => a.kind !== 'mask' && a.kind !== 'guess'),
  );
}

/** The rows shown of a lane's text: `rows` rows ending one row past the focus (focusRow), or at the first row still
 *  masked after it where that fits, so that a canvas still masked at its end shows its newest tokens and what is
 *  still masked after them; a text without masks shows its newest rows. hidden: rows above the window. */
export function windowLines(lines: readonly Line[], rows: number): { lines: Line[]; hidden: number } {
  const n = Math.max(0, rows);
  const focus = focusRow(lines);
  // the first row still masked after the focus, where it fits beside the focus (blank rows may come between)
  let masked = -1;
  for (let i = focus + 1; i < lines.length && i < focus + n; i++)
    if (lines[i]!.some((a) => a.kind === 'mask' || a.kind === 'guess')) {
      masked = i;
      break;
    }
  const end = Math.min(lines.length, Math.max(n, focus + 2, masked + 1));
  const hidden = Math.max(0, end - n);
  return { lines: lines.slice(hidden, end), hidden };
}

/** Merge neighbouring atoms of the same style so a line draws with few Text nodes. */
export function mergeLine(line: Line): Line {
  const out: Line = [];
  for (const a of line) {
    const prev = out[out.length - 1];
    if (prev && prev.kind === a.kind && confidenceBand(prev.confidence) === confidenceBand(a.confidence)) {
      out[out.length - 1] = { ...prev, text: prev.text + a.text };
    } else out.push({ ...a });
  }
  return out;
}

/** The generated text of a lane (committed positions only), for summaries: whole characters (the engine groups
 * them, src/engine/model/characters.ts); a character still incomplete is U+FFFD. */
export function generatedText(positions: readonly Position[]): string {
  return positions
    .filter((p) => p.state === 'committed')
    .map((p) => p.text)
    .join('');
}
