// The measurement behind DEFAULT_DECODE's sampling settings (models/README.md, "Decoding defaults"):
//   node --import tsx src/train/decode-grid.ts [--model-dir models] [--seeds 2] [--first-seed 1] [--steps N] [--strategy S]
// For each (temperature, top-k) and, for diffusion, each block length: both lanes on every prompt of
// fixtures/prompts.json at the default length and steps, over a few seeds (the AR lane on <model-dir>/ar where it
// ships); reports generative perplexity (judged by the AR lane's model), real-word share and distinct-1/2/3 (src/engine/quality.ts), pooled as npm run eval pools them.
import { DEFAULT_DECODE, type DecodeConfig } from '../engine/config.js';
import { DIFFUSION_DEFAULTS } from '../engine/lanes.js';
import { loadLexicon, measureGeneration, openModel, pooled, type Generation } from '../engine/quality.js';
import { DEFAULT_MODEL_DIR, openLaneModels } from '../engine/run.js';
import { lanes } from '../engine/lanes.js';
import { loadPrompts } from './eval-generation.js';
import { runCommand } from '../commands/errors.js';
import { parseScriptArgs } from './script-args.js';

const code = await runCommand('decode-grid', async () => {
  const { values: a } = parseScriptArgs({
    options: {
      'model-dir': { type: 'string' },
      seeds: { type: 'string', default: '2' },
      'first-seed': { type: 'string', default: '1' },
      steps: { type: 'string', default: String(DIFFUSION_DEFAULTS.steps) },
      strategy: { type: 'string', default: DIFFUSION_DEFAULTS.strategy },
      temps: { type: 'string', default: '0,0.6,0.8,1' },
      topks: { type: 'string', default: '0,20,40' },
      blocks: { type: 'string', default: '' },
    },
  });
  const m = await openModel(a['model-dir'] ?? DEFAULT_MODEL_DIR);
  const { models, opened } = await openLaneModels(
    m,
    lanes().filter((l) => l.id === 'ar'),
  );
  const lexicon = loadLexicon();
  const prompts = loadPrompts();
  const seeds = Array.from({ length: Number(a.seeds) }, (_, i) => i + Number(a['first-seed']));
  const L = DEFAULT_DECODE.length;
  const blocks = a.blocks ? a.blocks.split(',').map(Number) : [L, L / 2, L / 4];
  const rows: string[] = [];
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => String(c).padStart(i === 0 ? 10 : i < 4 ? 6 : 9)).join(' ');
  console.log(
    `model ${m.name}; length ${L}, steps ${a.steps}, ${a.strategy}; ${prompts.length} prompts × ${seeds.length} seeds`,
  );
  console.log(line(['lane', 'temp', 'top-k', 'block', 'ppl', 'real', 'dist-1', 'dist-2', 'dist-3']));
  for (const temperature of a.temps!.split(',').map(Number))
    for (const topK of a.topks!.split(',').map(Number)) {
      if (temperature === 0 && topK !== 0) continue; // greedy ignores top-k
      const runs: [string, number][] = [['ar', L], ...blocks.map((b): [string, number] => ['diffusion', b])];
      for (const [lane, block] of runs) {
        const gs: Generation[] = [];
        for (const seed of temperature === 0 ? [0] : seeds)
          for (const prompt of prompts) {
            const cfg: DecodeConfig = {
              ...DEFAULT_DECODE,
              prompt,
              temperature,
              topK,
              seed,
              lanes: { diffusion: { block, steps: Number(a.steps), strategy: a.strategy } },
            };
            gs.push(await measureGeneration(m, lane as 'ar' | 'diffusion', cfg, lexicon, models));
          }
        const p = pooled(gs);
        const r = line([
          lane,
          temperature,
          topK,
          lane === 'ar' ? '–' : block,
          p.perplexity.toFixed(1),
          ((p.realWordShare ?? 0) * 100).toFixed(0) + '%',
          ...p.distinct.map((x) => (x ?? 0).toFixed(3)),
        ]);
        rows.push(r);
        console.log(r);
      }
    }
  for (const x of [m, ...opened]) x.ctx.model.dispose();
  return 0;
});
// tfjs' wasm module keeps handles open
process.exit(code);
