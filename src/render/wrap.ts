// Word wrap of lane text: BPE tokens split words (" c" + "redit"), so wrapping at token boundaries breaks words.
// Here a word is the run of atoms from one that starts with a space (or a line start, or a mask) to the next; words
// wrap whole, and only a word wider than the line is cut (by text.ts wrapAtoms, character by character).
import { cellWidth, wrapAtoms, type Atom, type Line } from './text.js';

/** Atoms grouped into words: a group starts at a leading space, after a hard break, and at every mask. */
export function wordGroups(atoms: readonly Atom[]): Atom[][] {
  const groups: Atom[][] = [];
  let cur: Atom[] = [];
  let prev: Atom | null = null;
  for (const a of atoms) {
    const starts = !prev || prev.breakAfter || a.text.startsWith(' ') || a.kind === 'mask' || prev.kind === 'mask';
    if (starts && cur.length) {
      groups.push(cur);
      cur = [];
    }
    cur.push(a);
    prev = a;
  }
  if (cur.length) groups.push(cur);
  return groups;
}

/** Greedy wrap, whole words per line; the space a line would start with is dropped; hard breaks kept. */
export function wrapWords(atoms: readonly Atom[], width: number): Line[] {
  const w = Math.max(1, width);
  const lines: Line[] = [[]];
  let used = 0;
  const newLine = () => {
    lines.push([]);
    used = 0;
  };
  for (const g of wordGroups(atoms)) {
    const gw = g.reduce((s, a) => s + cellWidth(a.text), 0);
    if (used > 0 && used + gw > w) {
      newLine();
      if (g[0]!.text.startsWith(' ')) g[0] = { ...g[0]!, text: g[0]!.text.slice(1) };
    }
    const width = g.reduce((s, a) => s + cellWidth(a.text), 0);
    if (used + width <= w) {
      for (const a of g) {
        if (a.text) lines[lines.length - 1]!.push(a);
        used += cellWidth(a.text);
        if (a.breakAfter) newLine();
      }
      continue;
    }
    // a word wider than the line: cut it character by character, continuing the current line
    const pad: Atom[] = used > 0 ? [{ text: ' '.repeat(used), kind: 'mark', confidence: null, breakAfter: false }] : [];
    const cut = wrapAtoms([...pad, ...g], w);
    cut[0] = cut[0]!.slice(pad.length);
    lines[lines.length - 1]!.push(...cut[0]!);
    for (const l of cut.slice(1)) lines.push(l);
    used = cut.length > 1 ? cut[cut.length - 1]!.reduce((s, a) => s + cellWidth(a.text), 0) : used + width;
    if (g[g.length - 1]!.breakAfter) newLine();
  }
  if (lines.length > 1 && lines[lines.length - 1]!.length === 0) lines.pop();
  return lines;
}
