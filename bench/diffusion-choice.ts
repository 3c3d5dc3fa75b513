// The diffusion lane's token choice on tensors (the current block's masked rows, decode/choose.ts) vs in JS over every
// masked row's downloaded logits (test/helpers/comparison.ts), at the sampling defaults: interleaved A/B in one
// process, min over repeats of the mean ms per pass (the machine is shared: the ratio is what counts), and whether the
// two commit the same tokens. Used by bench/bench.ts; alone: node --import tsx bench/diffusion-choice.ts [model-dir]
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import type { DecodeContext } from '../src/engine/decode/context.js';
import { chooseInBlock, diffusion, type PassChooser } from '../src/engine/decode/diffusion.js';
import { chooseAllInJs } from '../test/helpers/comparison.js';

export interface DiffusionChoiceBench {
  config: { length: number; steps: number; block: number };
  /** mean ms per pass, min over repeats */
  tensorMs: number;
  jsMs: number;
  /** jsMs / tensorMs */
  speedup: number;
  /** the two runs committed the same tokens in the same passes */
  sameTokens: boolean;
}

async function run(
  ctx: DecodeContext,
  cfg: DecodeConfig,
  choose: PassChooser,
): Promise<{ ms: number; commits: string }> {
  let ms = 0,
    n = 0;
  const commits: number[][] = [];
  for await (const e of diffusion(ctx, cfg, choose)) {
    ms += e.wallMs;
    n++;
    commits.push(e.committed.map((i) => e.positions[i].token!));
  }
  return { ms: ms / n, commits: JSON.stringify(commits) };
}

export async function benchDiffusionChoice(ctx: DecodeContext, reps = 3): Promise<DiffusionChoiceBench> {
  // two blocks: in the first, the JS choice also guesses the second block's 32 masked rows
  const config = { length: 64, steps: 32, block: 32 };
  const cfg: DecodeConfig = {
    ...DEFAULT_DECODE,
    prompt: 'It is a truth universally acknowledged',
    length: config.length,
    lanes: { diffusion: { steps: config.steps, block: config.block } },
  };
  const [tensor, js] = [chooseInBlock, chooseAllInJs];
  await run(ctx, cfg, tensor);
  await run(ctx, cfg, js); // warm-up
  let t = Infinity,
    j = Infinity,
    same = true;
  for (let r = 0; r < reps; r++) {
    const a = await run(ctx, cfg, tensor),
      b = await run(ctx, cfg, js);
    t = Math.min(t, a.ms);
    j = Math.min(j, b.ms);
    same &&= a.commits === b.commits;
  }
  return { config, tensorMs: +t.toFixed(2), jsMs: +j.toFixed(2), speedup: +(j / t).toFixed(2), sameTokens: same };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { openModel, DEFAULT_MODEL_DIR } = await import('../src/engine/run.js');
  const { ctx } = await openModel(process.argv[2] ?? DEFAULT_MODEL_DIR, 'wasm');
  console.log(JSON.stringify(await benchDiffusionChoice(ctx), null, 2));
}
