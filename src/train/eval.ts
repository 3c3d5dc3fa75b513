// npm run eval -- [--model-dir models] [--ar-dir <model-dir>/ar] [--draft-dir <model-dir>/draft] [--quick] [--json] [--write-reference] [--corpus PATH] [--backend NAME]
//                  [--seed N] [--draws D]   (the ELBO's draws: another seed shows how stable the figure is)
//
// Evaluates one model directory on held-out text and on the fixed prompt set, with fixed seeds. Where the directory
// holds an AR-adapted copy of its model (ar/, same shape), the AR figures, the AR lanes and the judge of generated
// text are that copy's; the diffusion figures are always the main model's.
//
// The jobs, a file each: eval-settings.ts (seed, targets, the full and --quick protocols), eval-likelihood.ts
// (held-out bits per byte), eval-generation.ts (generation quality, speculative decoding), eval-report.ts (one run
// → EvalReport, the quick reference), eval-text.ts (the report as text). This file is the command line.
//
// --quick scores fixtures/eval-slice.txt (a fixed 2 KB piece of the validation split) with D = 2, and two prompts at
// L = 16: a few seconds, no corpus needed. --write-reference (with --quick) stores its figures in
// <model-dir>/eval-quick.json, which test/eval.test.ts reproduces.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, type BackendName } from '../engine/model/backend.js';
import { UsageError } from '../engine/io/errors.js';
import { PROCESS_IO, runCommand, type CommandIO } from '../commands/errors.js';
import { evaluate, quickReference } from './eval-report.js';
import { REFERENCE_FILE, type EvalSettings } from './eval-settings.js';
import { evalText } from './eval-text.js';
import { parseScriptArgs } from './script-args.js';

export * from './eval-settings.js';
export * from './eval-likelihood.js';
export * from './eval-generation.js';
export * from './eval-report.js';
export * from './eval-text.js';

function intFlag(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 2 ** 31 - 1)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(
    'eval',
    async () => {
      const a = parseScriptArgs({
        args: argv,
        options: {
          'model-dir': { type: 'string' },
          'draft-dir': { type: 'string' },
          'ar-dir': { type: 'string' },
          quick: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          'write-reference': { type: 'boolean', default: false },
          corpus: { type: 'string' },
          backend: { type: 'string' },
          seed: { type: 'string' },
          draws: { type: 'string' },
        },
      }).values;
      if (a['write-reference'] && !a.quick) throw new UsageError('--write-reference needs --quick');
      if (a.backend && !BACKENDS.includes(a.backend as BackendName))
        throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
      const settings: Partial<EvalSettings> = {};
      if (a.seed !== undefined) settings.seed = intFlag('seed', a.seed, 0);
      if (a.draws !== undefined) settings.draws = intFlag('draws', a.draws, 2);
      if (a['write-reference'] && Object.keys(settings).length)
        throw new UsageError('--write-reference takes the fixed settings: leave out --seed and --draws');
      const r = await evaluate({
        modelDir: a['model-dir'],
        draftDir: a['draft-dir'],
        arDir: a['ar-dir'],
        quick: a.quick,
        corpus: a.corpus,
        backend: a.backend as BackendName | undefined,
        settings,
      });
      io.out(a.json ? JSON.stringify(r, null, 2) + '\n' : evalText(r));
      if (a['write-reference']) {
        const path = join(r.model.dir, REFERENCE_FILE);
        writeFileSync(path, JSON.stringify(quickReference(r), null, 2) + '\n');
        io.err(`wrote ${path}\n`);
      }
      return 0;
    },
    io,
  );
}

if (process.argv[1]?.endsWith('eval.ts')) {
  const code = await main(process.argv.slice(2));
  // tfjs' wasm module keeps handles open
  process.stdout.write('', () => process.exit(code));
}
