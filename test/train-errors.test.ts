// The training scripts report errors the tool's way (src/commands/errors.ts runCommand, DlmError exit codes): one
// line "dlm-watch <script>: …" on stderr, exit 2 for a bad command line, 1 for a bad file; no stack trace.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../src/engine/io/errors.js';
import { main as bpe } from '../src/train/bpe.js';
import { CorpusError, loadCorpus } from '../src/train/corpus.js';
import { main as evalMain } from '../src/train/eval.js';
import { RDataError } from '../src/train/rdata.js';
import { main as rebuild } from '../src/train/rebuild-corpus.js';

async function run(
  main: (
    argv: string[],
    io: { out: (s: string) => void; err: (s: string) => void; env: Record<string, string> },
  ) => Promise<number>,
  argv: string[],
) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s), env: {} });
  return { code, out, err };
}

test('a bad flag or value: one line naming the script, exit 2', async () => {
  for (const [name, main, argv, re] of [
    ['eval', evalMain, ['--nope'], /^dlm-watch eval: Unknown option '--nope'/],
    ['eval', evalMain, ['--write-reference'], /^dlm-watch eval: --write-reference needs --quick\n$/],
    ['eval', evalMain, ['--draws', '1'], /^dlm-watch eval: --draws must be an integer ≥ 2, got "1"\n$/],
    ['bpe', bpe, ['--vocab', '12'], /^dlm-watch bpe: --vocab must be an integer from 257 to 65536, got 12\n$/],
    ['bpe', bpe, ['--sweep', 'x'], /^dlm-watch bpe: --sweep wants/],
    [
      'rebuild-corpus',
      rebuild,
      ['--rdb', 'a', '--deb', 'b'],
      /^dlm-watch rebuild-corpus: give --deb or --rdb, not both; usage: /,
    ],
    ['rebuild-corpus', rebuild, ['--bogus'], /^dlm-watch rebuild-corpus: Unknown option '--bogus'.*; usage: /],
  ] as const) {
    const r = await run(main, [...argv]);
    assert.equal(r.code, 2, `${name} ${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
});

test('a bad file: one line, exit 1 (the corpus and R data errors are InputErrors)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'train-errors-'));
  try {
    const missing = join(dir, 'none.txt');
    assert.throws(
      () => loadCorpus(missing),
      (e: Error) => e instanceof CorpusError && e instanceof InputError,
    );
    assert.ok(new RDataError('x') instanceof InputError);
    const r = await run(bpe, ['--corpus', missing]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /^dlm-watch bpe: corpus not found at .*none\.txt/);
    assert.equal(r.err.trimEnd().split('\n').length, 1);
    const t = await run(bpe, ['--text', dir, '--vocab', '300']);
    assert.equal(t.code, 1, t.err);
    assert.match(t.err, /^dlm-watch bpe: text .* is a directory, not a regular file\n$/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
