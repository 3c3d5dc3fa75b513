// node --import tsx src/train/code-prompts.ts [--count 24]: writes fixtures/code-prompts.json, the code model's fixed
// prompt set (eval-parallel.ts): signatures of top-level functions from the corpus's held-out modules (never trained
// on), one line each (`def name(args):` with at most 60 characters of arguments, the body on the next line), in sha256
// order of the signature. No newline at the end: the tokenizer writes a line break together with the next line's
// indentation, and a prompt ending in a bare newline tells the model the next line starts at column 0.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadCodeCorpus } from './code-corpus.js';
import { parseScriptArgs } from './script-args.js';

/** The held-out signatures of texts (one per file), in sha256 order. */
export function heldOutSignatures(texts: string[]): string[] {
  const sigs = new Set<string>();
  for (const t of texts) {
    const lines = t.split('\n');
    lines.forEach((l, i) => {
      const m = /^def \w+\((.*)\):$/.exec(l);
      if (m && m[1]!.length <= 60 && /^ {4}\S/.test(lines[i + 1] ?? '')) sigs.add(l);
    });
  }
  const key = (s: string) => createHash('sha256').update(s).digest('hex');
  return [...sigs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseScriptArgs({ options: { count: { type: 'string', default: '24' } } });
  const corpus = loadCodeCorpus();
  const prompts = heldOutSignatures(corpus.valid).slice(0, Number(a.count));
  const note =
    `The code model's fixed prompt set (src/train/eval-parallel.ts), written by src/train/code-prompts.ts: ` +
    `signatures of top-level functions from the held-out modules of the code corpus (${corpus.paths.valid.join(', ')}: never trained on), ` +
    'one line with at most 60 characters of arguments and the body on the next line, in sha256 order of the signature; ' +
    'no newline at the end, since the tokenizer writes a line break together with the next line’s indentation.';
  writeFileSync('fixtures/code-prompts.json', JSON.stringify({ note, prompts }, null, 2) + '\n');
  console.log(`fixtures/code-prompts.json: ${prompts.length} prompts`);
}
