// The two model families and their corpora: prose (Jane Austen, shared/corpus/austen.txt) and code (the Python 3.11
// standard library, src/train/code-corpus.ts). The tokenizer, token writer and trainer take a family by name.
import { UsageError } from '../engine/io/errors.js';
import { loadCorpus } from './corpus.js';
import { loadCodeCorpus } from './code-corpus.js';
import { unwrapLines } from './data.js';

export const FAMILIES = ['austen', 'code'] as const;
export type Family = (typeof FAMILIES)[number];

/** A family's training and validation texts, as trained (prose unwrapped: data.ts unwrapLines says why). */
export function familyTexts(family: Family, corpusPath?: string, unwrap = true): { train: string[]; valid: string[] } {
  if (family === 'code') {
    const c = loadCodeCorpus(corpusPath);
    return { train: c.train, valid: c.valid };
  }
  const c = loadCorpus(corpusPath);
  const f = unwrap ? unwrapLines : (t: string) => t;
  return { train: c.train.map(f), valid: c.valid.map(f) };
}

/** A family name from a flag, or a one-line reason. */
export function familyOf(name: string | undefined): Family {
  const f = name ?? 'austen';
  if (!(FAMILIES as readonly string[]).includes(f))
    throw new UsageError(`--family must be one of ${FAMILIES.join(', ')}, got ${JSON.stringify(f)}`);
  return f as Family;
}
