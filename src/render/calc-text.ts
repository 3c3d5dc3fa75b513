// calc's readable report (src/commands/calc.ts prices, this prints): the headline first (verdict, break-even, the two
// times), then the tables; with --derive every formula with the numbers plugged in. Lines fit in CALC_WIDTH columns.
// Every number comes from the engine (price/generation.ts, price/speculation.ts); these functions only print them,
// in the one SI formatter (format.ts) and the report's bold (report.ts, coloured by the one palette).
import { fitNote } from './projection.js';
import {
  activeMatmulParams,
  attentionParamsPerLayer,
  denseLayers,
  denseMlpParams,
  expertParams,
  kvBytesPerToken,
  expertsTouched,
  moeLayers,
  routedTokens,
  routerParams,
  visiblePairs,
} from '../engine/price/cost.js';
import type { GenerationOptions, GenerationPrice } from '../engine/price/generation.js';
import { passRidge, type ProjectedPass } from '../engine/price/projection.js';
import { attainedRidge, type Bound } from '../engine/price/roofline.js';
import { MEASURED_SPEEDUP, type SpeculationPrice } from '../engine/price/speculation.js';
import type { ProjectionTarget } from '../engine/price/target.js';
import { formatSeconds, formatSI } from './format.js';
import { calibratedImbalance, expertsPerToken, type ExpertsRow } from '../engine/price/experts.js';
import { computeEfficiencyAt } from '../engine/price/efficiency.js';
import { bold, fold, table } from './report.js';

export interface CalcResult {
  target: ProjectionTarget;
  options: GenerationOptions & { draftTokens?: number };
  price: GenerationPrice;
  /** modelled speculative decoding (null when no α ≤ 1 reproduces the measured speed-up) */
  speculation?: SpeculationPrice | null;
  /** diffusion passes that tie the modelled speculative AR (engine break-even; null without a model) */
  speculativeBreakEven?: number | null;
  /** experts per MoE block for each way of decoding (engine/price/experts.ts); null without experts */
  experts?: ExpertsRow[] | null;
}

/** the report's SI figures: 4 significant digits (69.50 GB, 145.1 TFLOP) */
const si = (x: number, unit: string) => formatSI(x, unit, 4);

/** the report's times: 4 significant digits (20.08 s, 104.5 ms) */
const secs = (s: number) => formatSeconds(s, 4);

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
  return bound === 'memory'
    ? `${num(b / ridge, 3)}× above: memory-bound`
    : `${num(ridge / b, 3)}× below: compute-bound`;
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
  const dense = e.denseLayers
    ? `, dense F=${m.mlp} in the first ${e.denseLayers === 1 ? 'block' : `${e.denseLayers} blocks`}`
    : '';
  const shared = e.shared ? ` + ${e.shared} shared` : '';
  return `L=${m.layers} d=${m.d} ${attn} V=${m.vocab}; experts E=${e.experts}, k=${e.active}${shared}, F_e=${e.expertMlp} ${m.gated ? 'gated' : 'plain'} in ${moeLayers(m)} blocks${dense}`;
}

function paramsLine(t: ProjectionTarget, p: GenerationPrice): string {
  const pub = t.model.published;
  if (!t.model.shape.moe) {
    const ref = pub
      ? ` (published: ${published(pub.total)})`
      : p.params.reference
        ? ` (reference ${si(p.params.reference, '')})`
        : '';
    return `${si(p.params.total, '')} params${ref}`;
  }
  const ref = pub
    ? ` (published: ${published(pub.total)}${pub.active ? `, ${published(pub.active)} active` : ''})`
    : '';
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
  const bounds =
    ar === d ? `AR and a diffusion pass are both ${ar}-bound` : `AR is ${ar}-bound, a diffusion pass ${d}-bound`;
  const be = p.breakEven.ar;
  const each = p.batch === 1 ? '' : "each sequence's ";
  if (be < 1)
    return `${bounds}: diffusion cannot be as fast as AR, one pass takes longer than AR's ${tokensWord(o.tokens)}`;
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
  return table(
    [
      [bold('verdict'), verdictText(r)],
      [
        bold('break-even'),
        [
          `${bold(num(be.ar))} passes vs AR`,
          `${num(be.speculative.passes)} vs ${num(be.speculative.factor)}× speculative AR`,
          `${num(be.margin.passes)} with a ${num(be.margin.factor)}× margin`,
          ...(sp && r.speculativeBreakEven != null
            ? [`${num(r.speculativeBreakEven)} vs modelled speculative AR (${num(sp.speedup, 3)}×)`]
            : []),
        ].join(' · '),
      ],
      [bold('AR'), `${arTime}; one token per pass, ${p.ar.token.bound}-bound`],
      [
        bold('diffusion'),
        `${secs(p.diffusion.pass.seconds)} per pass of ${tokensWord(p.diffusion.pass.shape.q)} (${num(p.diffusion.passesPerSecond, 3)} passes/s), ${p.diffusion.pass.bound}-bound`,
      ],
      ...(p.block ? [[bold(r.target.model.canvas ? 'canvas' : 'block'), blockText(r)]] : []),
      [bold('batching'), batchingText(r)],
    ],
    CALC_WIDTH,
  );
}

/** Block diffusion in one sentence (the figures: priceGeneration's block). */
function blockText(r: CalcResult): string {
  const b = r.price.block!;
  const canvas = r.target.model.canvas;
  const what = canvas
    ? `a ${int(b.size)}-token canvas against the cached prompt`
    : `a block of ${tokensWord(b.size)} against a cached prefix`;
  const be =
    b.breakEven < 1
      ? 'one pass takes longer than AR'
      : `ties AR at ≤ ${bold(`${num(b.breakEven)} passes`)}${canvas ? '' : ' for the whole generation'} (≥ ${num(r.options.tokens / b.breakEven, 3)} tokens per weight read)`;
  const published = canvas?.passes ? `; published: ${canvas.passes} passes per canvas` : '';
  const from =
    b.computeBoundFrom === null
      ? `memory-bound at every block size up to ${tokensWord(r.options.tokens)}`
      : `compute-bound from ${tokensWord(b.computeBoundFrom)} per block${r.price.batch === 1 ? '' : ` (block × batch = ${int(b.computeBoundFrom * r.price.batch)} rows)`}`;
  return `${secs(b.pass.seconds)} per pass of ${what}, ${b.pass.bound}-bound; ${be}${published}; ${from}`;
}

const LANE_LABEL: Record<ExpertsRow['lane'], string> = {
  ar: 'AR token',
  speculative: 'speculative verify',
  block: 'block pass',
  diffusion: 'diffusion pass',
};

/** A model with a canvas (DiffusionGemma) runs its block as the canvas. */
const CANVAS_LABEL: Record<ExpertsRow['lane'], string> = { ...LANE_LABEL, block: 'canvas pass' };

/** Experts per MoE block, uniform and calibrated, per pass and per committed token, for every way of decoding. */
function expertsTableLines(rows: readonly ExpertsRow[], experts: number, canvas: boolean): string[] {
  const f = calibratedImbalance();
  const out = table(
    [
      [bold('experts per block'), 'rows', 'uniform', 'calibrated*', 'tokens/pass', 'per committed token'],
      ...rows.map((x) => [
        (canvas ? CANVAS_LABEL : LANE_LABEL)[x.lane],
        int(x.rows),
        expertsOf(x.uniform, experts),
        expertsOf(x.calibrated, experts),
        num(x.committed, 3),
        `${num(expertsPerToken(x), 3)} · ${num(expertsPerToken(x, true), 3)}*`,
      ]),
    ],
    CALC_WIDTH,
    '',
  );
  const notes = [
    `* calibrated: routed as concentrated as LLaDA2.0-mini (69.5 of 256 experts per 32-token block, dMoE arXiv 2605.30876): T(n/f), f = ${num(f, 3)}`,
    `tokens/pass: AR one per sequence; speculative its modelled tokens per round (at the reference α where none gives ${num(MEASURED_SPEEDUP.factor, 3)}× here); block and diffusion passes the fewest that tie AR (the break-even)`,
  ];
  for (const l of notes) out.push(...fold(`  ${l}`, CALC_WIDTH, 4));
  return out;
}

/** What more sequences per pass do to AR, in one sentence (the figures: priceGeneration's computeBound). */
function batchingText(r: CalcResult): string {
  const cb = r.price.computeBound;
  if (cb.batch === null || cb.breakEven === null)
    return `AR's decode pass stays memory-bound up to ${cb.maxBatch.toLocaleString('en-US')} sequences per pass: its KV-cache reads alone are above the ridge`;
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
  out.push(
    ...fold(
      `dlm-watch calc: ${bold(`${m.name} on ${hw.name}`)} · ${tokensWord(o.tokens)}${B === 1 ? '' : ` for each of ${sequencesWord(B)} decoded together`}${o.prompt ? ` after a ${o.prompt}-token prompt` : ''} · ${t.dtype} weights, ${t.kvDtype} KV`,
      W,
    ),
  );
  // a target that cannot hold the weights and KV cache says so before any price
  const fit = fitNote(t, o.tokens + (o.prompt ?? 0));
  if (fit) out.push(...fold(`${fit}: the prices below assume it could`, W));
  out.push('');
  out.push(...headline(r));
  out.push('');
  const moe = p.moe;
  const row = (label: string, x: ProjectedPass, experts: number | null) => [
    label,
    ...(moe ? [experts === null ? '' : expertsOf(experts, moe.experts)] : []),
    si(x.cost.bytes.total, 'B'),
    si(x.cost.flops.total, 'FLOP'),
    bf(x.cost.bytesPerFlop),
    // the shaped model's ridge moves with the pass's rows (η_c(n)); fixed: the one attained ridge
    versusRidge(x.cost.bytesPerFlop, passRidge(hw, t.eff, x.shape), x.bound),
    secs(x.seconds),
  ];
  const passRows: string[][] = [
    [bold('one pass'), ...(moe ? ['experts'] : []), 'bytes', 'FLOPs', 'B/F', 'vs attained ridge', 'time'],
  ];
  if (p.ar.prefill) passRows.push(row('AR prefill', p.ar.prefill, moe?.prefill?.experts ?? null));
  passRows.push(row(B === 1 ? 'AR token' : 'AR step', p.ar.token, moe?.arToken.experts ?? null));
  passRows.push(row('diffusion pass', p.diffusion.pass, moe?.diffusionPass.experts ?? null));
  if (p.block)
    passRows.push(
      row(
        t.model.canvas ? 'canvas pass' : 'block pass',
        p.block.pass,
        moe ? expertsTouched(m, routedTokens(p.block.pass.shape)) : null,
      ),
    );
  out.push(...table(passRows, W, ''));
  const each = B === 1 ? '' : ` for each of ${sequencesWord(B)}`;
  const lines = [
    ...(p.ar.prefill ? [`AR prefill: the ${tokensWord(o.prompt)} of the prompt in one causal pass${each}`] : []),
    `AR ${B === 1 ? 'token' : 'step'}: one new token${each} against a cache of k̄ = ${num(p.ar.token.meanK)} tokens (the mean over the generation)${B > 1 ? `; the AR time sums every step at its own cache, max(compute, memory) each, so it can differ from ${num(o.tokens)} × this step's` : ''}`,
    `diffusion pass: all ${tokensWord(p.diffusion.pass.shape.q)}${each}, bidirectional, no cache (${secs(p.diffusion.peakSeconds)} at peak)`,
    ...(p.block
      ? [
          `${t.model.canvas ? 'canvas' : 'block'} pass: ${tokensWord(p.block.size)}${each} against a cached prefix of k̄ = ${num(p.block.meanPrefix)} tokens (the prompt${t.model.canvas ? '' : ' and earlier blocks'}), bidirectional inside the block, its keys and values written each pass`,
        ]
      : []),
    ...(moe
      ? ['experts: routed experts touched per MoE block, in expectation (uniform routing; --derive shows how)']
      : []),
  ];
  for (const l of lines) out.push(...fold(`  ${l}`, W));
  if (r.experts) {
    out.push('');
    out.push(...expertsTableLines(r.experts, moe!.experts, t.model.canvas !== undefined));
  }
  out.push('');
  out.push(bold('target'));
  out.push(
    ...table(
      [
        ['model', shapeLine(t)],
        ['params', paramsLine(t, p)],
        ['hardware', `${gbs(hw.bandwidth)}, ${tflops(hw.peakFlops)} (${hw.peakNote})`],
        [
          'datasheet ridge',
          `${bf(p.ridgeBytesPerFlop)} B/F = bandwidth ÷ peak; weights stop dominating from N* = ${num(p.crossoverTokens)} tokens`,
        ],
        ['attained ridge', `${bf(attained)} B/F = η_m·bandwidth ÷ η_c·peak: a pass above it is memory-bound`],
        [
          'efficiency',
          t.eff.rowsHalf === undefined
            ? `compute ${pct(t.eff.compute)}, memory ${pct(t.eff.memory)} (every time is at these unless marked "peak")`
            : `shaped (fitted: calc --check): memory ${pct(t.eff.memory)}, compute η_c(n) = ${pct(t.eff.compute)} · n / (n + ${t.eff.rowsHalf}) for a pass of n rows; the attained ridge above is at η_c,max, each pass's at its own rows`,
        ],
        ...(B === 1
          ? []
          : [
              [
                'batch',
                `${sequencesWord(B)} per pass, each with its own KV cache; the weights stream once for all of them`,
              ],
            ]),
      ],
      W,
    ),
  );
  out.push('');
  if (!opts.derive) {
    out.push(
      ...fold(
        `--derive: the break-even table, speculative decoding, batching${moe ? ', experts' : ''} and every formula`,
        W,
      ),
    );
    return out.join('\n') + '\n';
  }
  out.push('');
  out.push(bold(`generating ${tokensWord(o.tokens)}${each}`));
  const over = B === 1 ? '' : ` over the ${int(B)} sequences`;
  const arRoof = `${secs(p.ar.schedule.seconds)} = ${num(p.ar.rooflineTokensPerSecond, 3)} tok/s${over} on the roofline (${p.ar.schedule.passes} passes)`;
  out.push(
    ...table(
      [
        [
          'AR',
          p.ar.measured
            ? `${secs(p.ar.seconds)} at ${num(p.ar.measured.tokensPerSecond)} tok/s${over} (measured: ${p.ar.measured.source}); ${arRoof}`
            : arRoof,
        ],
        [
          'diffusion',
          `${num(p.diffusion.passesPerSecond, 3)} passes/s at the efficiencies, ${p.diffusion.pass.bound}-bound (${num(p.diffusion.passesPerSecondAtPeak, 3)} at peak)`,
        ],
      ],
      W,
    ),
  );
  out.push('');
  out.push(
    bold(
      `break-even: diffusion is as fast when it finishes ${B === 1 ? '' : "each sequence's "}${tokensWord(o.tokens)} in at most`,
    ),
  );
  const be = p.breakEven;
  const tpp = (passes: number) => `(≥ ${num(o.tokens / passes, 3)} tokens per pass)`;
  out.push(
    ...table(
      [
        ['vs AR', `${num(be.ar)} passes`, tpp(be.ar)],
        [
          `vs ${num(be.speculative.factor)}× speculative AR`,
          `${num(be.speculative.passes)} passes`,
          tpp(be.speculative.passes),
        ],
        [
          `vs ${num(be.speculative.factor)}× speculative AR with a ${num(be.margin.factor)}× margin`,
          `${num(be.margin.passes)} passes`,
          tpp(be.margin.passes),
        ],
      ],
      W,
    ),
  );
  const sp = r.speculation;
  out.push('');
  if (sp) {
    out.push(
      ...fold(
        bold(
          `speculative decoding, modelled: draft ${r.target.draft.shape.name} on the same hardware, γ = ${sp.gamma} tokens per round`,
        ),
        W,
      ),
    );
    out.push(
      ...table(
        [
          [
            'passes',
            `draft ${secs(sp.draftSeconds)} · verify of ${sp.gamma + 1} tokens ${secs(sp.verifySeconds)} · AR ${secs(sp.arSeconds)}`,
          ],
          [
            'α',
            `${num(sp.alpha, 3)} ${sp.alphaSource === 'given' ? '(--alpha)' : `(the acceptance rate at which this model gives the reference ${num(MEASURED_SPEEDUP.factor, 3)}×)`}`,
          ],
          ...(sp.alphaSource === 'given' ? [] : [['reference', MEASURED_SPEEDUP.source]]),
          ['tokens/round', `(1 − α^(γ+1)) / (1 − α) = ${num(sp.tokensPerRound, 3)}`],
          ['round', `γ·t_draft + t_verify = ${secs(sp.roundSeconds)}`],
          [
            'speed-up',
            `tokens/round · t_AR / round = ${num(sp.speedup, 3)}× (the constant --speculative is ${num(be.speculative.factor)}×)`,
          ],
          ...(r.speculativeBreakEven != null
            ? [
                [
                  'break-even',
                  `${num(r.speculativeBreakEven)} diffusion passes against this speculative AR ${tpp(r.speculativeBreakEven)}`,
                ],
              ]
            : []),
        ],
        W,
      ),
    );
  } else
    out.push(
      ...fold(
        `speculative decoding, modelled: no α up to 1 gives the reference ${num(MEASURED_SPEEDUP.factor, 3)}× at γ = ${r.options.draftTokens ?? 4} on this target`,
        W,
      ),
    );
  if (B > 1 && be.speculative.factor > 1)
    out.push(
      ...fold(
        `  (the ${num(be.speculative.factor)}× speculative speed-up is a batch-1 figure: speculation saves weight reads, which a batch already shares, so at ${int(B)} sequences read the first line)`,
        W,
      ),
    );
  out.push('');
  for (const l of computeBoundLines(r)) out.push(...fold(l, W));
  if (moe) {
    out.push('');
    for (const l of moeLines(r)) out.push(...fold(l, W, undefined, true));
  }
  out.push('');
  for (const l of m.moe || m.mla ? sparseDerivation(r) : denseDerivation(r))
    out.push(...fold(l, W, /^ */.exec(l)![0].length + 8, true));
  return out.join('\n') + '\n';
}

/** Where AR turns compute-bound as sequences are added, and the break-even there. */
function computeBoundLines(r: CalcResult): string[] {
  const { options: o, price: p } = r;
  const cb = p.computeBound;
  const k = num(p.ar.token.meanK);
  const out = [
    bold('when AR turns compute-bound') +
      ' (more sequences per pass share the weights, but each reads its own KV cache)',
  ];
  if (cb.batch === null || !cb.arToken || !cb.diffusionPass || cb.breakEven === null || cb.arSeconds === null) {
    const c = p.ar.token.cost;
    const perSeq = B(p);
    const kvBF = (c.bytes.kvRead + c.bytes.kvWrite) / c.flops.total;
    out.push(
      `  never up to ${cb.maxBatch.toLocaleString('en-US')} sequences: AR's mean decode pass (k̄ = ${k}) reads ${si((c.bytes.kvRead + c.bytes.kvWrite) / perSeq, 'B')} of KV cache per sequence`,
    );
    out.push(
      `  for ${si(c.flops.total / perSeq, 'FLOP')}, a B/F of ${bf(kvBF)}: ${num(kvBF / p.effectiveRidgeBytesPerFlop, 3)}× the ridge at the efficiencies before any weight is read, so batching cannot make it compute-bound`,
    );
    return out;
  }
  const be = cb.breakEven;
  out.push(
    `  AR's mean decode pass (k̄ = ${k}) is compute-bound from B* = ${sequencesWord(cb.batch)} per pass, where its B/F falls to the ridge at the efficiencies (${bf(p.effectiveRidgeBytesPerFlop)})`,
  );
  out.push(
    `  at B*, AR takes ${secs(cb.arSeconds)} for ${tokensWord(o.tokens)} per sequence; one diffusion pass over ${int(cb.batch)} × ${tokensWord(cb.diffusionPass.shape.q)} takes ${secs(cb.diffusionPass.seconds)}`,
  );
  out.push(`  break-even at B*: ${num(be)} diffusion passes (≥ ${num(o.tokens / be, 3)} tokens per pass)`);
  if (be < 2)
    out.push(
      '  once AR is compute-bound, each of its tokens costs about the FLOPs that token costs in a diffusion pass, so diffusion ties only if it finishes in about one pass',
    );
  return out;
}

/** Experts: what the uniform-routing expectation gives for each pass. */
function moeLines(r: CalcResult): string[] {
  const { target: t, price: p } = r;
  const e = p.moe!;
  const shared = e.shared
    ? `, plus ${e.shared} shared expert${e.shared === 1 ? '' : 's'} every token passes through`
    : '';
  const f =
    e.imbalance === 1
      ? 'T(n) = E·(1 − (1 − k/E)^n)'
      : `T(n) = E·(1 − (1 − k/E)^(n/f)), imbalance f = ${num(e.imbalance)}`;
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
    `  datasheet ridge = bandwidth / peak = ${gbs(hw.bandwidth)} / ${tflops(hw.peakFlops)} = ${bf(p.ridgeBytesPerFlop)} B/F;  N* = peak·b_w / (2·bandwidth) = ${num(p.crossoverTokens)}`,
    `  pass time = max(FLOPs / (η_c·peak), bytes / (η_m·bandwidth)) = max(${si(pass.cost.flops.total, 'FLOP')} / (${+computeEfficiencyAt(t.eff, routedTokens(pass.shape)).toPrecision(4)} × ${tflops(hw.peakFlops)}), ${si(pass.cost.bytes.total, 'B')} / (${t.eff.memory} × ${gbs(hw.bandwidth)}))`,
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
  const { L, d, H, K, hd, F, V } = {
    L: m.layers,
    d: m.d,
    H: m.heads,
    K: m.kvHeads,
    hd: m.headDim,
    F: m.mlp,
    V: m.vocab,
  };
  const g = m.gated ? 3 : 2;
  const tok = p.ar.token;
  const pass = p.diffusion.pass;
  const N = pass.shape.q;
  const b = B(p);
  const Bx = b === 1 ? '' : `${int(b)} × `;
  const kvTok = kvBytesPerToken(m, t.precision);
  const embed = t.model.tiedEmbeddings
    ? 'tied: the LM head is the input embedding'
    : 'the untied input embedding, the same size, is a one-row lookup per token: counted in params, not streamed';
  return [
    `${bold('derivation')} (a multiply-add is 2 FLOPs; causal attention counts visible pairs only${b === 1 ? '' : `; B = ${int(b)} sequences per pass`})`,
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
  const out = [
    `${bold('derivation')} (a multiply-add is 2 FLOPs; causal attention counts visible pairs only${b === 1 ? '' : `; B = ${int(b)} sequences per pass`})`,
  ];
  if (a) {
    const q =
      a.qLoraRank > 0
        ? [
            'd·r_q + r_q·H·(d_nope+d_rope)',
            `${m.d}·${a.qLoraRank} + ${a.qLoraRank}·${m.heads}·${a.qkNopeHeadDim + a.qkRopeHeadDim}`,
          ]
        : ['d·H·(d_nope+d_rope)', `${m.d}·${m.heads}·${a.qkNopeHeadDim + a.qkRopeHeadDim}`];
    out.push(`  P_attn = ${q[0]} + d·(r_kv+d_rope) + r_kv·H·(d_nope+d_v) + H·d_v·d   (latent attention)`);
    out.push(
      `         = ${q[1]} + ${m.d}·${a.kvLoraRank + a.qkRopeHeadDim} + ${a.kvLoraRank}·${m.heads}·${a.qkNopeHeadDim + a.vHeadDim} + ${m.heads}·${a.vHeadDim}·${m.d} = ${int(pAttn)}`,
    );
  } else {
    out.push(
      `  P_attn = d·H·hd + 2·d·K·hd + H·hd·d = ${m.d}·${m.heads}·${m.headDim} + 2·${m.d}·${m.kvHeads}·${m.headDim} + ${m.heads}·${m.headDim}·${m.d} = ${int(pAttn)}`,
    );
  }
  const nd = denseLayers(m);
  const nm = moeLayers(m);
  if (nd)
    out.push(
      `  dense MLP = ${g}·d·F = ${g}·${m.d}·${m.mlp} = ${int(denseMlpParams(m))}   (${m.gated ? 'gated' : 'plain'}, in ${nd} block${nd === 1 ? '' : 's'})`,
    );
  if (e) {
    out.push(
      `  P_e    = ${g}·d·F_e = ${g}·${m.d}·${e.expertMlp} = ${int(expertParams(m))} (one expert);  router = d·E = ${m.d}·${e.experts} = ${int(routerParams(m))}`,
    );
    const dense = nd ? [` + n_dense·${g}·d·F`, ` + ${nd}·${int(denseMlpParams(m))}`] : ['', ''];
    const s = e.shared ? ' + s' : '';
    out.push(
      `  P_mm   = L·P_attn${dense[0]} + n_moe·(d·E + (E${s})·P_e) = ${m.layers}·${int(pAttn)}${dense[1]} + ${nm}·(${int(routerParams(m))} + ${e.experts + e.shared}·${int(expertParams(m))}) = ${si(p.params.matmul, '')}`,
    );
    out.push(
      `  P_act  = L·P_attn${dense[0]} + n_moe·(d·E + (k${s})·P_e) = ${m.layers}·${int(pAttn)}${dense[1]} + ${nm}·(${int(routerParams(m))} + ${e.active + e.shared}·${int(expertParams(m))}) = ${si(activeMatmulParams(m), '')}   (the weights one token passes through)`,
    );
  } else {
    out.push(`  P_mm   = L·(P_attn + ${g}·d·F) = ${m.layers} × ${int(p.params.perLayer)} = ${si(p.params.matmul, '')}`);
  }
  const emb = t.model.tiedEmbeddings ? '' : ' + V·d';
  out.push(
    `  V·d    = ${m.vocab} × ${m.d} = ${si(p.params.lmHead, '')} (LM head${t.model.tiedEmbeddings ? ', tied to the input embedding' : '; the input embedding, the same size, is a one-row lookup: counted in params, not streamed'})`,
  );
  out.push(
    `  params = P_mm + V·d${emb} = ${si(p.params.total, '')}${e ? `;  active = P_act + V·d${emb} = ${si(p.params.active, '')}` : ''}`,
  );
  if (e) {
    out.push(
      `  experts touched per block by n routed tokens T(n) = E·(1 − (1 − k/E)^(n/f)) (uniform routing, f = ${num(e.imbalance ?? 1)})`,
    );
    out.push(
      `  weights per pass = b_w·(P_mm − n_moe·(E − T)·P_e + V·d): ${wb} B × … = ${si(tok.cost.bytes.weights, 'B')} for the AR ${b === 1 ? 'token' : 'step'}, ${si(pass.cost.bytes.weights, 'B')} for the diffusion pass (${si(p.weightBytes, 'B')} if every expert is touched)`,
    );
  } else {
    out.push(
      `  weights per pass = b_w·(P_mm + V·d) = ${wb} B × ${si(p.params.matmul + p.params.lmHead, '')} = ${si(p.weightBytes, 'B')}`,
    );
  }
  out.push(
    a
      ? `  KV per token = b_kv·L·(r_kv + d_rope) = ${kb} B × ${m.layers}·${a.kvLoraRank + a.qkRopeHeadDim} = ${si(kvTok, 'B')} (the cache holds the latent)${b === 1 ? '' : ' per sequence'}`
      : `  KV per token = b_kv·2·L·K·hd = ${kb} B × 2·${m.layers}·${m.kvHeads}·${m.headDim} = ${si(kvTok, 'B')}${b === 1 ? '' : ' per sequence'}`,
  );
  const attnNote = a
    ? 'attention (latent attention, the cheaper of its latent and expanded forms)'
    : `attention 4·L·H·hd·${Bdot}(k̄+1)`;
  const P = e ? 'P_act' : 'P_mm';
  out.push(
    `  AR ${b === 1 ? 'token' : 'step'} (q = 1${b === 1 ? '' : ' per sequence'}, k̄ = ${num(tok.meanK)}, causal${e ? `, T = ${num(p.moe!.arToken.experts, 3)}` : ''}):`,
  );
  out.push(
    `    bytes = weights + ${b === 1 ? '' : 'B·('}KV read ${si(kvTok, 'B')} × k̄ + KV write ${si(kvTok, 'B')}${b === 1 ? '' : ')'} = ${si(tok.cost.bytes.weights, 'B')} + ${si(tok.cost.bytes.kvRead, 'B')} + ${si(tok.cost.bytes.kvWrite, 'B')} = ${si(tok.cost.bytes.total, 'B')}`,
  );
  out.push(
    `    FLOPs = 2·${Bdot}${P} + 2·${Bdot}V·d + ${attnNote} = ${si(tok.cost.flops.linears, '')} + ${si(tok.cost.flops.lmHead, '')} + ${si(tok.cost.flops.attention, '')} = ${si(tok.cost.flops.total, 'FLOP')}`,
  );
  out.push(
    `    B/F = ${si(tok.cost.bytes.total, 'B')} / ${si(tok.cost.flops.total, 'FLOP')} = ${bf(tok.cost.bytesPerFlop)}`,
  );
  out.push(
    `  diffusion pass (q = N = ${N}${b === 1 ? '' : ' per sequence'}, k = 0, bidirectional, logits at all N${e ? `, T = ${num(p.moe!.diffusionPass.experts, 3)}` : ''}):`,
  );
  out.push(
    `    FLOPs = 2·${Bdot}N·${P} + 2·${Bdot}N·V·d + ${a ? 'attention' : `4·L·H·hd·${Bdot}N²`} = ${si(pass.cost.flops.linears, '')} + ${si(pass.cost.flops.lmHead, '')} + ${si(pass.cost.flops.attention, '')} = ${si(pass.cost.flops.total, 'FLOP')}`,
  );
  out.push(
    `    B/F = ${si(pass.cost.bytes.total, 'B')} / ${si(pass.cost.flops.total, 'FLOP')} = ${bf(pass.cost.bytesPerFlop)}`,
  );
  out.push(...timeLines(r));
  return out;
}
