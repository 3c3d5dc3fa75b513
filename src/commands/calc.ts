// `dlm-watch calc`: price generating n tokens autoregressively and by masked diffusion on a model and hardware,
// and the number of diffusion passes at which the two break even. With no flags it prints the worked example of
// shared/reference/cost-model.md (Llama 3.3 70B, H200, 8-bit, 1024 tokens, 51 tok/s, 70 % compute efficiency).
//
// --json prints one object (schema "dlm-watch/calc@1"); all numbers are SI base units (bytes, FLOP, seconds,
// FLOP/s, bytes/s), B/F is bytes per FLOP:
//   schema: "dlm-watch/calc@1"
//   target: { model: { key, name, shape: ModelShape, tiedEmbeddings, decoder, source },
//             dtype, kvDtype, precision: { weightBytes, kvBytes },
//             hardware: { key, name, peakFlops, bandwidth, peakColumn, peakNote },
//             efficiency: { compute, memory } }
//   generation: { tokens, prompt, speculative, margin, arTokensPerSecond: number | null, arRoofline }
//   price: GenerationPrice (src/engine/project.ts):
//     params { perLayer, matmul, lmHead, embedding, total, reference|null }, weightBytes, ridgeBytesPerFlop,
//     crossoverTokens,
//     ar { prefill: Pass|null, token: Pass & { meanK, decodePasses }, schedule { passes, bytes, flops, seconds },
//          rooflineTokensPerSecond, measured { tokensPerSecond, source }|null, seconds, tokensPerSecond,
//          timeSource: "measured"|"roofline" },
//     diffusion { pass: Pass, peakSeconds, passesPerSecond, passesPerSecondAtPeak },
//     breakEven { ar, speculative { factor, passes }, margin { factor, passes } }
//     where Pass = { shape: PassShape, cost: PassCost, seconds, computeSeconds, memorySeconds, bound: "memory"|"compute" }
//   workedExample: [{ quantity, unit, ours, article, why }] | null   (only for the worked example's setup)
import { UsageError } from '../engine/config.js';
import { kvBytesPerToken, visiblePairs } from '../engine/cost.js';
import { compareWithWorkedExample, priceGeneration, selectTarget, type GenerationOptions, type GenerationPrice, type ProjectedPass, type ProjectionTarget } from '../engine/project.js';
import { attainedRidge, type Bound } from '../engine/roofline.js';
import { parseArgs, projectionFlags, projectionHelp, shapeFlags, targetOptions } from './args.js';
import { EXIT_CODES_HELP, PROCESS_IO, runCommand, type CommandIO } from './errors.js';

export const CALC_SCHEMA = 'dlm-watch/calc@1';

const help = `
  Usage
    $ dlm-watch calc [flags]

  Prices generating --tokens tokens with an autoregressive decoder (one pass per token, KV cache) and with a
  masked-diffusion decoder (every pass runs all tokens, no cache), and the number of diffusion passes at which
  diffusion is as fast as AR. With no flags: the worked example of cost-model.md.

  Generation
    --tokens N                 tokens generated (default 1024)
    --prompt P                 prompt tokens priced too (default 0)
    --ar-tokens-per-second X   measured AR speed (default: the known measurement for the setup, else the roofline)
    --ar-roofline              AR time from the roofline even where a measurement is known
    --speculative S            speculative AR speedup to beat (default 3; 1 = none)
    --margin M                 how many times faster than speculative AR diffusion must be (default 3)
    --json                     one JSON object (schema in src/commands/calc.ts)
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
  margin: { type: 'number', default: 3 },
  json: { type: 'boolean', default: false },
} as const;

export interface CalcResult {
  target: ProjectionTarget;
  options: GenerationOptions;
  price: GenerationPrice;
}

/** The --json object (see the header for its schema). */
export function calcJson(r: CalcResult): object {
  const { target: t, options: o, price } = r;
  return {
    schema: CALC_SCHEMA,
    target: {
      model: { key: t.model.key, name: t.model.shape.name, shape: t.model.shape, tiedEmbeddings: t.model.tiedEmbeddings, decoder: t.model.decoder, source: t.model.source },
      dtype: t.dtype,
      kvDtype: t.kvDtype,
      precision: t.precision,
      hardware: { key: t.roofline.hardware, name: t.roofline.name, peakFlops: t.roofline.peakFlops, bandwidth: t.roofline.bandwidth, peakColumn: t.roofline.peakColumn, peakNote: t.roofline.peakNote },
      efficiency: t.eff,
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

function table(rows: string[][], indent = '  '): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd());
}

/** The readable report: target, per-pass costs against the ridge, times, break-even, derivation, worked example. */
export function calcText(r: CalcResult): string {
  const { target: t, options: o, price: p } = r;
  const m = t.model.shape;
  const hw = t.roofline;
  const out: string[] = [];
  const wb = t.precision.weightBytes;
  const kb = t.precision.kvBytes;
  const attained = attainedRidge(hw, t.eff);
  out.push(`dlm-watch calc: ${m.name} on ${hw.name}, ${t.dtype} weights (${wb} B), ${t.kvDtype} KV cache (${kb} B), ${tokensWord(o.tokens)}${o.prompt ? ` after a ${o.prompt}-token prompt` : ', prompt not priced'}`);
  out.push('');
  out.push('target');
  const shapeLine = `L=${m.layers} d=${m.d} F=${m.mlp} ${m.gated ? 'gated' : 'plain'} H=${m.heads} K=${m.kvHeads} hd=${m.headDim} V=${m.vocab}`;
  const refParams = p.params.reference ? ` (table: ${si(p.params.reference, '')})` : '';
  out.push(...table([
    ['model', `${shapeLine}; ${si(p.params.total, '')} params${refParams}`],
    ['hardware', `${gbs(hw.bandwidth)}, ${tflops(hw.peakFlops)} (${hw.peakNote})`],
    ['ridge', `${bf(p.ridgeBytesPerFlop)} B/F = bandwidth ÷ peak; weights stop dominating at N* = ${num(p.crossoverTokens)} tokens per pass`],
    ['attained ridge', `${bf(attained)} B/F = η_m·bandwidth ÷ η_c·peak: above it a pass is memory-bound at these efficiencies`],
    ['efficiency', `compute ${pct(t.eff.compute)}, memory ${pct(t.eff.memory)} (every time below is at these unless marked "peak")`],
  ]));
  out.push('');
  const row = (label: string, x: ProjectedPass, extra = '') => [label, si(x.cost.bytes.total, 'B'), si(x.cost.flops.total, 'FLOP'), bf(x.cost.bytesPerFlop), versusRidge(x.cost.bytesPerFlop, attained, x.bound), secs(x.seconds) + extra];
  const passRows: string[][] = [['one pass', 'bytes', 'FLOPs', 'B/F', 'vs attained ridge', 'time']];
  if (p.ar.prefill) passRows.push(row(`AR prefill (${tokensWord(o.prompt)})`, p.ar.prefill));
  passRows.push(row(`AR token (mean k = ${num(p.ar.token.meanK)})`, p.ar.token));
  passRows.push(row(`diffusion pass (${tokensWord(p.diffusion.pass.shape.q)})`, p.diffusion.pass, ` (${secs(p.diffusion.peakSeconds)} at peak)`));
  out.push(...table(passRows, ''));
  out.push('');
  out.push(`generating ${tokensWord(o.tokens)}`);
  const arRoof = `${secs(p.ar.schedule.seconds)} = ${num(p.ar.rooflineTokensPerSecond, 3)} tok/s on the roofline (${p.ar.schedule.passes} passes)`;
  out.push(...table([
    ['AR', p.ar.measured
      ? `${secs(p.ar.seconds)} at ${num(p.ar.measured.tokensPerSecond)} tok/s (measured: ${p.ar.measured.source}); ${arRoof}`
      : arRoof],
    ['diffusion', `${num(p.diffusion.passesPerSecond, 3)} passes/s at the efficiencies, ${p.diffusion.pass.bound}-bound (${num(p.diffusion.passesPerSecondAtPeak, 3)} at peak)`],
  ]));
  out.push('');
  out.push(`break-even: diffusion is as fast when it finishes ${tokensWord(o.tokens)} in at most`);
  const be = p.breakEven;
  const tpp = (passes: number) => `(≥ ${num(o.tokens / passes, 3)} tokens per pass)`;
  out.push(...table([
    ['vs AR', `${num(be.ar)} passes`, tpp(be.ar)],
    [`vs ${num(be.speculative.factor)}× speculative AR`, `${num(be.speculative.passes)} passes`, tpp(be.speculative.passes)],
    [`vs ${num(be.speculative.factor)}× speculative AR with a ${num(be.margin.factor)}× margin`, `${num(be.margin.passes)} passes`, tpp(be.margin.passes)],
  ]));
  out.push('');
  out.push(...derivation(r));
  const cmp = compareWithWorkedExample(t, o, p);
  if (cmp) {
    out.push('');
    out.push('the worked example (cost-model.md) against this exact count');
    const fmt = (x: number, unit: string) => (unit === 'B/F' ? bf(x) : unit === 'FLOP/s' ? tflops(x) : unit === '' || unit === 's' ? `${num(x, 3)}${unit ? ' ' + unit : ''}` : si(x, unit));
    out.push(...table([['quantity', 'ours', 'article', 'why they differ'], ...cmp.map((c) => [c.quantity, fmt(c.ours, c.unit), fmt(c.article, c.unit), c.why])]));
  }
  return out.join('\n') + '\n';
}

/** The formulas with this run's numbers plugged in: where every figure above comes from. */
function derivation(r: CalcResult): string[] {
  const { target: t, options: o, price: p } = r;
  const m = t.model.shape;
  const hw = t.roofline;
  const wb = t.precision.weightBytes;
  const kb = t.precision.kvBytes;
  const { L, d, H, K, hd, F, V } = { L: m.layers, d: m.d, H: m.heads, K: m.kvHeads, hd: m.headDim, F: m.mlp, V: m.vocab };
  const g = m.gated ? 3 : 2;
  const tok = p.ar.token;
  const pass = p.diffusion.pass;
  const N = pass.shape.q;
  const kvTok = kvBytesPerToken(m, t.precision);
  const embed = t.model.tiedEmbeddings ? 'tied: the LM head is the input embedding' : 'the untied input embedding, the same size, is a one-row lookup per token: counted in params, not streamed';
  const lines = [
    `derivation (cost-model.md; a multiply-add is 2 FLOPs; causal attention counts visible pairs only)`,
    `  P_L   = d·H·hd + 2·d·K·hd + H·hd·d + ${g}·d·F   (${m.gated ? 'gated' : 'plain'} MLP)`,
    `        = ${d}·${H}·${hd} + 2·${d}·${K}·${hd} + ${H}·${hd}·${d} + ${g}·${d}·${F} = ${int(p.params.perLayer)}`,
    `  P_mm  = L·P_L = ${L} × ${int(p.params.perLayer)} = ${si(p.params.matmul, '')}`,
    `  V·d   = ${V} × ${d} = ${si(p.params.lmHead, '')} (LM head; ${embed})`,
    `  params = P_mm + V·d${t.model.tiedEmbeddings ? '' : ' + V·d'} = ${si(p.params.total, '')}`,
    `  weights per pass = b_w·(P_mm + V·d) = ${wb} B × ${si(p.params.matmul + p.params.lmHead, '')} = ${si(p.weightBytes, 'B')}`,
    `  KV per token = b_kv·2·L·K·hd = ${kb} B × 2·${L}·${K}·${hd} = ${si(kvTok, 'B')}`,
    `  AR token (q = 1, k̄ = ${num(tok.meanK)}, causal):`,
    `    bytes = weights + KV read ${si(kvTok, 'B')} × k̄ + KV write ${si(kvTok, 'B')} = ${si(tok.cost.bytes.weights, 'B')} + ${si(tok.cost.bytes.kvRead, 'B')} + ${si(tok.cost.bytes.kvWrite, 'B')} = ${si(tok.cost.bytes.total, 'B')}`,
    `    FLOPs = 2·P_mm + 2·V·d + 4·L·H·hd·(k̄+1) = ${si(tok.cost.flops.linears, '')} + ${si(tok.cost.flops.lmHead, '')} + 4·${L}·${H}·${hd}·${num(visiblePairs(tok.shape))} (${si(tok.cost.flops.attention, '')}) = ${si(tok.cost.flops.total, 'FLOP')}`,
    `    B/F = ${si(tok.cost.bytes.total, 'B')} / ${si(tok.cost.flops.total, 'FLOP')} = ${bf(tok.cost.bytesPerFlop)}`,
    `  diffusion pass (q = N = ${N}, k = 0, bidirectional, logits at all N):`,
    `    FLOPs = 2·N·P_mm + 2·N·V·d + 4·L·H·hd·N² = ${si(pass.cost.flops.linears, '')} + ${si(pass.cost.flops.lmHead, '')} + ${si(pass.cost.flops.attention, '')} = ${si(pass.cost.flops.total, 'FLOP')}`,
    `    B/F = ${si(pass.cost.bytes.total, 'B')} / ${si(pass.cost.flops.total, 'FLOP')} = ${bf(pass.cost.bytesPerFlop)}`,
    `  ridge = bandwidth / peak = ${gbs(hw.bandwidth)} / ${tflops(hw.peakFlops)} = ${bf(p.ridgeBytesPerFlop)} B/F;  N* = peak·b_w / (2·bandwidth) = ${num(p.crossoverTokens)}`,
    `  pass time = max(FLOPs / (η_c·peak), bytes / (η_m·bandwidth)) = max(${si(pass.cost.flops.total, 'FLOP')} / (${t.eff.compute} × ${tflops(hw.peakFlops)}), ${si(pass.cost.bytes.total, 'B')} / (${t.eff.memory} × ${gbs(hw.bandwidth)}))`,
    `            = max(${secs(pass.computeSeconds)}, ${secs(pass.memorySeconds)}) = ${secs(pass.seconds)}  →  ${num(p.diffusion.passesPerSecond, 4)} passes/s`,
    p.ar.measured
      ? `  AR time = n / tok/s = ${o.tokens} / ${num(p.ar.measured.tokensPerSecond)} = ${secs(p.ar.seconds)}`
      : `  AR time = Σ over ${p.ar.schedule.passes} passes of max(FLOPs / (η_c·peak), bytes / (η_m·bandwidth)) = ${secs(p.ar.seconds)}`,
    `  break-even = AR time / pass time = ${secs(p.ar.seconds)} / ${secs(pass.seconds)} = ${num(p.breakEven.ar)};  / ${num(p.breakEven.speculative.factor)} = ${num(p.breakEven.speculative.passes)};  / ${num(p.breakEven.margin.factor)} = ${num(p.breakEven.margin.passes)}`,
  ];
  return lines;
}

/** Parse, price, print. */
export async function calc(argv: string[]): Promise<{ code: number; text: string }> {
  const a = parseArgs('calc', help, argv, flags, import.meta);
  if (a.help !== null) return { code: 0, text: a.help + '\n' };
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
  const result = { target, options, price };
  return { code: 0, text: f.json ? JSON.stringify(calcJson(result), null, 2) + '\n' : calcText(result) };
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand('calc', async () => {
    const { code, text } = await calc(argv);
    io.out(text);
    return code;
  }, io);
}
