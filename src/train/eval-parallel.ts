// npm run eval:parallel -- [--family austen|code|all] [--prompts N] [--model-dir DIR] [--json] [--write]
//
// Parallel decoding on both model families (issue 19): every lane on each prompt of the family's fixed set at the
// tool's defaults for that family (its length, temperature and lane settings), then the block-diffusion lane at
// τ = 0.5 / 0.7 / 0.9 / 0.95, greedy. For each: TPF (generated tokens / passes of the lane's own model, pooled over
// the prompts), the AR-judged perplexity (over all generated tokens), distinct-3 (mean over the prompts) and, for
// code, the parse rate (prompt + text up to its last complete line, by python3's tokenize and ast). --write stores the
// figures in <family folder>/eval-parallel.json, which the model cards quote.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DECODE, type DecodeConfig } from '../engine/config.js';
import { FAMILIES, family, type Family } from '../engine/families.js';
import { lanes, laneSpec, targetPasses, tokensPerPass, withLaneOptions } from '../engine/lanes.js';
import type { LaneId } from '../engine/decode/events.js';
import { loadLexicon, measureGeneration, openModel, pooled, type Generation } from '../engine/quality.js';
import { openLaneModels } from '../engine/run.js';
import { completeLines, pythonParses } from '../engine/io/python-parse.js';
import { runCommand } from '../commands/errors.js';
import { UsageError } from '../engine/io/errors.js';
import { parseScriptArgs } from './script-args.js';

const PROMPT_SETS: Record<string, string> = { austen: 'fixtures/prompts.json', code: 'fixtures/code-prompts.json' };
export const THRESHOLDS = [0.5, 0.7, 0.9, 0.95] as const;

export interface ParallelRow {
  lane: LaneId;
  setting: string;
  /** generated tokens / passes of the lane's own model, pooled */
  tpf: number;
  /** exp(mean NLL) of every generated token under the AR lane's model */
  perplexity: number;
  /** mean over the prompts */
  distinct3: number | null;
  /** code only: share of the prompts whose prompt + text parses */
  parseRate: number | null;
}

/** One row from a lane's generations on every prompt: perplexity and distinct-3 pooled as eval pools them (quality.ts
 *  pooled); TPF over the passes of the lane's own model (pooled's counts a draft's passes too, as eval reports them). */
function row(lane: LaneId, setting: string, gs: Generation[], code: boolean): ParallelRow {
  const p = pooled(gs);
  const tokens = gs.reduce((n, g) => n + g.tokens.length, 0);
  const passes = gs.reduce((n, g) => n + targetPasses(g.events), 0);
  const ok = code ? pythonParses(gs.map((g) => completeLines(g.config.prompt + g.text))) : null;
  return {
    lane,
    setting,
    tpf: tokensPerPass(tokens, passes),
    perplexity: p.perplexity,
    distinct3: p.distinct[2] ?? null,
    parseRate: ok ? ok.filter(Boolean).length / ok.length : null,
  };
}

/** The family's fixed prompt set. */
function promptSet(f: Family): string[] {
  return (JSON.parse(readFileSync(PROMPT_SETS[f.id]!, 'utf8')) as { prompts: string[] }).prompts;
}

export async function evalParallel(f: Family, promptCount: number): Promise<ParallelRow[]> {
  const prompts = promptSet(f).slice(0, promptCount);
  const m = await openModel(f.dir);
  const { models, opened } = await openLaneModels(m, lanes());
  const lexicon = loadLexicon();
  const code = f.id === 'code';
  const base = (prompt: string): DecodeConfig => ({
    ...DEFAULT_DECODE,
    prompt,
    length: Math.min(f.length, m.json.config.context - m.ctx.tokenizer.encode(prompt).length),
    temperature: f.temperature,
    topK: f.topK,
    seed: 1,
  });
  const rows: ParallelRow[] = [];
  const run = async (lane: LaneId, setting: string, cfg: (p: string) => DecodeConfig) => {
    const gs: Generation[] = [];
    for (const p of prompts) gs.push(await measureGeneration(m, lane, cfg(p), lexicon, models));
    rows.push(row(lane, setting, gs, code));
    const r = rows.at(-1)!;
    process.stderr.write(`eval:parallel ${f.id}: ${laneSpec(lane).label} ${setting}: TPF ${r.tpf.toFixed(2)}\n`);
  };
  try {
    for (const l of lanes()) await run(l.id, 'default', base);
    for (const threshold of THRESHOLDS)
      await run('block', `τ ${threshold}, greedy`, (p) =>
        withLaneOptions({ ...base(p), temperature: 0, topK: 0 }, 'block', { threshold }),
      );
  } finally {
    for (const x of [m, ...opened]) x.ctx.model.dispose();
  }
  return rows;
}

export function parallelText(f: Family, rows: readonly ParallelRow[]): string {
  const out = [`${f.id} (${f.what}): ${f.length} tokens, temperature ${f.temperature}, top-k ${f.topK}`];
  out.push('| lane | setting | TPF | AR-judged perplexity | distinct-3 |' + (f.id === 'code' ? ' parses |' : ''));
  out.push('|---|---|---:|---:|---:|' + (f.id === 'code' ? '---:|' : ''));
  for (const r of rows)
    out.push(
      `| ${laneSpec(r.lane).label} | ${r.setting} | ${r.tpf.toFixed(2)} | ${r.perplexity.toFixed(2)} | ${r.distinct3?.toFixed(3) ?? '–'} |` +
        (r.parseRate === null ? '' : ` ${(r.parseRate * 100).toFixed(0)} % |`),
    );
  return out.join('\n') + '\n';
}

const code = await runCommand('eval:parallel', async () => {
  const { values: a } = parseScriptArgs({
    options: {
      family: { type: 'string', default: 'all' },
      // default: the family's whole set (24 code signatures: 8 gave TPFs that moved by a third with the prompts)
      prompts: { type: 'string' },
      // a candidate's folder (model.json, shards, tokenizer, ar/, draft/) run with a family's settings before it ships
      'model-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  const n = a.prompts === undefined ? Infinity : Number(a.prompts);
  if (n !== Infinity && (!Number.isInteger(n) || n < 1))
    throw new UsageError(`--prompts must be a whole number ≥ 1, got ${a.prompts}`);
  if (a['model-dir'] && a.family === 'all') throw new UsageError('--model-dir needs one --family');
  const fams = (a.family === 'all' ? FAMILIES : [family(a.family)]).map((f) =>
    a['model-dir'] ? { ...f, dir: a['model-dir'] } : f,
  );
  const all: Record<string, ParallelRow[]> = {};
  for (const f of fams) {
    const rows = await evalParallel(f, n);
    all[f.id] = rows;
    if (!a.json) process.stdout.write(parallelText(f, rows) + '\n');
    if (a.write)
      writeFileSync(
        join(f.dir, 'eval-parallel.json'),
        JSON.stringify(
          {
            family: f.id,
            prompts: Math.min(n, promptSet(f).length),
            date: new Date().toISOString().slice(0, 10),
            rows,
          },
          null,
          2,
        ) + '\n',
      );
  }
  if (a.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
  return 0;
});
process.exit(code);
