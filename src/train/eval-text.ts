// eval's report as text (--json prints the EvalReport itself).
import { laneOptions } from '../engine/config.js';
import { laneSpec, type DiffusionOptions } from '../engine/lanes.js';
import { DEFAULT_LABEL } from './eval-generation.js';
import type { EvalReport } from './eval-report.js';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

export function evalText(r: EvalReport): string {
  const out: string[] = [];
  const meta = r.model.meta ?? {};
  const step =
    'steps' in meta && 'plannedSteps' in meta && meta.steps !== meta.plannedSteps
      ? `, step ${String(meta.steps)} of ${String(meta.plannedSteps)}`
      : '';
  out.push(
    `dlm-watch eval (${r.mode}): ${r.model.name}${step}, ${r.model.params.toLocaleString('en-US')} params, context ${r.model.context}, backend ${r.backend}`,
  );
  if (r.arModel)
    out.push(
      `AR figures, AR lanes and the judge of generated text: ${r.arModel.name} (the same shape, adapted to next-token prediction)`,
    );
  out.push(
    `held-out: ${r.heldOut.text}, ${r.heldOut.tokens.toLocaleString('en-US')} tokens, ${r.heldOut.bytes.toLocaleString('en-US')} bytes`,
  );
  out.push('');
  const elbo = (name: string, d: EvalReport['diffusion']) => [
    name,
    f3(d.bitsPerByte),
    f3(d.standardError),
    f3(d.windowStandardError),
    f3(d.natsPerToken),
    `${d.windows} windows × ${d.draws} draws, seed ${d.seed}`,
  ];
  out.push(
    ...table([
      ['likelihood', 'bits/byte', '± s.e. (draws)', '± s.e. (windows)', 'nats/token', 'scored'],
      [
        'AR (causal NLL)',
        f3(r.ar.bitsPerByte),
        '',
        '',
        f3(r.ar.nats / r.ar.tokens),
        `${r.ar.tokens} tokens in ${r.ar.windows} windows`,
      ],
      ...(r.baseline
        ? [
            [
              'unigram of the train split',
              f3(r.baseline.unigram.bitsPerByte),
              '',
              '',
              f3(r.baseline.unigram.natsPerToken),
              'all held-out tokens (the floor of learning only frequencies)',
            ],
          ]
        : []),
      elbo('diffusion (ELBO bound)', r.diffusion),
      elbo('  same, causal denoiser', r.diffusionCausal),
    ]),
  );
  out.push('');
  out.push('diffusion, nats per masked token by mask rate t (same draws in both modes)');
  out.push(
    ...table([
      ['attention', ...r.diffusion.byMaskRate.map((b) => `t ${b.from.toFixed(1)}–${b.to.toFixed(1)}`)],
      ['bidirectional', ...r.diffusion.byMaskRate.map((b) => (b.maskedTokens ? f3(b.natsPerMaskedToken) : '–'))],
      ['causal', ...r.diffusionCausal.byMaskRate.map((b) => (b.maskedTokens ? f3(b.natsPerMaskedToken) : '–'))],
    ]),
  );
  const fu = r.futureUse;
  out.push(
    `  t ≤ ${fu.below}: bidirectional ${f3(fu.bidirectional)}, causal ${f3(fu.causal)} (× ${f3(fu.vsCausal)}); AR ${r.arModel ? 'model' : 'mode'} ${f3(fu.arNatsPerToken)} nats/token (× ${f3(fu.vsAr)})${r.baseline ? `; unigram ${f3(r.baseline.unigram.natsPerToken)}` : ''}`,
  );
  out.push('');
  const g = r.generation;
  const d = g.defaults;
  out.push(
    `generation: ${g.prompts} prompts × ${g.length} tokens; quality judged by ${r.arModel ? r.arModel.name : "the model's AR mode"}; distinct-n over words and punctuation`,
  );
  const dd = laneOptions<DiffusionOptions>(d, laneSpec('diffusion'));
  out.push(
    `  default settings: length ${d.length}, ${dd.steps} diffusion steps, block ${dd.block}, ${dd.strategy}, temperature ${d.temperature}, top-k ${d.topK}`,
  );
  const dn = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  out.push(
    ...table([
      ['decoder', 'passes', 'tokens/pass', 'gen. perplexity', 'real words', 'distinct-1/2/3'],
      ...g.rows.map((q) => [
        q.label,
        q.steps.toFixed(1),
        q.tokensPerPass.toFixed(2),
        q.perplexity.toFixed(2),
        pct(q.realWordShare),
        q.distinct.map(dn).join(' / '),
      ]),
    ]),
  );
  if (r.speculative) {
    out.push('');
    out.push(
      `speculative decoding, greedy, draft ${r.speculative.draft.name} (${r.speculative.draft.params.toLocaleString('en-US')} params): per generation of ${g.length} tokens`,
    );
    out.push(
      ...table([
        [
          'draft tokens γ',
          'α (kept/proposed)',
          'τ (tokens/verify)',
          'draft passes',
          'verify passes',
          'same text as AR',
        ],
        ...r.speculative.rows.map((x) => [
          String(x.draftTokens),
          f3(x.acceptance),
          f3(x.tokensPerVerify),
          x.draftPasses.toFixed(1),
          x.verifyPasses.toFixed(1),
          `${x.sameAsAr} of ${g.prompts}`,
        ]),
      ]),
    );
  }
  out.push('');
  out.push('targets');
  out.push(
    ...table([
      ['measure', 'target', 'value', ''],
      ...r.targets.map((t) => [
        t.name,
        t.target,
        t.value === null
          ? t.name.includes('share')
            ? 'no words'
            : '–'
          : t.name.includes('share')
            ? pct(t.value)
            : f3(t.value),
        t.met === null ? '' : t.met ? 'met' : 'NOT met',
      ]),
    ]),
  );
  out.push('');
  out.push('samples (default settings: AR, then diffusion)');
  const [dar, ddf] = [
    g.rows.find((q) => q.lane === 'ar' && q.label.endsWith(DEFAULT_LABEL)),
    g.rows.find((q) => q.lane === 'diffusion' && q.label.endsWith(DEFAULT_LABEL)),
  ];
  for (let i = 0; i < Math.min(3, dar?.samples.length ?? 0); i++) {
    out.push(`  ${JSON.stringify(dar!.samples[i]!.prompt)}`);
    out.push(`    AR:        ${JSON.stringify(dar!.samples[i]!.text)}`);
    if (ddf) out.push(`    diffusion: ${JSON.stringify(ddf.samples[i]!.text)}`);
  }
  out.push(`(${r.seconds.toFixed(1)} s)`);
  return out.join('\n') + '\n';
}
