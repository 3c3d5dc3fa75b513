// `dlm-watch calc`: price generating n tokens autoregressively and by masked diffusion on a model and hardware,
// and the number of diffusion passes at which the two break even. With no flags it prices the README's worked example
// (Llama 3.3 70B, H200, 8-bit, 1024 tokens, 51 tok/s, 70 % compute efficiency).
//
// The text report puts its headline first (verdict, break-even, the two times), then the tables; the derivation
// (every formula with the numbers plugged in) comes with --derive. Lines fit in CALC_WIDTH columns; colour as the
// live view decides it (NO_COLOR, FORCE_COLOR, --no-color, else only on a terminal), Okabe–Ito (src/render/report.ts).
//
// --json prints one object (schema "dlm-watch/calc@1"); all numbers are SI base units (bytes, FLOP, seconds,
// FLOP/s, bytes/s), B/F is bytes per FLOP:
//   schema: "dlm-watch/calc@1"
//   target: { model: { key, name, shape: ModelShape (with moe, mla when the model has them), tiedEmbeddings, decoder,
//                      source, published: { total, active?, activeNonEmbedding?, totalNonEmbedding?, where } | null },
//             dtype, kvDtype, precision: { weightBytes, kvBytes },
//             hardware: { key, name, peakFlops, bandwidth, peakColumn, peakNote },
//             efficiency: { compute, memory }, batch }
//   generation: { tokens, prompt, speculative, margin, arTokensPerSecond: number | null, arRoofline }
//   price: GenerationPrice (src/engine/price/project.ts):
//     params { perLayer, matmul, lmHead, embedding, total, active, reference|null }, weightBytes (all weights),
//     ridgeBytesPerFlop, effectiveRidgeBytesPerFlop (at the efficiencies), crossoverTokens, batch,
//     ar { prefill: Pass|null, token: Pass & { meanK, decodePasses }, schedule { passes, bytes, flops, seconds },
//          rooflineTokensPerSecond, measured { tokensPerSecond, source }|null, seconds, tokensPerSecond,
//          timeSource: "measured"|"roofline" }   (tokens per second over all the batch's sequences),
//     diffusion { pass: Pass, peakSeconds, passesPerSecond, passesPerSecondAtPeak },
//     breakEven { ar, speculative { factor, passes }, margin { factor, passes } },
//     moe { experts, active, shared, layers, imbalance, arToken { tokens, experts }, prefill { tokens, experts }|null,
//           diffusionPass { tokens, experts } } | null   (experts: expected distinct routed experts per MoE block),
//     computeBound { batch|null, maxBatch, arToken: Pass|null, arSeconds|null, diffusionPass: Pass|null, breakEven|null }
//     where Pass = { shape: PassShape & { batch? }, cost: PassCost, seconds, computeSeconds, memorySeconds,
//                    bound: "memory"|"compute" }
//   workedExample: [{ quantity, unit, ours, article, why }] | null   (only for the worked example's setup)
import { UsageError } from '../engine/config.js';
import {
  activeMatmulParams, attentionParamsPerLayer, denseLayers, denseMlpParams, expertParams, kvBytesPerToken, moeLayers, routerParams, visiblePairs,
} from '../engine/price/cost.js';
import {
  compareWithWorkedExample, MAX_TOKENS, priceGeneration, selectTarget, type GenerationOptions, type GenerationPrice, type ProjectedPass, type ProjectionTarget,
} from '../engine/price/project.js';
import { attainedRidge, type Bound } from '../engine/price/roofline.js';
import { MEASURED_SPEEDUP, priceSpeculation, type SpeculationPrice } from '../engine/price/speculation.js';
import { MAX_DRAFT_TOKENS } from '../engine/lanes.js';
import { parseArgs, projectionFlags, projectionHelp, shapeFlags, targetOptions } from './args.js';
import { bold, fold, paint, table } from '../render/report.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';
import { colorWanted } from './watch-flags.js';

export const CALC_SCHEMA = 'dlm-watch/calc@1';

const help = `
  Usage
    $ dlm-watch calc [flags]

  Prices generating --tokens tokens with an autoregressive decoder (one pass per token, KV cache)
  and with a masked-diffusion decoder (every pass runs all tokens, no cache), and the number of
  diffusion passes at which diffusion is as fast as AR; with --batch B, for B sequences decoded
  together. It also finds the batch at which AR turns compute-bound, and the break-even there.
  With no flags: the README's worked example. The headline (verdict, break-even) comes first;
  --derive adds every formula with the numbers plugged in.

  Generation
    --tokens N                 tokens generated per sequence (default 1024, at most ${MAX_TOKENS.toLocaleString('en-US')})
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
  tokens: { type: 'number', default: 1024 },
  prompt: { type: 'number', default: 0 },
  arTokensPerSecond: { type: 'number' },
  arRoofline: { type: 'boolean', default: false },
  speculative: { type: 'number', default: 3 },
  draftTokens: { type: 'number', default: 4 },
  alpha: { type: 'number' },
  margin: { type: 'number', default: 3 },
  derive: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  color: { type: 'boolean', default: true },
} as const;

export interface CalcResult {
  target: ProjectionTarget;
  options: GenerationOptions & { draftTokens?: number };
  price: GenerationPrice;
  /** modelled speculative decoding (null when no α ≤ 1 reproduces the measured speed-up) */
  speculation?: SpeculationPrice | null;
}

/** The --json object (see the header for its schema). */
export function calcJson(r: CalcResult): object {
  const { target: t, options: o, price } = r;
  return {
    schema: CALC_SCHEMA,
    target: {
      model: {
        key: t.model.key, name: t.model.shape.name, shape: t.model.shape, tiedEmbeddings: t.model.tiedEmbeddings, decoder: t.model.decoder,
        source: t.model.source, published: t.model.published ?? null,
      },
      dtype: t.dtype,
      kvDtype: t.kvDtype,
      precision: t.precision,
      hardware: { key: t.roofline.hardware, name: t.roofline.name, peakFlops: t.roofline.peakFlops, bandwidth: t.roofline.bandwidth, peakColumn: t.roofline.peakColumn, peakNote: t.roofline.peakNote },
      efficiency: t.eff,
      batch: t.batch,
    },
    generation: { tokens: o.tokens, prompt: o.prompt, speculative: o.speculative, margin: o.margin, arTokensPerSecond: o.arTokensPerSecond ?? null, arRoofline: o.arRoofline ?? false },
    price,
    workedExample: compareWithWorkedExample(t, o, price),
  };
}

// ---- formatting (numbers come from the engine; these only print them) ----

const PREFIX: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, '']];

/** 4 significant digits with an SI prefix: 69.50 GB, 145.1 TFLOP. */
export function si(x: number, unit: string, digits = 4): string {
  if (x === 0) return `0 ${unit}`.trim();
  const [div, p] = PREFIX.find(([d]) => Math.abs(x) >= d) ?? [1, ''];
  return `${(x / div).toPrecision(digits)} ${p}${unit}`.trim();
}

function secs(s: number): string {
  if (s >= 1) return `${s.toPrecision(4)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(4)} ms`;
  return `${(s * 1e6).toPrecision(4)} µs`;
}

/** Hardware figures in the table's units. */
const gbs = (x: number) => `${+(x / 1e9).toPrecision(5)} GB/s`;
const tflops = (x: number) => `${+(x / 1e12).toPrecision(5)} TFLOP/s`;
const pct = (x: number) => `${+(x * 100).toPrecision(3)} %`;
const bf = (x: number) => x.toPrecision(3);
const int = (x: number) => (Math.abs(x) >= 1e5 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x)));
const num = (x: number, d = 4) => (Number.isInteger(x) || Math.abs(x) >= 10 ** d ? int(x) : x.toPrecision(d));
const tokensWord = (n: number) => `${int(n)} token${n === 1 ? '' : 's'}`;

/** B/F against the attained ridge; the verdict is the pass's own bound (engine boundOf, the same test) */
function versusRidge(b: number, ridge: number, bound: Bound): string {
  return bound === 'memory' ? `${num(b / ridge, 3)}× above: memory-bound` : `${num(ridge / b, 3)}× below: compute-bound`;
}


const B = (p: GenerationPrice) => p.batch;
const sequencesWord = (b: number) => `${int(b)} sequence${b === 1 ? '' : 's'}`;
/** "8 of 256", "7.97 of 8": expected distinct experts touched per MoE block */
const expertsOf = (x: number, e: number) => `${num(x, 3)} of ${int(e)}`;
/** a published count as printed: 46.7 G, 37 G, 789 M */
const published = (x: number) => (x >= 1e9 ? `${+(x / 1e9).toPrecision(4)} G` : `${+(x / 1e6).toPrecision(4)} M`);

/** The model's shape in one line: dense fields, latent attention, experts. */
function shapeLine(t: ProjectionTarget): string {
  const m = t.model.shape;
  const a = m.mla;
  const attn = a
    ? `H=${m.heads} MLA r_q=${a.qLoraRank} r_kv=${a.kvLoraRank} d_nope=${a.qkNopeHeadDim} d_rope=${a.qkRopeHeadDim} d_v=${a.vHeadDim}`
    : `H=${m.heads} K=${m.kvHeads} hd=${m.headDim}`;
  const e = m.moe;
  if (!e) return `L=${m.layers} d=${m.d} F=${m.mlp} ${m.gated ? 'gated' : 'plain'} ${attn} V=${m.vocab}`;
  const dense = e.denseLayers ? `, dense F=${m.mlp} in the first ${e.denseLayers === 1 ? 'block' : `${e.denseLayers} blocks`}` : '';
  const shared = e.shared ? ` + ${e.shared} shared` : '';
  return `L=${m.layers} d=${m.d} ${attn} V=${m.vocab}; experts E=${e.experts}, k=${e.active}${shared}, F_e=${e.expertMlp} ${m.gated ? 'gated' : 'plain'} in ${moeLayers(m)} blocks${dense}`;
}

function paramsLine(t: ProjectionTarget, p: GenerationPrice): string {
  const pub = t.model.published;
  if (!t.model.shape.moe) {
    const ref = pub ? ` (published: ${published(pub.total)})` : p.params.reference ? ` (reference ${si(p.params.reference, '')})` : '';
    return `${si(p.params.total, '')} params${ref}`;
  }
  const ref = pub ? ` (published: ${published(pub.total)}${pub.active ? `, ${published(pub.active)} active` : ''})` : '';
  return `${si(p.params.total, '')} params, ${si(p.params.active, '')} active per token${ref}`;
}

/** Every line of calc's report fits in this many columns. */
export const CALC_WIDTH = 100;

/**
 * The headline's verdict: which bound each decoder's pass is under, and how many diffusion passes still tie AR. Every
 * figure is the engine's (priceGeneration: the passes' bounds by boundOf, the break-even); only the sentence is made
 * here, so an engine verdict can take its place.
 */
export function verdictText(r: CalcResult): string {
  const { options: o, price: p } = r;
  const ar = p.ar.token.bound;
  const d = p.diffusion.pass.bound;
  const bounds = ar === d ? `AR and a diffusion pass are both ${ar}-bound` : `AR is ${ar}-bound, a diffusion pass ${d}-bound`;
  const be = p.breakEven.ar;
  const each = p.batch === 1 ? '' : "each sequence's ";
  if (be < 1) return `${bounds}: diffusion cannot be as fast as AR, one pass takes longer than AR's ${tokensWord(o.tokens)}`;
  return `${bounds}: diffusion is as fast as AR if it finishes ${each}${tokensWord(o.tokens)} in at most ${bold(`${num(be)} passes`)} (≥ ${num(o.tokens / be, 3)} tokens per pass)`;
}

/** The headline: verdict, break-even, and the two decoders' times. */
function headline(r: CalcResult): string[] {
  const { options: o, price: p } = r;
  const be = p.breakEven;
  const sp = r.speculation;
  const over = p.batch === 1 ? '' : ` over the ${int(p.batch)} sequences`;
  const arTime = p.ar.measured
    ? `${secs(p.ar.seconds)} for ${tokensWord(o.tokens)}: ${num(p.ar.measured.tokensPerSecond)} tok/s${over} ${p.ar.measured.source.startsWith('--') ? 'as given' : 'as published'}`
    : `${secs(p.ar.seconds)} for ${tokensWord(o.tokens)}: ${num(p.ar.rooflineTokensPerSecond, 3)} tok/s${over} on the roofline`;
  return table([
    [bold('verdict'), verdictText(r)],
    [bold('break-even'), [
      `${bold(num(be.ar))} passes vs AR`,
      `${num(be.speculative.passes)} vs ${num(be.speculative.factor)}× speculative AR`,
      `${num(be.margin.passes)} with a ${num(be.margin.factor)}× margin`,
      ...(sp ? [`${num(be.ar / sp.speedup)} vs modelled speculative AR (${num(sp.speedup, 3)}×)`] : []),
    ].join(' · ')],
    [bold('AR'), `${arTime}; one token per pass, ${p.ar.token.bound}-bound`],
    [bold('diffusion'), `${secs(p.diffusion.pass.seconds)} per pass of ${tokensWord(p.diffusion.pass.shape.q)} (${num(p.diffusion.passesPerSecond, 3)} passes/s), ${p.diffusion.pass.bound}-bound`],
    [bold('batching'), batchingText(r)],
  ], CALC_WIDTH);
}

/** What more sequences per pass do to AR, in one sentence (the figures: priceGeneration's computeBound). */
function batchingText(r: CalcResult): string {
  const cb = r.price.computeBound;
  if (cb.batch === null || cb.breakEven === null) return `AR's decode pass stays memory-bound up to ${cb.maxBatch.toLocaleString('en-US')} sequences per pass: its KV-cache reads alone are above the ridge`;
  return `AR's decode pass turns compute-bound from B* = ${sequencesWord(cb.batch)} per pass, where the break-even is ${num(cb.breakEven)} passes`;
}

/** The readable report: headline first, then target, passes, times, break-even, speculation, batch, experts; the
 * derivation with --derive. */
export function calcText(r: CalcResult, opts: { derive?: boolean } = {}): string {
  const { target: t, options: o, price: p } = r;
  const m = t.model.shape;
  const hw = t.roofline;
  const B = p.batch;
  const W = CALC_WIDTH;
  const out: string[] = [];
  const attained = attainedRidge(hw, t.eff);
  out.push(...fold(`dlm-watch calc: ${bold(`${m.name} on ${hw.name}`)} · ${tokensWord(o.tokens)}${B === 1 ? '' : ` for each of ${sequencesWord(B)} decoded together`}${o.prompt ? ` after a ${o.prompt}-token prompt` : ''} · ${t.dtype} weights, ${t.kvDtype} KV`, W));
  out.push('');
  out.push(...headline(r));
  out.push('');
  const moe = p.moe;
  const row = (label: string, x: ProjectedPass, experts: number | null) => [
    label, ...(moe ? [experts === null ? '' : expertsOf(experts, moe.experts)] : []),
    si(x.cost.bytes.total, 'B'), si(x.cost.flops.total, 'FLOP'), bf(x.cost.bytesPerFlop), versusRidge(x.cost.bytesPerFlop, attained, x.bound), secs(x.seconds),
  ];
  const passRows: string[][] = [[bold('one pass'), ...(moe ? ['experts'] : []), 'bytes', 'FLOPs', 'B/F', 'vs attained ridge', 'time']];
  if (p.ar.prefill) passRows.push(row('AR prefill', p.ar.prefill, moe?.prefill?.experts ?? null));
  passRows.push(row(B === 1 ? 'AR token' : 'AR step', p.ar.token, moe?.arToken.experts ?? null));
  passRows.push(row('diffusion pass', p.diffusion.pass, moe?.diffusionPass.experts ?? null));
  out.push(...table(passRows, W, ''));
  const each = B === 1 ? '' : ` for each of ${sequencesWord(B)}`;
  const lines = [
    ...(p.ar.prefill ? [`AR prefill: the ${tokensWord(o.prompt)} of the prompt in one causal pass${each}`] : []),
    `AR ${B === 1 ? 'token' : 'step'}: one new token${each} against a cache of k̄ = ${num(p.ar.token.meanK)} tokens (the mean over the generation)`,
    `diffusion pass: all ${tokensWord(p.diffusion.pass.shape.q)}${each}, bidirectional, no cache (${secs(p.diffusion.peakSeconds)} at peak)`,
    ...(moe ? ['experts: routed experts touched per MoE block, in expectation (uniform routing; --derive shows how)'] : []),
  ];
  for (const l of lines) out.push(...fold(`  ${l}`, W));
  out.push('');
  out.push(bold('target'));
  out.push(...table([
    ['model', shapeLine(t)],
    ['params', paramsLine(t, p)],
    ['hardware', `${gbs(hw.bandwidth)}, ${tflops(hw.peakFlops)} (${hw.peakNote})`],
    ['ridge', `${bf(p.ridgeBytesPerFlop)} B/F = bandwidth ÷ peak; weights stop dominating from N* = ${num(p.crossoverTokens)} tokens`],
    ['attained ridge', `${bf(attained)} B/F = η_m·bandwidth ÷ η_c·peak: a pass above it is memory-bound`],
    ['efficiency', `compute ${pct(t.eff.compute)}, memory ${pct(t.eff.memory)} (every time is at these unless marked "peak")`],
    ...(B === 1 ? [] : [['batch', `${sequencesWord(B)} per pass, each with its own KV cache; the weights stream once for all of them`]]),
  ], W));
  out.push('');
  if (!opts.derive) {
    out.push(...fold(`--derive: the break-even table, speculative decoding, batching${moe ? ', experts' : ''} and every formula`, W));
    return out.join('\n') + '\n';
  }
  out.push('');
  out.push(bold(`generating ${tokensWord(o.tokens)}${each}`));
  const over = B === 1 ? '' : ` over the ${int(B)} sequences`;
  const arRoof = `${secs(p.ar.schedule.seconds)} = ${num(p.ar.rooflineTokensPerSecond, 3)} tok/s${over} on the roofline (${p.ar.schedule.passes} passes)`;
  out.push(...table([
    ['AR', p.ar.measured
      ? `${secs(p.ar.seconds)} at ${num(p.ar.measured.tokensPerSecond)} tok/s${over} (measured: ${p.ar.measured.source}); ${arRoof}`
      : arRoof],
    ['diffusion', `${num(p.diffusion.passesPerSecond, 3)} passes/s at the efficiencies, ${p.diffusion.pass.bound}-bound (${num(p.diffusion.passesPerSecondAtPeak, 3)} at peak)`],
  ], W));
  out.push('');
  out.push(bold(`break-even: diffusion is as fast when it finishes ${B === 1 ? '' : "each sequence's "}${tokensWord(o.tokens)} in at most`));
  const be = p.breakEven;
  const tpp = (passes: number) => `(≥ ${num(o.tokens / passes, 3)} tokens per pass)`;
  out.push(...table([
    ['vs AR', `${num(be.ar)} passes`, tpp(be.ar)],
    [`vs ${num(be.speculative.factor)}× speculative AR`, `${num(be.speculative.passes)} passes`, tpp(be.speculative.passes)],
    [`vs ${num(be.speculative.factor)}× speculative AR with a ${num(be.margin.factor)}× margin`, `${num(be.margin.passes)} passes`, tpp(be.margin.passes)],
  ], W));
  const sp = r.speculation;
  out.push('');
  if (sp) {
    out.push(...fold(bold(`speculative decoding, modelled: draft ${r.target.draft.shape.name} on the same hardware, γ = ${sp.gamma} tokens per round`), W));
    out.push(...table([
      ['passes', `draft ${secs(sp.draftSeconds)} · verify of ${sp.gamma + 1} tokens ${secs(sp.verifySeconds)} · AR ${secs(sp.arSeconds)}`],
      ['α', `${num(sp.alpha, 3)} ${sp.alphaSource === 'given' ? '(--alpha)' : `(the acceptance rate at which this model gives the reference ${num(MEASURED_SPEEDUP.factor, 3)}×)`}`],
      ...(sp.alphaSource === 'given' ? [] : [['reference', MEASURED_SPEEDUP.source]]),
      ['tokens/round', `(1 − α^(γ+1)) / (1 − α) = ${num(sp.tokensPerRound, 3)}`],
      ['round', `γ·t_draft + t_verify = ${secs(sp.roundSeconds)}`],
      ['speed-up', `tokens/round · t_AR / round = ${num(sp.speedup, 3)}× (the constant --speculative is ${num(be.speculative.factor)}×)`],
      ['break-even', `${num(be.ar / sp.speedup)} diffusion passes against this speculative AR ${tpp(be.ar / sp.speedup)}`],
    ], W));
  } else out.push(...fold(`speculative decoding, modelled: no α up to 1 gives the reference ${num(MEASURED_SPEEDUP.factor, 3)}× at γ = ${r.options.draftTokens ?? 4} on this target`, W));
  if (B > 1 && be.speculative.factor > 1)
    out.push(...fold(`  (the ${num(be.speculative.factor)}× speculative speed-up is a batch-1 figure: speculation saves weight reads, which a batch already shares, so at ${int(B)} sequences read the first line)`, W));
  out.push('');
  for (const l of computeBoundLines(r)) out.push(...fold(l, W));
  if (moe) {
    out.push('');
    for (const l of moeLines(r)) out.push(...fold(l, W, undefined, true));
  }
  out.push('');
  for (const l of m.moe || m.mla ? sparseDerivation(r) : denseDerivation(r)) out.push(...fold(l, W, /^ */.exec(l)![0].length + 8, true));
  return out.join('\n') + '\n';
}

/** Where AR turns compute-bound as sequences are added, and the break-even there. */
function computeBoundLines(r: CalcResult): string[] {
  const { options: o, price: p } = r;
  const cb = p.computeBound;
  const k = num(p.ar.token.meanK);
  const out = [bold('when AR turns compute-bound') + ' (more sequences per pass share the weights, but each reads its own KV cache)'];
  if (cb.batch === null || !cb.arToken || !cb.diffusionPass || cb.breakEven === null || cb.arSeconds === null) {
    const c = p.ar.token.cost;
    const perSeq = B(p);
    const kvBF = (c.bytes.kvRead + c.bytes.kvWrite) / c.flops.total;
    out.push(`  never up to ${cb.maxBatch.toLocaleString('en-US')} sequences: AR's mean decode pass (k̄ = ${k}) reads ${si((c.bytes.kvRead + c.bytes.kvWrite) / perSeq, 'B')} of KV cache per sequence`);
    out.push(`  for ${si(c.flops.total / perSeq, 'FLOP')}, a B/F of ${bf(kvBF)}: ${num(kvBF / p.effectiveRidgeBytesPerFlop, 3)}× the ridge at the efficiencies before any weight is read, so batching cannot make it compute-bound`);
    return out;
  }
  const be = cb.breakEven;
  out.push(`  AR's mean decode pass (k̄ = ${k}) is compute-bound from B* = ${sequencesWord(cb.batch)} per pass, where its B/F falls to the ridge at the efficiencies (${bf(p.effectiveRidgeBytesPerFlop)})`);
  out.push(`  at B*, AR takes ${secs(cb.arSeconds)} for ${tokensWord(o.tokens)} per sequence; one diffusion pass over ${int(cb.batch)} × ${tokensWord(cb.diffusionPass.shape.q)} takes ${secs(cb.diffusionPass.seconds)}`);
  out.push(`  break-even at B*: ${num(be)} diffusion passes (≥ ${num(o.tokens / be, 3)} tokens per pass)`);
  if (be < 2) out.push('  once AR is compute-bound, each of its tokens costs about the FLOPs that token costs in a diffusion pass, so diffusion ties only if it finishes in about one pass');
  return out;
}

/** Experts: what the uniform-routing expectation gives for each pass. */
function moeLines(r: CalcResult): string[] {
  const { target: t, price: p } = r;
  const e = p.moe!;
  const shared = e.shared ? `, plus ${e.shared} shared expert${e.shared === 1 ? '' : 's'} every token passes through` : '';
  const f = e.imbalance === 1 ? 'T(n) = E·(1 − (1 − k/E)^n)' : `T(n) = E·(1 − (1 − k/E)^(n/f)), imbalance f = ${num(e.imbalance)}`;
  const weights = (x: ProjectedPass) => `${si(x.cost.bytes.weights, 'B')} of the ${si(p.weightBytes, 'B')} of weights`;
  return [
    `${bold('experts')}: ${e.experts} routed per block, ${e.active} per token${shared}, in ${e.layers} of ${t.model.shape.layers} blocks`,
    `  a pass streams every expert that one of its n routed tokens picked; per block, in expectation, ${f}`,
    `  (uniform routing: each token picks k of the E experts, every expert equally likely, tokens independent; --moe-imbalance f for measured routing)`,
    `  AR ${B(p) === 1 ? 'token' : 'step'}: n = ${int(e.arToken.tokens)}, ${expertsOf(e.arToken.experts, e.experts)} touched, streams ${weights(p.ar.token)}`,
    `  diffusion pass: n = ${int(e.diffusionPass.tokens)}, ${expertsOf(e.diffusionPass.experts, e.experts)} touched, streams ${weights(p.diffusion.pass)}`,
    `  FLOPs count only the ${e.active}${e.shared ? ` + ${e.shared}` : ''} experts each token passes through`,
  ];
}

/** The tail every derivation shares: ridge, pass time, AR time, break-even. */
function timeLines(r: CalcResult): string[] {
  const { target: t, options: o, price: p } = r;
  const hw = t.roofline;
  const pass = p.diffusion.pass;
  return [
    `  ridge = bandwidth / peak = ${gbs(hw.bandwidth)} / ${tflops(hw.peakFlops)} = ${bf(p.ridgeBytesPerFlop)} B/F;  N* = peak·b_w / (2·bandwidth) = ${num(p.crossoverTokens)}`,
    `  pass time = max(FLOPs / (η_c·peak), bytes / (η_m·bandwidth)) = max(${si(pass.cost.flops.total, 'FLOP')} / (${t.eff.compute} × ${tflops(hw.peakFlops)}), ${si(pass.cost.bytes.total, 'B')} / (${t.eff.memory} × ${gbs(hw.bandwidth)}))`,
    `            = max(${secs(pass.computeSeconds)}, ${secs(pass.memorySeconds)}) = ${secs(pass.seconds)}  →  ${num(p.diffusion.passesPerSecond, 4)} passes/s`,
    p.ar.measured
      ? `  AR time = ${B(p) === 1 ? 'n' : 'B·n'} / tok/s = ${B(p) === 1 ? '' : `${int(B(p))} × `}${o.tokens} / ${num(p.ar.measured.tokensPerSecond)} = ${secs(p.ar.seconds)}`
      : `  AR time = Σ over ${p.ar.schedule.passes} passes of max(FLOPs / (η_c·peak), bytes / (η_m·bandwidth)) = ${secs(p.ar.seconds)}`,
    `  break-even = AR time / pass time = ${secs(p.ar.seconds)} / ${secs(pass.seconds)} = ${num(p.breakEven.ar)};  / ${num(p.breakEven.speculative.factor)} = ${num(p.breakEven.speculative.passes)};  / ${num(p.breakEven.margin.factor)} = ${num(p.breakEven.margin.passes)}`,
  ];
}

/** A dense model's formulas with this run's numbers plugged in: where every figure above comes from. */
function denseDerivation(r: CalcResult): string[] {
  const { target: t, price: p } = r;
  const m = t.model.shape;
  const wb = t.precision.weightBytes;
  const kb = t.precision.kvBytes;
  const { L, d, H, K, hd, F, V } = { L: m.layers, d: m.d, H: m.heads, K: m.kvHeads, hd: m.headDim, F: m.mlp, V: m.vocab };
  const g = m.gated ? 3 : 2;
  const tok = p.ar.token;
  const pass = p.diffusion.pass;
  const N = pass.shape.q;
  const b = B(p);
  const Bx = b === 1 ? '' : `${int(b)} × `;
  const Bdot = b === 1 ? '' : 'B·';
  const kvTok = kvBytesPerToken(m, t.precision);
  const embed = t.model.tiedEmbeddings ? 'tied: the LM head is the input embedding' : 'the untied input embedding, the same size, is a one-row lookup per token: counted in params, not streamed';
  return [
    `${bold('derivation')} (README, "How the numbers are computed"; a multiply-add is 2 FLOPs; causal attention counts visible pairs only${b === 1 ? '' : `; B = ${int(b)} sequences per pass`})`,
    `  P_L   = d·H·hd + 2·d·K·hd + H·hd·d + ${g}·d·F   (${m.gated ? 'gated' : 'plain'} MLP)`,
    `        = ${d}·${H}·${hd} + 2·${d}·${K}·${hd} + ${H}·${hd}·${d} + ${g}·${d}·${F} = ${int(p.params.perLayer)}`,
    `  P_mm  = L·P_L = ${L} × ${int(p.params.perLayer)} = ${si(p.params.matmul, '')}`,
    `  V·d   = ${V} × ${d} = ${si(p.params.lmHead, '')} (LM head; ${embed})`,
    `  params = P_mm + V·d${t.model.tiedEmbeddings ? '' : ' + V·d'} = ${si(p.params.total, '')}`,
    `  weights per pass = b_w·(P_mm + V·d) = ${wb} B × ${si(p.params.matmul + p.params.lmHead, '')} = ${si(p.weightBytes, 'B')}`,
    `  KV per token = b_kv·2·L·K·hd = ${kb} B × 2·${L}·${K}·${hd} = ${si(kvTok, 'B')}${b === 1 ? '' : ' per sequence'}`,
    `  AR ${b === 1 ? 'token' : 'step'} (q = 1${b === 1 ? '' : ' per sequence'}, k̄ = ${num(tok.meanK)}, causal):`,
    `    bytes = weights + ${b === 1 ? '' : 'B·('}KV read ${si(kvTok, 'B')} × k̄ + KV write ${si(kvTok, 'B')}${b === 1 ? '' : ')'} = ${si(tok.cost.bytes.weights, 'B')} + ${si(tok.cost.bytes.kvRead, 'B')} + ${si(tok.cost.bytes.kvWrite, 'B')} = ${si(tok.cost.bytes.total, 'B')}`,
    `    FLOPs = ${b === 1 ? '' : 'B·('}2·P_mm + 2·V·d + 4·L·H·hd·(k̄+1)${b === 1 ? '' : ')'} = ${si(tok.cost.flops.linears, '')} + ${si(tok.cost.flops.lmHead, '')} + ${Bx}4·${L}·${H}·${hd}·${num(visiblePairs(tok.shape))} (${si(tok.cost.flops.attention, '')}) = ${si(tok.cost.flops.total, 'FLOP')}`,
    `    B/F = ${si(tok.cost.bytes.total, 'B')} / ${si(tok.cost.flops.total, 'FLOP')} = ${bf(tok.cost.bytesPerFlop)}`,
    `  diffusion pass (q = N = ${N}${b === 1 ? '' : ' per sequence'}, k = 0, bidirectional, logits at all N):`,
    `    FLOPs = ${b === 1 ? '' : 'B·('}2·N·P_mm + 2·N·V·d + 4·L·H·hd·N²${b === 1 ? '' : ')'} = ${si(pass.cost.flops.linears, '')} + ${si(pass.cost.flops.lmHead, '')} + ${si(pass.cost.flops.attention, '')} = ${si(pass.cost.flops.total, 'FLOP')}`,
    `    B/F = ${si(pass.cost.bytes.total, 'B')} / ${si(pass.cost.flops.total, 'FLOP')} = ${bf(pass.cost.bytesPerFlop)}`,
    ...timeLines(r),
  ];
}

/** The same for a mixture of experts and/or latent attention: active and streamed weights differ. */
function sparseDerivation(r: CalcResult): string[] {
  const { target: t, price: p } = r;
  const m = t.model.shape;
  const wb = t.precision.weightBytes;
  const kb = t.precision.kvBytes;
  const g = m.gated ? 3 : 2;
  const e = m.moe;
  const a = m.mla;
  const tok = p.ar.token;
  const pass = p.diffusion.pass;
  const N = pass.shape.q;
  const b = B(p);
  const Bdot = b === 1 ? '' : 'B·';
  const kvTok = kvBytesPerToken(m, t.precision);
  const pAttn = attentionParamsPerLayer(m);
  const out = [`${bold('derivation')} (README, "How the numbers are computed"; a multiply-add is 2 FLOPs; causal attention counts visible pairs only${b === 1 ? '' : `; B = ${int(b)} sequences per pass`})`];
  if (a) {
    const q = a.qLoraRank > 0 ? ['d·r_q + r_q·H·(d_nope+d_rope)', `${m.d}·${a.qLoraRank} + ${a.qLoraRank}·${m.heads}·${a.qkNopeHeadDim + a.qkRopeHeadDim}`] : ['d·H·(d_nope+d_rope)', `${m.d}·${m.heads}·${a.qkNopeHeadDim + a.qkRopeHeadDim}`];
    out.push(`  P_attn = ${q[0]} + d·(r_kv+d_rope) + r_kv·H·(d_nope+d_v) + H·d_v·d   (latent attention)`);
    out.push(`         = ${q[1]} + ${m.d}·${a.kvLoraRank + a.qkRopeHeadDim} + ${a.kvLoraRank}·${m.heads}·${a.qkNopeHeadDim + a.vHeadDim} + ${m.heads}·${a.vHeadDim}·${m.d} = ${int(pAttn)}`);
  } else {
    out.push(`  P_attn = d·H·hd + 2·d·K·hd + H·hd·d = ${m.d}·${m.heads}·${m.headDim} + 2·${m.d}·${m.kvHeads}·${m.headDim} + ${m.heads}·${m.headDim}·${m.d} = ${int(pAttn)}`);
  }
  const nd = denseLayers(m);
  const nm = moeLayers(m);
  if (nd) out.push(`  dense MLP = ${g}·d·F = ${g}·${m.d}·${m.mlp} = ${int(denseMlpParams(m))}   (${m.gated ? 'gated' : 'plain'}, in ${nd} block${nd === 1 ? '' : 's'})`);
  if (e) {
    out.push(`  P_e    = ${g}·d·F_e = ${g}·${m.d}·${e.expertMlp} = ${int(expertParams(m))} (one expert);  router = d·E = ${m.d}·${e.experts} = ${int(routerParams(m))}`);
    const dense = nd ? [` + n_dense·${g}·d·F`, ` + ${nd}·${int(denseMlpParams(m))}`] : ['', ''];
    const s = e.shared ? ' + s' : '';
    out.push(`  P_mm   = L·P_attn${dense[0]} + n_moe·(d·E + (E${s})·P_e) = ${m.layers}·${int(pAttn)}${dense[1]} + ${nm}·(${int(routerParams(m))} + ${e.experts + e.shared}·${int(expertParams(m))}) = ${si(p.params.matmul, '')}`);
    out.push(`  P_act  = L·P_attn${dense[0]} + n_moe·(d·E + (k${s})·P_e) = ${m.layers}·${int(pAttn)}${dense[1]} + ${nm}·(${int(routerParams(m))} + ${e.active + e.shared}·${int(expertParams(m))}) = ${si(activeMatmulParams(m), '')}   (the weights one token passes through)`);
  } else {
    out.push(`  P_mm   = L·(P_attn + ${g}·d·F) = ${m.layers} × ${int(p.params.perLayer)} = ${si(p.params.matmul, '')}`);
  }
  const emb = t.model.tiedEmbeddings ? '' : ' + V·d';
  out.push(`  V·d    = ${m.vocab} × ${m.d} = ${si(p.params.lmHead, '')} (LM head${t.model.tiedEmbeddings ? ', tied to the input embedding' : '; the input embedding, the same size, is a one-row lookup: counted in params, not streamed'})`);
  out.push(`  params = P_mm + V·d${emb} = ${si(p.params.total, '')}${e ? `;  active = P_act + V·d${emb} = ${si(p.params.active, '')}` : ''}`);
  if (e) {
    out.push(`  experts touched per block by n routed tokens T(n) = E·(1 − (1 − k/E)^(n/f)) (uniform routing, f = ${num(e.imbalance ?? 1)})`);
    out.push(`  weights per pass = b_w·(P_mm − n_moe·(E − T)·P_e + V·d): ${wb} B × … = ${si(tok.cost.bytes.weights, 'B')} for the AR ${b === 1 ? 'token' : 'step'}, ${si(pass.cost.bytes.weights, 'B')} for the diffusion pass (${si(p.weightBytes, 'B')} if every expert is touched)`);
  } else {
    out.push(`  weights per pass = b_w·(P_mm + V·d) = ${wb} B × ${si(p.params.matmul + p.params.lmHead, '')} = ${si(p.weightBytes, 'B')}`);
  }
  out.push(a
    ? `  KV per token = b_kv·L·(r_kv + d_rope) = ${kb} B × ${m.layers}·${a.kvLoraRank + a.qkRopeHeadDim} = ${si(kvTok, 'B')} (the cache holds the latent)${b === 1 ? '' : ' per sequence'}`
    : `  KV per token = b_kv·2·L·K·hd = ${kb} B × 2·${m.layers}·${m.kvHeads}·${m.headDim} = ${si(kvTok, 'B')}${b === 1 ? '' : ' per sequence'}`);
  const attnNote = a ? 'attention (latent attention, the cheaper of its latent and expanded forms)' : `attention 4·L·H·hd·${Bdot}(k̄+1)`;
  const P = e ? 'P_act' : 'P_mm';
  out.push(`  AR ${b === 1 ? 'token' : 'step'} (q = 1${b === 1 ? '' : ' per sequence'}, k̄ = ${num(tok.meanK)}, causal${e ? `, T = ${num(p.moe!.arToken.experts, 3)}` : ''}):`);
  out.push(`    bytes = weights + ${b === 1 ? '' : 'B·('}KV read ${si(kvTok, 'B')} × k̄ + KV write ${si(kvTok, 'B')}${b === 1 ? '' : ')'} = ${si(tok.cost.bytes.weights, 'B')} + ${si(tok.cost.bytes.kvRead, 'B')} + ${si(tok.cost.bytes.kvWrite, 'B')} = ${si(tok.cost.bytes.total, 'B')}`);
  out.push(`    FLOPs = 2·${Bdot}${P} + 2·${Bdot}V·d + ${attnNote} = ${si(tok.cost.flops.linears, '')} + ${si(tok.cost.flops.lmHead, '')} + ${si(tok.cost.flops.attention, '')} = ${si(tok.cost.flops.total, 'FLOP')}`);
  out.push(`    B/F = ${si(tok.cost.bytes.total, 'B')} / ${si(tok.cost.flops.total, 'FLOP')} = ${bf(tok.cost.bytesPerFlop)}`);
  out.push(`  diffusion pass (q = N = ${N}${b === 1 ? '' : ' per sequence'}, k = 0, bidirectional, logits at all N${e ? `, T = ${num(p.moe!.diffusionPass.experts, 3)}` : ''}):`);
  out.push(`    FLOPs = 2·${Bdot}N·${P} + 2·${Bdot}N·V·d + ${a ? 'attention' : `4·L·H·hd·${Bdot}N²`} = ${si(pass.cost.flops.linears, '')} + ${si(pass.cost.flops.lmHead, '')} + ${si(pass.cost.flops.attention, '')} = ${si(pass.cost.flops.total, 'FLOP')}`);
  out.push(`    B/F = ${si(pass.cost.bytes.total, 'B')} / ${si(pass.cost.flops.total, 'FLOP')} = ${bf(pass.cost.bytesPerFlop)}`);
  out.push(...timeLines(r));
  return out;
}

/** --help within CALC_WIDTH too: a flag's (or exit code's) description folds under itself, other lines under their
 * own indent (they continue a description). */
function foldHelp(help: string): string {
  return help
    .split('\n')
    .flatMap((l) => fold(l, CALC_WIDTH, (/^(\s+(?:-|\d)\S*(?: \S+)*?\s{2,})\S/.exec(l)?.[1] ?? /^ */.exec(l)![0]).length))
    .join('\n');
}

/** Parse, price, print; colour only when asked for by the environment (colorWanted) and the stream is a terminal. */
export async function calc(argv: string[], env: Record<string, string | undefined> = {}, isTTY = false): Promise<{ code: number; text: string }> {
  const a = parseArgs('calc', help, argv, flags, import.meta);
  if (a.help !== null) return { code: 0, text: foldHelp(a.help) + '\n' };
  if (a.input.length) throw new UsageError(`calc takes no positional arguments (got "${a.input[0]}")`);
  const f = a.flags;
  const target = await selectTarget(targetOptions(f));
  const options: GenerationOptions = {
    tokens: f.tokens as number,
    prompt: f.prompt as number,
    speculative: f.speculative as number,
    margin: f.margin as number,
    arRoofline: f.arRoofline === true,
    ...(typeof f.arTokensPerSecond === 'number' ? { arTokensPerSecond: f.arTokensPerSecond } : {}),
  };
  const price = priceGeneration(target, options);
  const gamma = f.draftTokens as number;
  if (!Number.isInteger(gamma) || gamma < 1 || gamma > MAX_DRAFT_TOKENS) throw new UsageError(`--draft-tokens must be a whole number from 1 to ${MAX_DRAFT_TOKENS}, got ${gamma}`);
  if (f.alpha !== undefined && !((f.alpha as number) >= 0 && (f.alpha as number) <= 1)) throw new UsageError(`--alpha must be in [0, 1], got ${String(f.alpha)}`);
  const speculation = priceSpeculation(target, price.ar.token.meanK, gamma, f.alpha as number | undefined);
  const result = { target, options: { ...options, draftTokens: gamma }, price, speculation };
  if (f.json) return { code: 0, text: JSON.stringify(calcJson(result), null, 2) + '\n' };
  const color = colorWanted(f.color === true, env, isTTY);
  const truecolor = env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit';
  return { code: 0, text: paint(calcText(result, { derive: f.derive === true }), { color, truecolor }) };
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand('calc', async () => {
    const tty = io === PROCESS_IO && process.stdout.isTTY === true;
    const { code, text } = await calc(argv, io.env ?? process.env, tty);
    io.out(text);
    return code;
  }, io);
}
