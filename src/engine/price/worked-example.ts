// The worked example (cost-model.md, the README's article figures) against our exact count.
import type { GenerationOptions, GenerationPrice } from './generation.js';
import type { ProjectionTarget } from './target.js';

/** The article's setup and its rounded figures. */
export const WORKED_EXAMPLE = {
  setup: {
    hardware: 'h200',
    model: 'llama-3.3-70b',
    weightBytes: 1,
    tokens: 1024,
    prompt: 0,
    arTokensPerSecond: 51,
    computeEff: 0.7,
    speculative: 3,
    margin: 3,
  },
  article: {
    weightBytesPerToken: 70e9,
    flopsPerToken: 140e9,
    passFlops: 140e12,
    peakFlops: 2000e12,
    passesPerSecondAtPeak: 14,
    passesPerSecond: 10,
    arSeconds: 20,
    breakEven: 200,
    speculative: 67,
    margin: 22,
    arTokenBF: 0.5,
    passBF: 0.0005,
    ridge: 0.0024,
  },
} as const;

export interface ComparisonRow {
  quantity: string;
  unit: string;
  ours: number;
  article: number;
  why: string;
}

/** Our count beside the article's, when the setup is the worked example's; null otherwise. */
export function compareWithWorkedExample(
  t: ProjectionTarget,
  o: GenerationOptions,
  p: GenerationPrice,
): ComparisonRow[] | null {
  const s = WORKED_EXAMPLE.setup;
  const tps = p.ar.measured?.tokensPerSecond;
  const same =
    t.batch === 1 &&
    t.roofline.hardware === s.hardware &&
    t.model.key === s.model &&
    t.precision.weightBytes === s.weightBytes &&
    !t.overridden &&
    o.tokens === s.tokens &&
    o.prompt === s.prompt &&
    tps === s.arTokensPerSecond &&
    t.eff.compute === s.computeEff &&
    o.speculative === s.speculative &&
    o.margin === s.margin;
  if (!same) return null;
  const a = WORKED_EXAMPLE.article;
  return [
    {
      quantity: 'bytes read per AR token',
      unit: 'B',
      ours: p.ar.token.cost.bytes.total,
      article: a.weightBytesPerToken,
      why: 'the article counts all 70.55B parameters; the input embedding (V·d) is a one-row lookup, not streamed; we add the mean KV-cache read',
    },
    {
      quantity: 'FLOPs per AR token',
      unit: 'FLOP',
      ours: p.ar.token.cost.flops.total,
      article: a.flopsPerToken,
      why: 'article: 2 × 70B parameters; ours: 2 per streamed weight (no embedding) plus attention at the mean context',
    },
    {
      quantity: 'FLOPs per 1024-token pass',
      unit: 'FLOP',
      ours: p.diffusion.pass.cost.flops.total,
      article: a.passFlops,
      why: 'ours adds bidirectional attention 4·L·H·hd·N² (see the derivation); the article rounds 1024 × 140 GFLOP down',
    },
    {
      quantity: 'H200 fp8 dense peak',
      unit: 'FLOP/s',
      ours: t.roofline.peakFlops,
      article: a.peakFlops,
      why: 'the article rounds the datasheet figure',
    },
    {
      quantity: 'passes/s at peak',
      unit: '',
      ours: p.diffusion.passesPerSecondAtPeak,
      article: a.passesPerSecondAtPeak,
      why: 'from the two lines above',
    },
    {
      quantity: 'passes/s at 70 % compute',
      unit: '',
      ours: p.diffusion.passesPerSecond,
      article: a.passesPerSecond,
      why: 'the article rounds up',
    },
    {
      quantity: 'AR time, 1024 tokens at 51 tok/s',
      unit: 's',
      ours: p.ar.seconds,
      article: a.arSeconds,
      why: 'the article rounds 1024 / 51',
    },
    {
      quantity: 'break-even passes vs AR',
      unit: '',
      ours: p.breakEven.ar,
      article: a.breakEven,
      why: 'the article multiplies its rounded 20 s × 10 passes/s',
    },
    {
      quantity: 'vs 3× speculative AR',
      unit: '',
      ours: p.breakEven.speculative.passes,
      article: a.speculative,
      why: 'break-even / 3 (the article: its rounded 200 / 3)',
    },
    {
      quantity: 'with a further 3× margin',
      unit: '',
      ours: p.breakEven.margin.passes,
      article: a.margin,
      why: 'break-even / 9 (the article: its rounded 200 / 9)',
    },
    {
      quantity: 'B/F of an AR token',
      unit: 'B/F',
      ours: p.ar.token.cost.bytesPerFlop,
      article: a.arTokenBF,
      why: 'same count, rounded',
    },
    {
      quantity: 'B/F of a 1024-token pass',
      unit: 'B/F',
      ours: p.diffusion.pass.cost.bytesPerFlop,
      article: a.passBF,
      why: 'attention FLOPs lower it slightly',
    },
    {
      quantity: 'H200 fp8 ridge',
      unit: 'B/F',
      ours: p.ridgeBytesPerFlop,
      article: a.ridge,
      why: 'bandwidth ÷ peak, rounded',
    },
  ];
}
