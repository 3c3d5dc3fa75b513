// Train a byte-level BPE tokenizer: greedy merges by pair frequency over the unique pre-token words, with
// incremental pair-count updates (only the words holding the merged pair are touched).
//
//   node --import tsx src/train/bpe.ts --vocab 2048 --out models/tokenizer.json     # train on the corpus' train split
//   node --import tsx src/train/bpe.ts --sweep 1024,1536,2048,3072,4096             # measure, print a markdown table
//   node --import tsx src/train/bpe.ts --text fixtures/corpus-mini.txt --vocab 320 --out fixtures/tokenizer.json
import { pathToFileURL } from 'node:url';
import { GPT2_PATTERN, Tokenizer } from '../engine/model/tokenizer.js';
import { familyOf, familyTexts } from './family.js';
import { writeFileAtomic } from '../engine/io/atomic-write.js';
import { UsageError } from '../engine/io/errors.js';
import { readRegularFile } from '../engine/io/read-file.js';
import { PROCESS_IO, runCommand, type CommandIO } from '../commands/errors.js';
import { parseScriptArgs } from './script-args.js';

const pairKey = (a: number, b: number): number => a * 65536 + b;

/** Count pre-token words over the texts. */
export function countWords(texts: readonly string[], pattern = GPT2_PATTERN): Map<string, number> {
  const re = new RegExp(pattern, 'gu');
  const counts = new Map<string, number>();
  for (const t of texts) for (const m of t.matchAll(re)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return counts;
}

/**
 * Learn vocabSize - 257 merges (vocabSize counts the 256 bytes and the mask). Ties in pair count go to the smaller
 * (a, b), so training is deterministic. Stops early when no adjacent pair is left: a tiny text may yield a smaller
 * vocabulary than asked.
 */
export function trainBpe(texts: readonly string[], vocabSize: number, pattern = GPT2_PATTERN): Tokenizer {
  if (!Number.isInteger(vocabSize) || vocabSize < 257 || vocabSize > 65536) {
    throw new RangeError(`vocab size must be an integer from 257 to 65536, got ${vocabSize}`);
  }
  const target = vocabSize - 257;
  const enc = new TextEncoder();
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, n] of countWords(texts, pattern)) {
    words.push(Array.from(enc.encode(w)));
    freq.push(n);
  }
  const counts = new Map<number, number>(); // pair → occurrences weighted by word frequency
  const where = new Map<number, Set<number>>(); // pair → words that held it at some point (may be stale)
  const add = (w: number, sign: number): void => {
    const s = words[w]!;
    const f = freq[w]! * sign;
    for (let i = 0; i + 1 < s.length; i++) {
      const k = pairKey(s[i]!, s[i + 1]!);
      const c = (counts.get(k) ?? 0) + f;
      if (c === 0) counts.delete(k);
      else counts.set(k, c);
      if (sign > 0) {
        let set = where.get(k);
        if (!set) where.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) add(w, 1);

  const merges: [number, number][] = [];
  while (merges.length < target) {
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of counts) {
      if (c > bestCount || (c === bestCount && k < best)) {
        best = k;
        bestCount = c;
      }
    }
    if (best < 0) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    const id = 256 + merges.length;
    merges.push([a, b]);
    for (const w of where.get(best) ?? []) {
      const s = words[w]!;
      let holds = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) holds = true;
      if (!holds) continue;
      add(w, -1);
      const merged: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(id);
          i++;
        } else merged.push(s[i]!);
      }
      words[w] = merged;
      add(w, 1);
    }
    where.delete(best);
    counts.delete(best);
  }
  return new Tokenizer(merges, pattern);
}

/** Bytes per token: UTF-8 bytes of the texts over the number of tokens they encode to. */
export function bytesPerToken(tok: Tokenizer, texts: readonly string[]): number {
  let bytes = 0;
  let tokens = 0;
  for (const t of texts) {
    bytes += Buffer.byteLength(t, 'utf8');
    tokens += tok.encode(t).length;
  }
  return bytes / tokens;
}

export interface SweepRow {
  vocab: number;
  validBytesPerToken: number;
  trainTokens: number;
  /** ids that never occur in the train split (mostly the byte values absent from the corpus) */
  unusedTokens: number;
  /** ids that occur 1..RARE-1 times in the train split: their embeddings see little gradient */
  rareTokens: number;
  /** median train occurrences over the ids that do occur */
  medianCount: number;
  trainSeconds: number;
}
export const RARE = 100;

/** Train one tokenizer per size on the train split and measure it. */
export function sweep(train: readonly string[], valid: readonly string[], sizes: readonly number[]): SweepRow[] {
  return sizes.map((vocab) => {
    const t0 = performance.now();
    const tok = trainBpe(train, vocab);
    const trainSeconds = (performance.now() - t0) / 1000;
    const occ = new Array<number>(tok.vocabSize - 1).fill(0);
    let trainTokens = 0;
    for (const t of train)
      for (const id of tok.encode(t)) {
        occ[id]!++;
        trainTokens++;
      }
    const used = occ.filter((c) => c > 0).sort((x, y) => x - y);
    return {
      vocab,
      validBytesPerToken: bytesPerToken(tok, valid),
      trainTokens,
      unusedTokens: occ.length - used.length,
      rareTokens: used.filter((c) => c < RARE).length,
      medianCount: used[Math.floor(used.length / 2)]!,
      trainSeconds,
    };
  });
}

function table(rows: SweepRow[]): string {
  const out = [
    `| V | valid bytes/token | train tokens | V·192 | V·256 | unused ids | ids seen 1–${RARE - 1}× | median count | train s |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const k = (n: number): string => `${(n / 1000).toFixed(0)}k`;
    out.push(
      `| ${r.vocab} | ${r.validBytesPerToken.toFixed(3)} | ${(r.trainTokens / 1e6).toFixed(2)} M | ${k(r.vocab * 192)} | ${k(r.vocab * 256)} | ${r.unusedTokens} | ${r.rareTokens} | ${r.medianCount} | ${r.trainSeconds.toFixed(1)} |`,
    );
  }
  return out.join('\n');
}

/** tokenizer.json with one merge per line, so diffs between tokenizers stay readable. */
export function formatJSON(tok: Tokenizer): string {
  const j = tok.toJSON();
  const merges = j.merges.map((m) => `    ${JSON.stringify(m)}`).join(',\n');
  return `{\n  "type": "byte-bpe",\n  "version": 1,\n  "pattern": ${JSON.stringify(j.pattern)},\n  "specials": ${JSON.stringify(j.specials)},\n  "merges": [\n${merges}\n  ]\n}\n`;
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(
    'bpe',
    async () => {
      const opts = parseScriptArgs({
        args: argv,
        options: {
          vocab: { type: 'string', default: '2048' },
          out: { type: 'string' },
          corpus: { type: 'string' },
          text: { type: 'string' },
          sweep: { type: 'string' },
          family: { type: 'string', default: 'austen' },
        },
        strict: true,
      }).values;
      if (opts.sweep) {
        const sizes = opts.sweep.split(',').map(Number);
        if (!sizes.every((n) => Number.isInteger(n) && n >= 257 && n <= 65536))
          throw new UsageError(`--sweep wants comma-separated vocab sizes from 257 to 65536, got ${opts.sweep}`);
        const c = familyTexts(familyOf(opts.family), opts.corpus, false);
        io.out(table(sweep(c.train, c.valid, sizes)) + '\n');
        return 0;
      }
      const vocab = Number(opts.vocab);
      if (!Number.isInteger(vocab) || vocab < 257 || vocab > 65536)
        throw new UsageError(`--vocab must be an integer from 257 to 65536, got ${opts.vocab}`);
      let train: string[];
      let valid: string[] = [];
      if (opts.text) {
        // a training text of up to 1 GB; InputError (exit 1) naming the file otherwise
        train = [readRegularFile(opts.text, { what: 'text', maxBytes: 2 ** 30 }).toString('utf8')];
      } else {
        const c = familyTexts(familyOf(opts.family), opts.corpus, false);
        train = c.train;
        valid = c.valid;
      }
      const t0 = performance.now();
      const tok = trainBpe(train, vocab);
      const secs = (performance.now() - t0) / 1000;
      const bpt = valid.length ? ` validation ${bytesPerToken(tok, valid).toFixed(3)} bytes/token,` : '';
      io.out(
        `trained V=${tok.vocabSize} (${tok.mergeCount} merges) in ${secs.toFixed(1)} s,${bpt} train ${bytesPerToken(tok, train).toFixed(3)} bytes/token\n`,
      );
      if (opts.out) writeFileAtomic(opts.out, formatJSON(tok), 'tokenizer');
      return 0;
    },
    io,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main(process.argv.slice(2));
