// The training corpus: Jane Austen's six novels in one file, checked by sha256, split per novel into train and
// validation (the last 5% of each novel, cut at a line boundary), so validation covers every author's-voice mix
// the model trains on and never shares a line with training.
//
// Rebuild: `node --import tsx src/train/rebuild-corpus.ts --out austen.txt` downloads Debian's r-cran-janeaustenr
// 1.0.0-1, reads janeaustenr/data/Rdata.rdb (+ .rdx) with src/train/rdata.ts, and writes every line of the six novels,
// in the order below, each followed by "\n" (R's writeLines); it writes nothing unless the sha256 matches.
import { InputError } from '../engine/io/errors.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_SHA256 = '65b434d16a8755142bfa95ba19c5f9abd0d30cf3dffe3b6793e834f9f56dcc96';
export const REBUILD_NOTE =
  'rebuild it with `node --import tsx src/train/rebuild-corpus.ts --out austen.txt` (from Debian package r-cran-janeaustenr 1.0.0-1) and pass --corpus';
/** In file order; each starts at a line holding just its title (any case), followed within a few lines by "Austen". */
export const NOVELS = [
  'Emma',
  'Mansfield Park',
  'Northanger Abbey',
  'Persuasion',
  'Pride and Prejudice',
  'Sense and Sensibility',
] as const;
export const VALID_FRACTION = 0.05;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_CORPUS = resolve(REPO_ROOT, '../shared/corpus/austen.txt');

/** The corpus is missing or not the expected one: a file error (exit 1), reported like the tool's (DlmError). */
export class CorpusError extends InputError {
  override name = 'CorpusError';
}

export interface Corpus {
  /** per novel, in NOVELS order: the first ~95% */
  train: string[];
  /** per novel: the last ~5%, starting at a line start; train[i] + valid[i] is the whole novel */
  valid: string[];
  /** the novel titles, parallel to train and valid */
  novels: string[];
}

/** Read and verify the corpus, split it into novels, then into train/validation. Throws CorpusError (one line). */
export function loadCorpus(path: string = DEFAULT_CORPUS): Corpus {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new CorpusError(
      `corpus not found at ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}); ${REBUILD_NOTE}`,
    );
  }
  const sha = createHash('sha256').update(buf).digest('hex');
  if (sha !== CORPUS_SHA256) {
    throw new CorpusError(
      `corpus ${path} has sha256 ${sha.slice(0, 12)}…, expected ${CORPUS_SHA256.slice(0, 12)}…; ${REBUILD_NOTE}`,
    );
  }
  const novels = splitNovels(buf.toString('utf8'), NOVELS);
  const parts = novels.map((n) => splitTrainValid(n));
  return { train: parts.map((p) => p.train), valid: parts.map((p) => p.valid), novels: [...NOVELS] };
}

/**
 * Cut a text at its title lines, in order. Novel i runs from the start of its title line to the start of the next
 * title line, so the pieces concatenate back to the text. The first title must be the first line.
 */
export function splitNovels(text: string, titles: readonly string[]): string[] {
  const lines = text.split('\n');
  const lineStart: number[] = [];
  let at = 0;
  for (const l of lines) {
    lineStart.push(at);
    at += l.length + 1;
  }
  const starts: number[] = [];
  let from = 0;
  for (const title of titles) {
    const want = title.toLowerCase();
    let found = -1;
    for (let i = from; i < lines.length; i++) {
      if (lines[i]!.trim().toLowerCase() !== want) continue;
      // a byline soon after tells a title page from a line that merely says the name
      if (lines.slice(i + 1, i + 8).some((l) => /austen/i.test(l))) {
        found = i;
        break;
      }
    }
    if (found < 0) throw new CorpusError(`corpus: no title line "${title}" after line ${from + 1}; ${REBUILD_NOTE}`);
    if (starts.length === 0 && found !== 0)
      throw new CorpusError(`corpus: expected "${title}" on the first line; ${REBUILD_NOTE}`);
    starts.push(lineStart[found]!);
    from = found + 1;
  }
  return starts.map((s, i) => text.slice(s, i + 1 < starts.length ? starts[i + 1] : text.length));
}

/** Validation = the last `fraction` of the text, starting at the beginning of the line that holds the cut point. */
export function splitTrainValid(text: string, fraction = VALID_FRACTION): { train: string; valid: string } {
  const target = Math.floor(text.length * (1 - fraction));
  const cut = target <= 0 ? 0 : text.lastIndexOf('\n', target - 1) + 1;
  return { train: text.slice(0, cut), valid: text.slice(cut) };
}
