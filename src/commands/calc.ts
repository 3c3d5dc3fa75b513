// `dlm-watch calc`: price generating n tokens autoregressively and by masked diffusion on a model and hardware,
// and the number of diffusion passes at which the two break even. With no flags it prices the worked example of docs/cost-model.md
// (Llama 3.3 70B, H200, 8-bit, 1024 tokens, 51 tok/s, 70 % compute efficiency).
//
// This file parses the flags, prices (engine/price/) and hands the result to its printer: the text report is
// src/render/calc-text.ts (headline first, --derive for every formula), coloured as the live view decides it (NO_COLOR,
// FORCE_COLOR, --no-color, else only on a terminal) in the one palette (src/render/palette.ts).
//
// --json prints one object (schema "dlm-watch/calc@1"); all numbers are SI base units (bytes, FLOP, seconds,
// FLOP/s, bytes/s), B/F is bytes per FLOP:
//   schema: "dlm-watch/calc@1"
//   target: { model: { key, name, shape: ModelShape (with moe, mla when the model has them), tiedEmbeddings, decoder,
//                      source, published: { total, active?, activeNonEmbedding?, totalNonEmbedding?, where } | null },
//             dtype, kvDtype, precision: { weightBytes, kvBytes },
//             hardware: { key, name, peakFlops, bandwidth, peakColumn, peakNote },
//             efficiency: { compute, memory }, batch }
//   generation: { tokens, prompt, speculative, margin, arTokensPerSecond: number | null, arRoofline,
//                 blockCache: number | null }
//   price: GenerationPrice (src/engine/price/generation.ts):
//     params { perLayer, matmul, lmHead, embedding, total, active, reference|null }, weightBytes (all weights),
//     ridgeBytesPerFlop, effectiveRidgeBytesPerFlop (at the efficiencies), crossoverTokens, batch,
//     ar { prefill: Pass|null, token: Pass & { meanK, decodePasses }, schedule { passes, bytes, flops, seconds },
//          rooflineTokensPerSecond, measured { tokensPerSecond, source }|null, seconds, tokensPerSecond,
//          timeSource: "measured"|"roofline" }   (tokens per second over all the batch's sequences),
//     diffusion { pass: Pass, peakSeconds, passesPerSecond, passesPerSecondAtPeak },
//     breakEven { ar, speculative { factor, passes }, margin { factor, passes } },
//     moe { experts, active, shared, layers, imbalance, arToken { tokens, experts }, prefill { tokens, experts }|null,
//           diffusionPass { tokens, experts } } | null   (experts: expected distinct routed experts per MoE block),
//     computeBound { batch|null, maxBatch, arToken: Pass|null, arSeconds|null, diffusionPass: Pass|null, breakEven|null },
//     block { size, meanPrefix, pass: Pass, breakEven, computeBoundFrom|null } | null   (with --block-cache or a canvas)
//     where Pass = { shape: PassShape & { batch? }, cost: PassCost, seconds, computeSeconds, memorySeconds,
//                    bound: "memory"|"compute" }
//   experts: [{ lane: "ar"|"speculative"|"block"|"diffusion", rows, committed, uniform, calibrated }] | null
//            (expected distinct routed experts per MoE block: src/engine/price/experts.ts)
//   workedExample: [{ quantity, unit, ours, article, why }] | null   (only for the worked example's setup)
import { UsageError } from '../engine/config.js';
import { breakEvenPasses } from '../engine/price/break-even.js';
import { MAX_TOKENS, priceGeneration, type GenerationOptions } from '../engine/price/generation.js';
import { priceSpeculation } from '../engine/price/speculation.js';
import { selectTarget } from '../engine/price/target.js';
import { compareWithWorkedExample } from '../engine/price/worked-example.js';
import { MAX_DRAFT_TOKENS } from '../engine/lanes.js';
import { parseArgs, projectionFlags, projectionHelp, shapeFlags, targetOptions } from './args.js';
import { CALC_WIDTH, calcText, type CalcResult } from '../render/calc-text.js';
import { expertsRow, type ExpertsRow } from '../engine/price/experts.js';
import type { GenerationPrice } from '../engine/price/generation.js';
import type { SpeculationPrice } from '../engine/price/speculation.js';
import type { ProjectionTarget } from '../engine/price/target.js';
import { foldHelp, paint } from '../render/report.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';
import { colorWanted } from './watch-flags.js';
import { parseEfficiencyMode } from '../engine/price/efficiency.js';
import { checkPublished } from '../engine/price/published.js';
import { checkText } from '../render/check-text.js';

export const CALC_SCHEMA = 'dlm-watch/calc@1';
/** calc --check --json: { schema, efficiency: { mode, compute, memory, rowsHalf|null }, rows: CheckRow[] }
 *  (src/engine/price/published.ts: id, setup, role, source, assumptions, quantity, published, predicted, error,
 *  predictedTokensPerSecond, bound, passSeconds) */
export const CHECK_SCHEMA = 'dlm-watch/check@1';

/** The flags --check reads; every other is a usage error with it. */
const CHECK_FLAGS = new Set(['check', 'efficiency', 'json', 'color']);

/** --check: the published measurements at the shaped efficiencies (or fixed with --efficiency fixed). */
function check(f: { efficiency?: unknown; json?: unknown }): { code: number; text: string } {
  const mode = parseEfficiencyMode(typeof f.efficiency === 'string' ? f.efficiency : 'shaped');
  const c = checkPublished(mode);
  if (f.json)
    return {
      code: 0,
      text:
        JSON.stringify(
          {
            schema: CHECK_SCHEMA,
            efficiency: { mode: c.mode, ...c.efficiency, rowsHalf: c.efficiency.rowsHalf ?? null },
            rows: c.rows,
          },
          null,
          2,
        ) + '\n',
    };
  return { code: 0, text: checkText(c) };
}

const help = `
  Usage
    $ dlm-watch calc [flags]

  Prices generating --tokens tokens with an autoregressive decoder (one pass per token, KV cache)
  and with a masked-diffusion decoder (every pass runs all tokens, no cache), and the number of
  diffusion passes at which diffusion is as fast as AR; with --batch B, for B sequences decoded
  together. It also finds the batch at which AR turns compute-bound, and the break-even there.
  With no flags: the worked example (Llama 3.3 70B, fp8, H200, 1024 tokens). The headline (verdict, break-even) comes first;
  --derive adds every formula with the numbers plugged in.

  Generation
    --tokens N                 tokens generated per sequence (default 1024, or the model's canvas:
                               DiffusionGemma 256; at most ${MAX_TOKENS.toLocaleString('en-US')})
    --block-cache B            also price block diffusion: each pass runs one block of B rows
                               against the cached prompt and earlier blocks (LLaDA 2.x, SDAR: 32;
                               default for a model with a canvas: the canvas, against the prompt)
    --prompt P                 prompt tokens per sequence, priced too (default 0)
    --ar-tokens-per-second X   measured AR speed over all sequences (default: the known batch-1
                               measurement for the setup, else the roofline)
    --ar-roofline              AR time from the roofline even where a measurement is known
    --speculative S            speculative AR speedup to beat (default 3; 1 = none)
    --draft-tokens G           modelled speculative decoding: draft tokens per round (default 4)
    --alpha A                  ... and the acceptance rate, in [0, 1] (default: the α at which the
                               model gives TensorRT-LLM's measured 3.55× for Llama 3.3 70B + Llama
                               3.2 1B on H200)
    --margin M                 how many times faster than speculative AR diffusion must be
                               (default 3)
    --derive                   also print the derivation: every formula with the numbers plugged in
    --check                    every published measurement the tool knows against the projection:
                               setup, figure, prediction, error, assumptions, source (at
                               --efficiency shaped unless given; --json: schema "${CHECK_SCHEMA}")
    --json                     one JSON object (schema in src/commands/calc.ts)
    --no-color                 no colour (also NO_COLOR=1; FORCE_COLOR=1 colours piped output)
${projectionHelp}
    --model NAME               same as --project-model
${EXIT_CODES_HELP}
`;

const flags = {
  ...projectionFlags,
  projectModel: { type: 'string', aliases: ['model'] },
  ...shapeFlags,
  tokens: { type: 'number' },
  blockCache: { type: 'number' },
  prompt: { type: 'number', default: 0 },
  arTokensPerSecond: { type: 'number' },
  arRoofline: { type: 'boolean', default: false },
  speculative: { type: 'number', default: 3 },
  draftTokens: { type: 'number', default: 4 },
  alpha: { type: 'number' },
  margin: { type: 'number', default: 3 },
  derive: { type: 'boolean', default: false },
  check: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  color: { type: 'boolean', default: true },
} as const;

/** The --json object (see the header for its schema). */
export function calcJson(r: CalcResult): object {
  const { target: t, options: o, price } = r;
  return {
    schema: CALC_SCHEMA,
    target: {
      model: {
        key: t.model.key,
        name: t.model.shape.name,
        shape: t.model.shape,
        tiedEmbeddings: t.model.tiedEmbeddings,
        decoder: t.model.decoder,
        source: t.model.source,
        published: t.model.published ?? null,
      },
      dtype: t.dtype,
      kvDtype: t.kvDtype,
      precision: t.precision,
      hardware: {
        key: t.roofline.hardware,
        name: t.roofline.name,
        peakFlops: t.roofline.peakFlops,
        bandwidth: t.roofline.bandwidth,
        peakColumn: t.roofline.peakColumn,
        peakNote: t.roofline.peakNote,
      },
      efficiency: t.eff,
      batch: t.batch,
    },
    generation: {
      tokens: o.tokens,
      prompt: o.prompt,
      speculative: o.speculative,
      margin: o.margin,
      arTokensPerSecond: o.arTokensPerSecond ?? null,
      arRoofline: o.arRoofline ?? false,
      blockCache: o.block ?? null,
    },
    price,
    experts: r.experts ?? null,
    workedExample: compareWithWorkedExample(t, o, price),
  };
}

/** Tokens per speculative round at the reference α (the one that gives TensorRT-LLM's 3.55× on the worked example's
 *  setup), for a target on which no α reproduces that speed-up. */
async function referenceRound(gamma: number): Promise<number> {
  const t = await selectTarget({});
  const meanK = priceGeneration(t, { tokens: DEFAULT_TOKENS, prompt: 0, speculative: 1, margin: 1 }).ar.token.meanK;
  return priceSpeculation(t, meanK, gamma)?.tokensPerRound ?? 1;
}

/** --tokens when not given and the model has no canvas (the worked example's). */
const DEFAULT_TOKENS = 1024;

/** Experts per MoE block for every way of decoding (null without experts): AR, speculative verify (γ + 1 rows,
 *  its modelled tokens per round), a cached block (with --block-cache) and the full-sequence pass, both at the
 *  break-even's tokens per pass (the fewest that tie AR). */
function expertsTable(
  t: ProjectionTarget,
  p: GenerationPrice,
  sp: SpeculationPrice | null,
  gamma: number,
  n: number,
  referenceTokensPerRound: number,
): ExpertsRow[] | null {
  const m = t.model.shape;
  if (!m.moe) return null;
  const B = p.batch;
  const rows: ExpertsRow[] = [expertsRow(m, 'ar', B, B)];
  rows.push(expertsRow(m, 'speculative', B * (gamma + 1), B * (sp?.tokensPerRound ?? referenceTokensPerRound)));
  if (p.block) rows.push(expertsRow(m, 'block', B * p.block.size, (B * n) / Math.max(p.block.breakEven, 1)));
  rows.push(expertsRow(m, 'diffusion', B * p.diffusion.pass.shape.q, (B * n) / Math.max(p.breakEven.ar, 1)));
  return rows;
}

/** Parse, price, print; colour only when asked for by the environment (colorWanted) and the stream is a terminal. */
export async function calc(
  argv: string[],
  env: Record<string, string | undefined> = {},
  isTTY = false,
): Promise<{ code: number; text: string }> {
  const a = parseArgs('calc', help, argv, flags, import.meta);
  if (a.help !== null) return { code: 0, text: foldHelp(a.help, CALC_WIDTH) + '\n' };
  if (a.input.length) throw new UsageError(`calc takes no positional arguments (got "${a.input[0]}")`);
  const f = a.flags;
  if (f.check) {
    // the check prices published setups, each its own: a flag that would change a setup is a mistake, not ignored
    const other = [...a.given].filter((k) => !CHECK_FLAGS.has(k));
    if (other.length)
      throw new UsageError(
        `--check takes only --efficiency, --json and --no-color (got --${other[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)})`,
      );
    const text = check(f);
    return f.json ? text : { code: 0, text: paint(text.text, { color: colorWanted(f.color === true, env, isTTY) }) };
  }
  const target = await selectTarget(targetOptions(f));
  const canvas = target.model.canvas?.tokens;
  const tokens = typeof f.tokens === 'number' ? f.tokens : (canvas ?? DEFAULT_TOKENS);
  const block =
    typeof f.blockCache === 'number' ? f.blockCache : canvas !== undefined && canvas <= tokens ? canvas : undefined;
  const options: GenerationOptions = {
    tokens,
    ...(block !== undefined ? { block } : {}),
    prompt: f.prompt as number,
    speculative: f.speculative as number,
    margin: f.margin as number,
    arRoofline: f.arRoofline === true,
    ...(typeof f.arTokensPerSecond === 'number' ? { arTokensPerSecond: f.arTokensPerSecond } : {}),
  };
  const price = priceGeneration(target, options);
  const gamma = f.draftTokens as number;
  if (!Number.isInteger(gamma) || gamma < 1 || gamma > MAX_DRAFT_TOKENS)
    throw new UsageError(`--draft-tokens must be a whole number from 1 to ${MAX_DRAFT_TOKENS}, got ${gamma}`);
  if (f.alpha !== undefined && !((f.alpha as number) >= 0 && (f.alpha as number) <= 1))
    throw new UsageError(`--alpha must be in [0, 1], got ${String(f.alpha)}`);
  const speculation = priceSpeculation(target, price.ar.token.meanK, gamma, f.alpha as number | undefined);
  const speculativeBreakEven = speculation
    ? breakEvenPasses(price.ar.seconds, price.diffusion.pass.seconds, speculation.speedup)
    : null;
  const result: CalcResult = {
    target,
    options: { ...options, draftTokens: gamma },
    price,
    speculation,
    speculativeBreakEven,
    experts: target.model.shape.moe
      ? expertsTable(
          target,
          price,
          speculation,
          gamma,
          tokens,
          speculation?.tokensPerRound ?? (await referenceRound(gamma)),
        )
      : null,
  };
  if (f.json) return { code: 0, text: JSON.stringify(calcJson(result), null, 2) + '\n' };
  const color = colorWanted(f.color === true, env, isTTY);
  const truecolor = env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit';
  return { code: 0, text: paint(calcText(result, { derive: f.derive === true }), { color, truecolor }) };
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(
    'calc',
    async () => {
      const tty = io === PROCESS_IO && process.stdout.isTTY === true;
      const { code, text } = await calc(argv, io.env ?? process.env, tty);
      io.out(text);
      return code;
    },
    io,
  );
}
