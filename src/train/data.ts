// Token windows for training and evaluation: the corpus split encoded once, windows drawn inside one novel.
import { type Tokenizer } from '../engine/model/tokenizer.js';
import { loadCorpus } from './corpus.js';

export interface Split {
  /** one token array per novel */
  docs: Int32Array[];
  tokens: number;
  bytes: number;
}

export function encodeSplit(tok: Tokenizer, texts: string[]): Split {
  const docs = texts.map((t) => Int32Array.from(tok.encode(t)));
  return {
    docs,
    tokens: docs.reduce((n, d) => n + d.length, 0),
    bytes: texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0),
  };
}

/** The novels are hard-wrapped at ~70 columns. A wrap carries no language (predicting it means counting characters),
 * yet "\n" is then one token in twelve and a small model learns to emit it everywhere. Training text joins wrapped
 * lines with a space and keeps paragraph breaks (an empty line): text = replace(/(\S)\n(?=\S)/, "$1 "), runs of
 * 3+ newlines → 2. */
export function unwrapLines(text: string): string {
  return text.replace(/([^\n])\n(?=[^\n])/g, '$1 ').replace(/\n{3,}/g, '\n\n');
}

export function loadSplits(tok: Tokenizer, corpusPath?: string, unwrap = true): { train: Split; valid: Split } {
  const c = loadCorpus(corpusPath);
  const f = unwrap ? unwrapLines : (t: string) => t;
  return { train: encodeSplit(tok, c.train.map(f)), valid: encodeSplit(tok, c.valid.map(f)) };
}

/** B windows of n tokens, each inside one document (documents picked in proportion to their length). */
export function sampleWindows(split: Split, B: number, n: number, rand: () => number): Int32Array {
  const out = new Int32Array(B * n);
  const usable = split.docs.map((d) => Math.max(0, d.length - n));
  const total = usable.reduce((a, b) => a + b, 0);
  for (let b = 0; b < B; b++) {
    let r = Math.floor(rand() * total);
    let i = 0;
    while (r >= usable[i]) r -= usable[i++];
    out.set(split.docs[i].subarray(r, r + n), b * n);
  }
  return out;
}

/** Consecutive non-overlapping windows of n tokens over every document (deterministic evaluation). */
export function tileWindows(split: Split, n: number, maxWindows = Infinity): Int32Array[] {
  const out: Int32Array[] = [];
  for (const d of split.docs)
    for (let s = 0; s + n <= d.length && out.length < maxWindows; s += n) out.push(d.subarray(s, s + n));
  return out;
}
