// Teacher trajectories for distillation (issue 19; dParallel, d3LLM): the code model's own greedy AR completions of
// prompts cut from the training split, written as a token folder train.py reads (--tokens). A denoiser trained on the
// text its AR mode would write learns to be sure of it: what a confidence threshold needs to commit several tokens.
//   node --import tsx src/train/teacher.ts [--model-dir models/code] [--tokens checkpoints/tokens-code]
//        [--out checkpoints/tokens-code-teacher] [--samples 1500] [--prompt 32] [--seed 1]
// Each sample is one document of prompt + completion = context + 2 tokens, so train.py's window is the whole sample.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DECODE, type DecodeConfig } from '../engine/config.js';
import { laneSpec } from '../engine/lanes.js';
import { openModel } from '../engine/run.js';
import { rng } from '../engine/decode/sample.js';
import { runCommand } from '../commands/errors.js';
import { parseScriptArgs } from './script-args.js';

const code = await runCommand('teacher', async () => {
  const { values: a } = parseScriptArgs({
    options: {
      'model-dir': { type: 'string', default: 'models/code' },
      tokens: { type: 'string', default: 'checkpoints/tokens-code' },
      out: { type: 'string', default: 'checkpoints/tokens-code-teacher' },
      samples: { type: 'string', default: '1500' },
      prompt: { type: 'string', default: '32' },
      seed: { type: 'string', default: '1' },
    },
  });
  const m = await openModel(a['model-dir']);
  const meta = JSON.parse(readFileSync(join(a.tokens, 'tokens.json'), 'utf8')) as {
    vocab: number;
    maskId: number;
    train: { docs: number[] };
  };
  const buf = readFileSync(join(a.tokens, 'train.bin'));
  const ids = new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2);
  const starts: number[] = [];
  meta.train.docs.reduce((off, n) => (starts.push(off), off + n), 0);
  const P = Number(a.prompt);
  const length = m.json.config.context + 2 - P; // train.py reads windows of context + 1 tokens; one spare
  const nl = m.ctx.tokenizer.encode('\n');
  const rand = rng(Number(a.seed));
  const out: number[] = [];
  const docs: number[] = [];
  const t0 = performance.now();
  for (let s = 0; docs.length < Number(a.samples); s++) {
    // a prompt of P tokens that starts a line: pick a document by length, then a token right after a newline
    let d = 0;
    const r = rand() * ids.length;
    while (d + 1 < starts.length && starts[d + 1]! <= r) d++;
    const end = d + 1 < starts.length ? starts[d + 1]! : ids.length;
    let at = Math.floor(r);
    while (at < end - P && ids[at - 1] !== nl[0]) at++;
    if (at >= end - P) continue;
    const prompt = m.ctx.tokenizer.decode([...ids.subarray(at, at + P)]);
    if (m.ctx.tokenizer.encode(prompt).length !== P) continue; // text that re-tokenises otherwise
    const cfg: DecodeConfig = { ...DEFAULT_DECODE, prompt, length, temperature: 0, topK: 0, seed: s };
    let last = null;
    for await (const e of laneSpec('ar').decode({ main: m.ctx }, cfg)) last = e;
    const tokens = last!.positions.map((p) => p.token!);
    out.push(...tokens);
    docs.push(tokens.length);
    if (docs.length % 100 === 0)
      process.stderr.write(`teacher: ${docs.length} samples, ${((performance.now() - t0) / 1e3).toFixed(0)} s\n`);
  }
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, 'train.bin.tmp'), new Uint16Array(out));
  renameSync(join(a.out, 'train.bin.tmp'), join(a.out, 'train.bin'));
  // validation stays the corpus's held-out modules: the distilled model is judged on real code
  writeFileSync(join(a.out, 'valid.bin'), readFileSync(join(a.tokens, 'valid.bin')));
  const src = JSON.parse(readFileSync(join(a.tokens, 'tokens.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(a.out, 'tokens.json'),
    JSON.stringify({
      ...src,
      train: { docs, tokens: out.length, teacher: { model: a['model-dir'], prompt: P, length, temperature: 0 } },
    }),
  );
  process.stderr.write(`teacher: ${docs.length} samples, ${out.length} tokens in ${a.out}\n`);
  return 0;
});
process.exit(code);
