// `calc --check`'s readable report: every published measurement (engine/price/published.ts) with its setup, the
// published figure, the projection's prediction, the error, what is assumed and the source. Numbers only formatted
// here (format.ts); every figure is the engine's.
import type { Check, CheckRow } from '../engine/price/published.js';
import { formatPercent, formatSeconds, formatSI, formatSignedPercent } from './format.js';
import { bold, fold } from './report.js';
import { CALC_WIDTH } from './calc-text.js';

/** a compared quantity in its unit: "51.14 tok/s", "1.97× the AR step", "69.5 experts" */
function quantity(r: CheckRow, v: number): string {
  if (r.quantity === 'pass/step') return `${v.toFixed(2)}× the AR step`;
  if (r.quantity === 'experts') return `${formatSI(v, '', 3).trim()} experts`;
  return `${formatSI(v, 'tok/s', 4)}`;
}

/** The efficiency the check priced at, in one line. */
export function efficiencyLine(c: Check): string {
  const e = c.efficiency;
  return e.rowsHalf === undefined
    ? `fixed: compute ${formatPercent(e.compute)}, memory ${formatPercent(e.memory)}`
    : `shaped: memory η_m = ${formatPercent(e.memory)}, compute η_c(n) = ${formatPercent(e.compute)} · n / (n + ${e.rowsHalf}) for n rows per pass`;
}

/** "summary: 4 fitted, median |error| 0.0 %, 0.0 % to 0.0 %; 18 held out, median |error| 8.0 %, −14.9 % to +135.0 %": the
 *  answer first, before the rows it sums up (a reader should not add up 22 rows to learn how far off the model is). */
export function checkSummary(c: Check): string {
  const part = (role: CheckRow['role'], name: string) => {
    const errs = c.rows.filter((r) => r.role === role).map((r) => r.error);
    if (!errs.length) return '';
    const abs = errs.map(Math.abs).sort((a, b) => a - b);
    const median = abs.length % 2 ? abs[abs.length >> 1]! : (abs[abs.length / 2 - 1]! + abs[abs.length / 2]!) / 2;
    const range = `${formatSignedPercent(Math.min(...errs))} to ${formatSignedPercent(Math.max(...errs))}`;
    return `${errs.length} ${name}, median |error| ${formatPercent(median)}, ${range}`;
  };
  return `summary: ${[part('fit', 'fitted'), part('held out', 'held out')].filter(Boolean).join('; ')}`;
}

export function checkText(c: Check): string {
  const W = CALC_WIDTH;
  const out: string[] = [];
  out.push(...fold(`dlm-watch calc --check: ${bold('published measurements against the projection')}`, W));
  out.push(...fold(`efficiency ${efficiencyLine(c)} (docs/published-check.md)`, W));
  out.push(...fold(bold(checkSummary(c)), W, 2));
  out.push(
    ...fold(
      'fit: a row the efficiency model is fitted on; held out: one it is not. A diffusion pass is compared as its ratio to the AR step measured on the same serving stack, which cancels what the stack adds to both.',
      W,
    ),
  );
  for (const r of c.rows) {
    out.push('');
    out.push(...fold(bold(r.setup), W));
    const experts = r.experts ? `, ${r.experts.touched.toFixed(1)} of ${r.experts.of} experts per block` : '';
    const pass =
      r.passSeconds === null
        ? ''
        : ` · pass ${formatSeconds(r.passSeconds, 4)}, ${r.bound}-bound on the roofline${experts}`;
    const tps =
      r.quantity === 'pass/step' && r.predictedTokensPerSecond !== null
        ? ` (${formatSI(r.predictedTokensPerSecond, 'tok/s', 4)} on the measured AR step)`
        : '';
    out.push(
      ...fold(
        `  published ${quantity(r, r.published)} · predicted ${quantity(r, r.predicted)}${tps} · error ${bold(formatSignedPercent(r.error))} · ${r.role}${pass}`,
        W,
        4,
      ),
    );
    if (r.fits === false)
      out.push(...fold(`  ${bold('does not fit')}: the weights and KV cache exceed the memory`, W, 4));
    out.push(...fold(`  assumed: ${r.assumptions}`, W, 4));
    out.push(...fold(`  source: ${r.source}`, W, 4));
  }
  return out.join('\n') + '\n';
}
