// Token ids for the Python trainer (src/train/train.py), written by the project's own tokenizer so the trainer and the
// runtime can never disagree on tokenisation:
//   node --import tsx src/train/write-tokens.ts [--family austen|code] [--tokenizer models/tokenizer.json] [--out checkpoints/tokens]
// writes train.bin and valid.bin (uint16 little-endian, the novels one after another) and tokens.json
// ({ vocab, maskId, train: { docs: [lengths…], bytes }, valid: {…} }); windows never cross a novel boundary.
import { join } from 'node:path';
import { Tokenizer } from '../engine/model/tokenizer.js';
import { encodeSplit, type Split } from './data.js';
import { familyOf, familyTexts } from './family.js';
import { makeFolder, writeFileAtomic } from '../engine/io/atomic-write.js';
import { InputError } from '../engine/io/errors.js';
import { runCommand } from '../commands/errors.js';
import { parseScriptArgs } from './script-args.js';

process.exitCode = await runCommand('write-tokens', async () => {
  const { values: a } = parseScriptArgs({
    options: {
      tokenizer: { type: 'string' },
      out: { type: 'string' },
      corpus: { type: 'string' },
      family: { type: 'string', default: 'austen' },
    },
  });
  // each family has its own tokenizer and token folder (train.py --family picks the same defaults)
  const family = familyOf(a.family);
  a.tokenizer ??= family === 'code' ? 'models/code/tokenizer.json' : 'models/tokenizer.json';
  a.out ??= family === 'code' ? 'checkpoints/tokens-code' : 'checkpoints/tokens';
  const tok = Tokenizer.load(a.tokenizer!);
  if (tok.vocabSize > 65536)
    throw new InputError(`${a.tokenizer}: uint16 ids need a vocabulary of at most 65536, got ${tok.vocabSize}`);
  const texts = familyTexts(family, a.corpus);
  const train = encodeSplit(tok, texts.train);
  const valid = encodeSplit(tok, texts.valid);
  makeFolder(a.out!, 'token folder');
  const write = (name: string, s: Split) => {
    const ids = new Uint16Array(s.tokens);
    let off = 0;
    for (const d of s.docs) {
      ids.set(d, off);
      off += d.length;
    }
    writeFileAtomic(join(a.out!, `${name}.bin`), new Uint8Array(ids.buffer));
    return { docs: s.docs.map((d) => d.length), tokens: s.tokens, bytes: s.bytes };
  };
  const meta = { vocab: tok.vocabSize, maskId: tok.maskId, train: write('train', train), valid: write('valid', valid) };
  writeFileAtomic(join(a.out!, 'tokens.json'), JSON.stringify(meta, null, 1) + '\n');
  process.stdout.write(
    `wrote ${a.out}: train ${train.tokens} tokens (${train.bytes} bytes), valid ${valid.tokens} tokens (${valid.bytes} bytes)\n`,
  );
  return 0;
});
