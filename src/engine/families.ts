// The shipped model families. `--model NAME` picks a folder of weights under models/ and the defaults that fit its
// text: open prose, where a small model is rarely sure of a token, and Python source, where much of the next block is
// forced (indentation, `self.`, closing brackets) — where parallel decoding pays, as in the field's own figures.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './io/errors.js';

export interface Family {
  id: string;
  /** the folder of its main weights (its ar/ and draft/ beside them, as every model folder) */
  dir: string;
  /** what it was trained on, for headers and --help */
  what: string;
  /** the prompt when none is given */
  prompt: string;
  /** tokens to generate when --length is not given */
  length: number;
  /** sampling defaults, each chosen by measurement (models/README.md, models/code/README.md) */
  temperature: number;
  topK: number;
  /** the lanes a run shows when --lanes is not given (absent: every lane shown by default, lanes.ts byDefault) */
  lanes?: readonly string[];
}

const MODELS = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'models');

export const FAMILIES: readonly Family[] = [
  {
    id: 'austen',
    dir: MODELS,
    what: "prose: Jane Austen's six novels",
    prompt: 'It is a truth universally acknowledged',
    // with the prompt a full-canvas pass runs ~264 positions: compute-bound on an H200 (see DEFAULT_DECODE)
    length: 256,
    // at greedy the small denoiser loops; 1.0 / 40 with 64 diffusion passes: perplexity 1.6× AR's, distinct-3 0.87
    temperature: 1,
    topK: 40,
  },
  {
    id: 'code',
    dir: join(MODELS, 'code'),
    what: "Python: the standard library's source",
    // a held-out function (gzip.py): its block-diffusion TPF (4.6) near the prompt set's median (4.1; pooled 3.05); no
    // newline at the end: the tokenizer writes a line break together with the next line's indentation
    prompt: 'def _read_exact(fp, n):',
    // its context holds 256 tokens: 7 blocks of 32 leave room for a prompt of up to 32
    length: 224,
    // code is decoded greedily in practice (pass@1), and a confidence threshold reads the model's own top choice
    temperature: 0,
    topK: 0,
    // today's story: block diffusion against an exact cache beside AR and speculative AR (the essay's full-canvas
    // lane, the prose default, joins with --lanes); three lanes keep every lane's text readable at 100×30
    lanes: ['ar', 'speculative', 'block'],
  },
];

export const DEFAULT_FAMILY = FAMILIES[0]!;

/** The family named by --model (UsageError naming the choices otherwise). */
export function family(id: string): Family {
  const f = FAMILIES.find((x) => x.id === id);
  if (!f)
    throw new UsageError(
      `--model: no model ${JSON.stringify(id).slice(0, 40)} (the shipped models are ${FAMILIES.map((x) => x.id).join(', ')})`,
    );
  return f;
}

/** The family whose folder this is, if any (a --model-dir elsewhere is nobody's). */
export function familyOfDir(dir: string): Family | undefined {
  return FAMILIES.find((f) => resolve(f.dir) === resolve(dir));
}
