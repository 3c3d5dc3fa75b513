// Builds the evaluation fixtures from the training corpus, so that dlm-watch and its tests never need ../shared:
// - fixtures/words.txt: the distinct words of the TRAINING split (src/train/corpus.ts loadCorpus().train), in the
//   sense of src/engine/quality.ts words(), sorted, one per line; the real-word share is measured against it.
// - fixtures/eval-slice.txt: a small fixed piece of the VALIDATION split (the opening lines of Pride and
//   Prejudice's held-out part) that `npm run eval -- --quick` scores and test/eval.test.ts reproduces.
// Rebuild both, byte for byte:  node --import tsx src/train/eval-fixtures.ts [--corpus PATH]
import { dirname, join } from 'node:path';
import { DEFAULT_LEXICON, lexiconOf } from '../engine/quality.js';
import { loadCorpus, type Corpus } from './corpus.js';
import { writeFileAtomic } from '../engine/io/atomic-write.js';
import { runCommand } from '../commands/errors.js';
import { parseScriptArgs } from './script-args.js';

export const WORDS_HEADER = [
  '# The distinct words of the training split of the Austen corpus (first 95% of each novel, src/train/corpus.ts),',
  '# lower-cased runs of letters and apostrophes (src/engine/quality.ts words()); single letters other than a and i left out.',
  '# Rebuild: node --import tsx src/train/eval-fixtures.ts',
];
export const SLICE_PATH = join(dirname(DEFAULT_LEXICON), 'eval-slice.txt');
export const SLICE_NOVEL = 'Pride and Prejudice';
/** about this many characters, cut at the end of a line */
export const SLICE_CHARS = 2000;

/** words.txt: header, then the words. */
export function wordsFile(train: readonly string[]): string {
  return [...WORDS_HEADER, ...lexiconOf(train)].join('\n') + '\n';
}

/** eval-slice.txt: the first SLICE_CHARS characters of one novel's validation part, up to the end of that line. */
export function sliceText(c: Corpus): string {
  const v = c.valid[c.novels.indexOf(SLICE_NOVEL)]!;
  const end = v.indexOf('\n', SLICE_CHARS);
  return v.slice(0, end < 0 ? v.length : end + 1);
}

if (process.argv[1]?.endsWith('eval-fixtures.ts')) {
  process.exitCode = await runCommand('eval-fixtures', async () => {
    const { values: a } = parseScriptArgs({ options: { corpus: { type: 'string' } } });
    const c = loadCorpus(a.corpus);
    const words = wordsFile(c.train);
    writeFileAtomic(DEFAULT_LEXICON, words, 'word list');
    const slice = sliceText(c);
    writeFileAtomic(SLICE_PATH, slice, 'eval slice');
    process.stdout.write(
      `${words.split('\n').length - 1 - WORDS_HEADER.length} words → ${DEFAULT_LEXICON}\n${Buffer.byteLength(slice)} bytes → ${SLICE_PATH}\n`,
    );
    return 0;
  });
}
